"""Service-task operations: the named functions a diagram's service tasks may call.

The engine only knows names and retry policies; what an operation does belongs to the
package that registers it. Deploy refuses a diagram naming an unregistered operation.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    backoff_seconds: float = 5.0


@dataclass(frozen=True)
class OperationContext:
    """What an operation may know about the call besides its parameters.

    ``hold(session)`` is for operations that write to the engine's database: called in
    the operation's own transaction before it writes, it locks the job's row and raises
    ``JobSuperseded`` unless this attempt is still the running one. A job is cancelled
    (its instance aborted or terminated) under that same row lock, so either the write
    commits first and whatever ends the instance sees it, or the cancel commits first
    and nothing is written. None when the operation is called outside the engine.
    """

    job_id: str
    instance_id: str
    business_key: str | None
    element_id: str
    attempt: int
    now: datetime
    hold: Callable[[object], None] | None = None


class JobSuperseded(Exception):
    """The attempt is no longer the one its job waits for (cancelled, finished or retried)."""


class BpmnError(Exception):
    """Raised by an operation to throw a BPMN error the diagram can catch by code."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(message or code)
        self.code = code
        self.message = message or code


Operation = Callable[[dict, OperationContext], dict]


@dataclass(frozen=True)
class _Registered:
    function: Operation
    policy: RetryPolicy


class OperationRegistry:
    def __init__(self):
        self._operations: dict[str, _Registered] = {}

    def register(self, name: str, function: Operation, policy: RetryPolicy = RetryPolicy()) -> None:
        self._operations[name] = _Registered(function, policy)

    def __contains__(self, name: str) -> bool:
        return name in self._operations

    def names(self) -> list[str]:
        return sorted(self._operations)

    def get(self, name: str) -> Operation:
        return self._operations[name].function

    def retry_policy(self, name: str, retries: int | None = None, backoff: float | None = None) -> RetryPolicy:
        """The registered policy, overridden by a diagram's ``spiffworkflow:retry``."""
        base = self._operations[name].policy if name in self._operations else RetryPolicy()
        return RetryPolicy(
            attempts=int(retries) + 1 if retries is not None else base.attempts,
            backoff_seconds=float(backoff) if backoff is not None else base.backoff_seconds,
        )
