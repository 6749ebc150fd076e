"""Plain views of the engine's rows: what callers, the API and read models receive.

They depend on the tables alone, so every engine module can use them without an import
cycle (queries, jobs and deployments all describe rows).
"""
from __future__ import annotations

from datetime import datetime

from engine.tables import HumanTask, Job, ProcessDefinition, ProcessInstance


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def definition_view(definition: ProcessDefinition) -> dict:
    return {
        "id": definition.id, "process_key": definition.process_key, "version": definition.version,
        "name": definition.name, "sha256": definition.sha256, "deployed_by": definition.deployed_by,
        "deployed_at": definition.deployed_at.isoformat(), "forms": sorted(definition.forms),
        "files": sorted(definition.files or {}), "source": definition.source,
    }


def instance_summary(row: ProcessInstance, definition: ProcessDefinition) -> dict:
    return {
        "id": row.id, "process_key": definition.process_key, "definition_version": definition.version,
        "business_key": row.business_key, "status": row.status, "version": row.version,
        "started_by": row.started_by, "started_at": iso(row.started_at), "updated_at": iso(row.updated_at),
        "ended_at": iso(row.ended_at), "end_element": row.end_element,
    }


def task_view(task: HumanTask) -> dict:
    return {
        "id": task.id, "instance_id": task.instance_id, "element_id": task.element_id, "name": task.name,
        "lane": task.lane, "scope": task.scope, "assignee": task.assignee, "form": task.form, "ui_form": task.ui_form,
        "state": task.state, "created_at": iso(task.created_at), "due_at": iso(task.due_at),
        "completed_by": task.completed_by, "ended_at": iso(task.ended_at),
        "candidate_groups": HumanTask.names(task.candidate_groups),
        "candidate_users": HumanTask.names(task.candidate_users),
    }


def job_view(job: Job) -> dict:
    return {
        "id": job.id, "instance_id": job.instance_id, "task_id": job.task_id, "element_id": job.element_id,
        "operation": job.operation, "input": job.input, "state": job.state, "attempts": job.attempts,
        "max_attempts": job.max_attempts, "last_error": job.last_error, "error_history": job.error_history,
        "run_after": job.run_after.isoformat(), "claimed_by": job.claimed_by, "result": job.result,
    }
