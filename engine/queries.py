"""Read models: what callers see of definitions, instances, tasks and history."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from engine.errors import NotFound
from engine.projections import current_rows, snapshot
from engine.states import InstanceStatus, TaskStatus
from engine.tables import AuditEntry, HumanTask, Job, ProcessDefinition, ProcessInstance, Timer
from engine.views import definition_view, instance_summary, iso, job_view, task_view


def definition(session, process_key: str, version: int | None = None) -> ProcessDefinition:
    query = select(ProcessDefinition).where(ProcessDefinition.process_key == process_key)
    query = query.where(ProcessDefinition.version == version) if version else \
        query.order_by(ProcessDefinition.version.desc()).limit(1)
    found = session.scalar(query)
    if found is None:
        raise NotFound(f"process {process_key!r}" + (f" version {version}" if version else "") + " is not deployed",
                       reason_code="process_not_deployed", params={"process": process_key})
    return found


def definition_by_id(session, definition_id: int) -> ProcessDefinition:
    found = session.get(ProcessDefinition, definition_id)
    if found is None:
        raise NotFound(f"definition {definition_id} does not exist", reason_code="definition_not_found",
                       params={"definition": definition_id})
    return found


def definitions(session, process_key: str | None = None) -> list[dict]:
    query = select(ProcessDefinition).order_by(ProcessDefinition.process_key, ProcessDefinition.version)
    if process_key:
        query = query.where(ProcessDefinition.process_key == process_key)
    return [definition_view(d) for d in session.scalars(query)]


def instance_detail(session, runtime, instance_id: str) -> dict:
    row = session.get(ProcessInstance, instance_id)
    if row is None:
        raise NotFound(f"instance {instance_id} does not exist", reason_code="instance_not_found",
                       params={"instance": instance_id})
    workflow, _ = runtime.load(session, row)
    return instance_view(session, row, snapshot(workflow), current_rows(session, instance_id))


def instance_view(session, row: ProcessInstance, snap, rows) -> dict:
    """An instance as callers see it: summary, data, active elements, inbox, timers, open jobs."""
    definition = session.get(ProcessDefinition, row.definition_id)
    return {
        **instance_summary(row, definition),
        "data": snap.data,
        "active_elements": snap.active_elements,
        "tasks": [task_view(t) for t in rows.tasks],
        "timers": [{"id": t.id, "element_id": t.element_id, "name": t.name, "due_at": iso(t.due_at)}
                   for t in rows.timers],
        "jobs": [job_view(j) for j in rows.jobs],
    }


def instances(session, process_key: str | None = None, status: str | None = None,
              business_key: str | None = None, limit: int = 100, offset: int = 0) -> list[dict]:
    query = select(ProcessInstance, ProcessDefinition).join(
        ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
    if process_key:
        query = query.where(ProcessDefinition.process_key == process_key)
    if status:
        query = query.where(ProcessInstance.status == status)
    if business_key:
        query = query.where(ProcessInstance.business_key == business_key)
    query = query.order_by(ProcessInstance.started_at.desc(), ProcessInstance.id).limit(limit).offset(offset)
    return [instance_summary(row, d) for row, d in session.execute(query)]


def tasks(session, state: str = TaskStatus.OPEN, instance_id: str | None = None, lane: str | None = None,
          assignee: str | None = None, limit: int = 100) -> list[dict]:
    query = select(HumanTask).where(HumanTask.state == state)
    if instance_id:
        query = query.where(HumanTask.instance_id == instance_id)
    if lane:
        query = query.where(HumanTask.lane == lane)
    if assignee:
        query = query.where(HumanTask.assignee == assignee)
    query = query.order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at).limit(limit)
    return [task_view(t) for t in session.scalars(query)]


def jobs(session, states, limit: int = 100) -> list[dict]:
    query = select(Job).where(Job.state.in_(list(states))).order_by(Job.updated_at.desc()).limit(limit)
    return [job_view(j) for j in session.scalars(query)]


def job(session, job_id: str) -> dict:
    found = session.get(Job, job_id)
    if found is None:
        raise NotFound(f"job {job_id} does not exist", reason_code="job_not_found", params={"job": job_id})
    return job_view(found)


def timers(session, limit: int = 100) -> list[dict]:
    query = select(Timer).order_by(Timer.due_at).limit(limit)
    return [{"id": t.id, "instance_id": t.instance_id, "element_id": t.element_id, "name": t.name,
             "due_at": iso(t.due_at)} for t in session.scalars(query)]


def history(session, instance_id: str) -> list[dict]:
    query = select(AuditEntry).where(AuditEntry.instance_id == instance_id).order_by(AuditEntry.id)
    return [{"id": e.id, "actor": e.actor, "action": e.action, "element_id": e.element_id,
             "details": e.details, "at": iso(e.at)} for e in session.scalars(query)]


def due_timers(db, now: datetime, limit: int) -> dict[str, list[str]]:
    """Running instances with a timer past due, and which elements (index scan only).

    Strictly before ``now``: SpiffWorkflow fires a timer only once its moment has passed.
    """
    with db.unit_of_work() as uow:
        rows = uow.session.execute(
            select(Timer.instance_id, Timer.element_id)
            .join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
            .where(Timer.due_at < now, ProcessInstance.status == InstanceStatus.RUNNING)
            .order_by(Timer.due_at).limit(limit)
        ).all()
    due: dict[str, list[str]] = {}
    for instance_id, element_id in rows:
        due.setdefault(instance_id, []).append(element_id)
    return due
