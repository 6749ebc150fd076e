"""The mutation pipeline every change to an instance goes through.

lock the row -> check the caller's version -> load -> change -> run the engine ->
compact -> project (inbox, timers, jobs) -> save with version + 1 -> audit -> listeners,
all in one transaction. If anything fails nothing is written, so an instance is never
half-updated, and a stale or concurrent writer gets a clear error instead of a merge.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from engine import clock, queries
from engine.compaction import compact, compact_every
from engine.errors import Busy, Conflict, NotFound, Problem, ProcessFailure, StaleVersion
from engine.projections import instance_data, snapshot, sync
from engine.tables import AuditEntry, BpmnSpec, ProcessDefinition, ProcessInstance
from engine.workflow import dump_state, load_state

log = logging.getLogger(__name__)
ACTIVE = ("running",)


@dataclass
class InstanceChanged:
    """What listeners (read models such as the innovation record) learn after a change."""

    instance_id: str
    business_key: str | None
    process_key: str
    status: str
    action: str
    actor: str
    at: datetime
    data: dict
    active_elements: list[dict]
    end_element: str | None
    element_id: str | None = None
    submitted: dict = field(default_factory=dict)
    jobs_created: list[str] = field(default_factory=list)
    view: dict | None = None  # the instance as callers see it, when the caller asked for it


def to_json_safe(value):
    return json.loads(json.dumps(value, default=str))


def data_diff(before: dict, after: dict) -> dict:
    changed = {k: v for k, v in after.items() if k not in before or before[k] != v}
    changed.update({k: None for k in before if k not in after})
    return to_json_safe(changed)


def advance(workflow) -> None:
    """Run the engine until it waits; due timers fire on the way (SpiffWorkflow only marks
    them ready at the end of ``do_engine_steps``, so we loop)."""
    after_task = compact_every(workflow)
    try:
        workflow.do_engine_steps(did_complete_task=after_task)
        workflow.refresh_timers()
        while workflow.get_next_task(state=TaskState.READY, manual=False) is not None:
            workflow.do_engine_steps(did_complete_task=after_task)
            workflow.refresh_timers()
    except WorkflowException as exc:
        raise process_failure(exc) from exc


def process_failure(exc: Exception) -> ProcessFailure:
    task_spec = getattr(exc, "task_spec", None) or getattr(getattr(exc, "task", None), "task_spec", None)
    element = getattr(task_spec, "bpmn_id", None)
    name = getattr(task_spec, "bpmn_name", None)
    message = str(exc.__cause__ or exc) if isinstance(exc, WorkflowException) else str(exc)
    return ProcessFailure(f"the diagram failed at {element or 'an element'}: {exc}",
                          [Problem(message, element_id=element, element_name=name)])


class Runtime:
    def __init__(self, db, listeners: list[Callable], operations, engine_clock):
        self.db = db
        self.listeners = listeners
        self.operations = operations
        self.clock = engine_clock
        self.job_observers: list[Callable[[list[str]], None]] = []
        self._spec_cache: dict[str, str] = {}

    def time(self):
        """Run a block on this engine's clock (timers, due dates and audit times follow it)."""
        return clock.use_clock(self.clock)

    def spec_json(self, session, definition: ProcessDefinition) -> str:
        cached = self._spec_cache.get(definition.spec_sha256)
        if cached is None:
            cached = session.get(BpmnSpec, definition.spec_sha256).spec_json
            self._spec_cache[definition.spec_sha256] = cached
        return cached

    def lock(self, session, instance_id: str, expected_version: int | None, statuses,
             skip_locked: bool = False) -> ProcessInstance:
        """Lock the instance row; with ``skip_locked`` (PostgreSQL) a row another process
        holds raises Busy at once instead of waiting for it."""
        row = session.get(ProcessInstance, instance_id, populate_existing=True,
                          with_for_update={"skip_locked": True} if skip_locked else True)
        if row is None:
            if skip_locked and session.scalar(select(ProcessInstance.id).where(ProcessInstance.id == instance_id)):
                raise Busy(f"instance {instance_id} is being changed by another process")
            raise NotFound(f"instance {instance_id} does not exist")
        if expected_version is not None and row.version != expected_version:
            raise StaleVersion(f"instance {instance_id} is at version {row.version}, not {expected_version}: "
                               "reload it and try again")
        if statuses and row.status not in statuses:
            raise Conflict(f"instance {instance_id} is {row.status}; this needs it {' or '.join(statuses)}")
        return row

    def load(self, session, row: ProcessInstance):
        definition = session.get(ProcessDefinition, row.definition_id)
        return load_state(row.state_json, self.spec_json(session, definition)), definition

    def save(self, session, row, definition, workflow, *, actor, action, before: dict,
             element_id=None, submitted=None, details=None, with_view: bool = False) -> InstanceChanged:
        now = clock.now()
        compact(workflow)
        snap = snapshot(workflow)
        changes, rows = sync(session, row.id, snap, now, self.operations)
        row.state_json = dump_state(workflow)
        row.updated_at = now
        if snap.completed and row.status in ACTIVE:
            row.status, row.ended_at, row.end_element = "completed", now, snap.end_element
        audit = {**(details or {}), **{k: v for k, v in changes.items() if v}}
        if submitted:
            audit["submitted"] = to_json_safe(submitted)
        audit["data_changed"] = data_diff(before, snap.data)
        if workflow.join_conflicts:
            audit["join_conflicts"] = to_json_safe(workflow.join_conflicts)
        session.add(AuditEntry(instance_id=row.id, actor=actor, action=action, element_id=element_id,
                               details=audit, at=now))
        try:
            session.flush()
        except StaleDataError as exc:
            raise StaleVersion(f"instance {row.id} was changed concurrently; reload it and try again") from exc
        event = InstanceChanged(
            instance_id=row.id, business_key=row.business_key, process_key=definition.process_key,
            status=row.status, action=action, actor=actor, at=now, data=snap.data,
            active_elements=snap.active_elements, end_element=row.end_element, element_id=element_id,
            submitted=submitted or {}, jobs_created=changes["jobs_created"],
        )
        for listener in self.listeners:
            try:
                listener(session, event)
            except Exception as exc:  # a read model that cannot follow must stop the change, visibly
                raise ProcessFailure(f"{getattr(listener, '__name__', listener)} could not record {action}: {exc}",
                                     [Problem(str(exc), element_id=element_id)]) from exc
        if with_view:
            event.view = queries.instance_view(session, row, snap, rows)
        return event

    def record_failure(self, instance_id: str, *, actor: str, action: str, failure: ProcessFailure) -> None:
        """Park an instance whose diagram failed in the background (a timer, a job result).

        Its state stays as it was before the failing step; status ``error`` keeps schedulers
        from retrying in a loop until an admin resumes it.
        """
        with self.time(), self.db.unit_of_work(write=True) as uow:
            row = self.lock(uow.session, instance_id, None, None)
            row.status, row.updated_at = "error", clock.now()
            uow.session.add(AuditEntry(instance_id=instance_id, actor=actor, action=f"{action}_failed",
                                       element_id=failure.details[0].element_id if failure.details else None,
                                       details={"error": str(failure)}, at=clock.now()))
            uow.commit()

    def mutate(self, instance_id: str, *, actor: str, action: str, change: Callable, expected_version=None,
               statuses=ACTIVE, element_id=None, submitted=None, skip_locked: bool = False,
               with_view: bool = False):
        """Apply ``change(session, row, workflow)`` to one instance in one transaction.

        ``change`` may return a dict of audit details. Returns the InstanceChanged event,
        with the instance's ``view`` read in the same transaction if ``with_view``.
        """
        with self.time(), self.db.unit_of_work(write=True) as uow:
            session = uow.session
            row = self.lock(session, instance_id, expected_version, statuses, skip_locked)
            workflow, definition = self.load(session, row)
            before = instance_data(workflow)
            details = change(session, row, workflow) or {}
            if row.status in ACTIVE:
                advance(workflow)
            event = self.save(session, row, definition, workflow, actor=actor, action=action, before=before,
                              element_id=element_id, submitted=submitted, details=details, with_view=with_view)
            uow.commit()
        self.jobs_committed(event.jobs_created)
        return event

    def jobs_committed(self, job_ids: list[str]) -> None:
        """Tell observers (a queue dispatcher) about new jobs, only once they are committed."""
        if job_ids:
            for observer in self.job_observers:
                observer(job_ids)
