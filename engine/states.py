"""The states an instance, a user task and a job can be in: one spelling for every layer.

They are ``StrEnum``s, so they are stored as the plain strings the tables and the API
have always used and compare equal to them.
"""
from __future__ import annotations

from enum import StrEnum


class InstanceStatus(StrEnum):
    RUNNING = "running"
    SUSPENDED = "suspended"
    ERROR = "error"  # parked by a failure until an admin resumes it
    COMPLETED = "completed"
    TERMINATED = "terminated"


class TaskStatus(StrEnum):
    """A user task's row in the inbox projection."""

    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class JobState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    INCIDENT = "incident"  # out of attempts: waits for an admin to retry or cancel
    CANCELLED = "cancelled"


#: Jobs that still have an attempt to make.
OPEN_JOBS = (JobState.PENDING, JobState.RUNNING)
