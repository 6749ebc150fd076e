"""The mutation pipeline every change to an instance goes through.

lock the row -> check the caller's version -> load -> change -> run the engine ->
compact -> project (inbox, timers, jobs) -> save with version + 1 -> audit -> listeners,
all in one transaction. If anything fails nothing is written, so an instance is never
half-updated, and a stale or concurrent writer gets a clear error instead of a merge.
"""
from __future__ import annotations

import ast
import json
import logging
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import inspect as inspect_mapper
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.exc import StaleDataError

from engine import clock, queries
from engine.compaction import compact, compact_every
from engine.errors import Busy, Conflict, EngineError, InvalidData, NotFound, Problem, ProcessFailure, StaleVersion
from engine.projections import LIVE, PROJECTIONS, instance_data, open_tasks, snapshot, stored_projections, sync
from engine.tables import AuditEntry, BpmnSpec, Job, ProcessDefinition, ProcessInstance
from engine.workflow import dump_state, load_state, unstorable

log = logging.getLogger(__name__)
ACTIVE = ("running",)
DEFINITION_COLUMNS = inspect_mapper(ProcessDefinition).column_attrs
TERMINAL = ("completed", "terminated")


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
    scope: str | None = None  # the completed task's scope (for whom it was), if it had one
    submitted: dict = field(default_factory=dict)
    jobs_created: list[str] = field(default_factory=list)
    tasks_opened: list = field(default_factory=list)  # the inbox rows (HumanTask) this change opened
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
    with diagram_code():
        workflow.do_engine_steps(did_complete_task=after_task)
        workflow.refresh_timers()
        while workflow.get_next_task(state=TaskState.READY, manual=False) is not None:
            workflow.do_engine_steps(did_complete_task=after_task)
            workflow.refresh_timers()


@contextmanager
def diagram_code(element_id: str | None = None):
    """Whatever running an instance raises becomes a ProcessFailure naming the element.

    Diagram code and the library raise anything: WorkflowTaskException from a script,
    AttributeError from a timer expression that is not a string, TypeError from a date
    compared with a duration. All of them take the one failure path (422 in the
    foreground, the instance parked in the background). The engine's own errors keep
    their meaning, and database errors stay database errors: a lost connection is not
    the instance's fault.
    """
    try:
        yield
    except (EngineError, SQLAlchemyError):
        raise
    except Exception as exc:
        raise process_failure(exc, element_id) from exc


def process_failure(exc: Exception, element_id: str | None = None) -> ProcessFailure:
    """A ProcessFailure naming the element that failed: the one the library's exception
    carries, else the innermost task on the traceback, else ``element_id``."""
    task_spec = getattr(exc, "task_spec", None) or getattr(getattr(exc, "task", None), "task_spec", None) \
        or getattr(_innermost_task(exc), "task_spec", None)
    element = getattr(task_spec, "bpmn_id", None) or element_id
    name = getattr(task_spec, "bpmn_name", None)
    if isinstance(exc, WorkflowException):
        message = str(exc.__cause__ or exc)
    else:
        message = f"{type(exc).__name__}: {exc}"
    return ProcessFailure(f"the diagram failed at {element or 'an element'}: {message}",
                          [Problem(message, element_id=element, element_name=name)])


def _innermost_task(exc: Exception) -> Task | None:
    """The SpiffWorkflow task the failing library code was working on, read off the
    traceback (its methods take the task as ``my_task`` or ``task``)."""
    found, frame = None, exc.__traceback__
    while frame is not None:
        local = frame.tb_frame.f_locals
        candidate = local.get("my_task", local.get("task"))
        if isinstance(candidate, Task):
            found = candidate
        frame = frame.tb_next
    return found


def _unstorable_failure(workflow, exc: Exception) -> ProcessFailure:
    """Name the variable the serializer refused and the element whose script set it (or,
    if no single script assigns it, the element whose data holds it now)."""
    found = unstorable(workflow)
    if found is None:
        return process_failure(exc)
    task, variable, value = found
    setters = _scripts_assigning(workflow, variable)
    spec = setters[0] if len(setters) == 1 else task.task_spec
    message = f"variable {variable!r} holds a {type(value).__name__}, which an instance cannot store " \
              "(only JSON values and dates)"
    return ProcessFailure(f"the diagram failed at {spec.bpmn_id or 'an element'}: {message}",
                          [Problem(message, element_id=spec.bpmn_id, element_name=spec.bpmn_name)])


def _scripts_assigning(workflow, variable: str) -> list:
    """Task specs whose script, pre- or post-script assigns ``variable``."""
    specs = [*workflow.spec.task_specs.values(),
             *(t for s in workflow.subprocess_specs.values() for t in s.task_specs.values())]
    found = []
    for spec in specs:
        for source in (getattr(spec, name, None) for name in ("script", "prescript", "postscript")):
            try:
                tree = ast.parse(source) if source else None
            except SyntaxError:
                continue
            if tree and any(isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id == variable
                            for node in ast.walk(tree)):
                found.append(spec)
                break
    return found


class Runtime:
    def __init__(self, db, listeners: list[Callable], operations, engine_clock):
        self.db = db
        self.listeners = listeners
        self.operations = operations
        self.clock = engine_clock
        self.job_observers: list[Callable[[list[str]], None]] = []
        self._spec_cache: dict[str, str] = {}
        self._definitions: dict[int, ProcessDefinition] = {}

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
            raise NotFound(f"instance {instance_id} does not exist", reason_code="instance_not_found",
                           params={"instance": instance_id})
        if expected_version is not None and row.version != expected_version:
            raise StaleVersion(f"instance {instance_id} is at version {row.version}, not {expected_version}: "
                               "reload it and try again", reason_code="version_mismatch",
                               params={"instance": instance_id, "version": row.version, "expected": expected_version})
        if statuses and row.status not in statuses:
            raise Conflict(f"instance {instance_id} is {row.status}; this needs it {' or '.join(statuses)}",
                           reason_code="instance_state",
                           params={"instance": instance_id, "status": row.status, "needs": list(statuses)})
        return row

    def definition(self, session, definition_id: int) -> ProcessDefinition:
        """A deployed definition, read once per process: a version is never changed after
        its deploy, and its row (diagram, form snapshot) is the largest an instance step reads.
        The copy goes into ``session`` without a query, so later ``session.get`` finds it."""
        cached = self._definitions.get(definition_id)
        if cached is None:
            return self.remember(session.get(ProcessDefinition, definition_id))
        return session.merge(cached, load=False)

    def remember(self, definition: ProcessDefinition) -> ProcessDefinition:
        """Keep a copy of a definition just read, for ``definition``; returns the one read."""
        if definition.id not in self._definitions:
            cached = ProcessDefinition(**{c.key: getattr(definition, c.key) for c in DEFINITION_COLUMNS})
            make_transient_to_detached(cached)  # belongs to no session: each step merges its own copy
            self._definitions[definition.id] = cached
        return definition

    def load(self, session, row: ProcessInstance):
        definition = self.definition(session, row.definition_id)
        return load_state(row.state_json, self.spec_json(session, definition)), definition

    def save(self, session, row, definition, workflow, *, actor, action, before: dict, stored=PROJECTIONS,
             tasks=None, element_id=None, submitted=None, details=None, scope=None,
             with_view: bool = False) -> InstanceChanged:
        """``stored``: the projection tables that may hold the instance's rows before this step;
        ``tasks``: its open inbox rows, when read at the start of the step."""
        now = clock.now()
        with diagram_code(element_id):
            compact(workflow)
            snap = snapshot(workflow)
            try:
                state_json = dump_state(workflow)
            except (TypeError, ValueError) as exc:
                raise _unstorable_failure(workflow, exc) from exc
        if row in session.new:  # a new instance is inserted with its state, before the rows that refer to it
            row.state_json, row.updated_at = state_json, now
            session.flush()
        changes, rows = sync(session, row.id, definition.process_key, snap, now, self.operations, stored, tasks)
        row.state_json = state_json
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
            raise StaleVersion(f"instance {row.id} was changed concurrently; reload it and try again",
                               reason_code="stale_version", params={"instance": row.id}) from exc
        event = InstanceChanged(
            instance_id=row.id, business_key=row.business_key, process_key=definition.process_key,
            status=row.status, action=action, actor=actor, at=now, data=snap.data,
            active_elements=snap.active_elements, end_element=row.end_element, element_id=element_id,
            scope=scope, submitted=submitted or {}, jobs_created=changes["jobs_created"],
            tasks_opened=rows.opened,
        )
        for listener in self.listeners:
            try:
                listener(session, event)
            except InvalidData:  # a listener may refuse the submitted data: nothing is saved, the caller is told why
                raise
            except Exception as exc:  # a read model that cannot follow must stop the change, visibly
                raise ProcessFailure(f"{getattr(listener, '__name__', listener)} could not record {action}: {exc}",
                                     [Problem(str(exc), element_id=element_id)]) from exc
        if with_view:
            event.view = queries.instance_view(session, row, snap, rows)
        return event

    def record_failure(self, instance_id: str, *, actor: str, action: str, failure: ProcessFailure,
                       job: dict | None = None) -> None:
        """Park an instance whose diagram failed in the background (a timer, a job result).

        Its state stays as it was before the failing step; status ``error`` keeps schedulers
        from retrying in a loop until an admin resumes it. The audit entry names the element
        and the message. A job whose result could not be applied becomes an incident (if
        that attempt is still the running one), so it is retried only when an admin says so.
        An instance that ended meanwhile keeps its status: the failure is only recorded.
        """
        element_id = failure.details[0].element_id if failure.details else None
        with self.time(), self.db.unit_of_work(write=True) as uow:
            row = self.lock(uow.session, instance_id, None, None)
            details = {"error": str(failure)}
            if row.status in TERMINAL:
                details["status_kept"] = row.status
            else:
                row.status, row.updated_at = "error", clock.now()
            if job is not None:
                stored = uow.session.get(Job, job["id"], populate_existing=True)
                if stored.state == "running" and stored.attempts == job["attempts"]:
                    message = f"the result could not be applied: {failure}"[:2000]
                    stored.error_history = [*stored.error_history, {"attempt": stored.attempts,
                                                                    "at": clock.now().isoformat(), "error": message}]
                    stored.state, stored.last_error, stored.updated_at = "incident", message, clock.now()
                    details["job_id"] = stored.id
            uow.session.add(AuditEntry(instance_id=instance_id, actor=actor, action=f"{action}_failed",
                                       element_id=element_id, details=details, at=clock.now()))
            uow.commit()

    def contain(self, instance_id: str, step: Callable, *, actor: str, action: str, job: dict | None = None):
        """Run one background step of one instance; if its diagram fails, park that instance.

        Returns the step's result, or None when the instance was parked. Database errors
        (connection lost, locks) propagate: they are not the instance's fault, and the
        step is tried again on a later pass.
        """
        try:
            return step()
        except ProcessFailure as failure:
            self.record_failure(instance_id, actor=actor, action=action, failure=failure, job=job)
            return None

    def mutate(self, instance_id: str, *, actor: str, action: str, change: Callable, expected_version=None,
               statuses=ACTIVE, element_id=None, submitted=None, scope=None, skip_locked: bool = False,
               with_view: bool = False):
        """Apply ``change(session, row, workflow)`` to one instance in one transaction.

        ``change`` may return a dict of audit details. Returns the InstanceChanged event,
        with the instance's ``view`` read in the same transaction if ``with_view``.
        """
        with self.time(), self.db.unit_of_work(write=True) as uow:
            session = uow.session
            row = self.lock(session, instance_id, expected_version, statuses, skip_locked)
            tasks = open_tasks(session, row.id)  # in the session: a completion finds its task without a query
            with diagram_code(element_id):
                workflow, definition = self.load(session, row)
                live = workflow.get_tasks(state=LIVE)
                before, stored = instance_data(workflow, live), stored_projections(live)
                details = change(session, row, workflow) or {}
                if row.status in ACTIVE:
                    advance(workflow)
            event = self.save(session, row, definition, workflow, actor=actor, action=action, before=before,
                              stored=stored, tasks=tasks,
                              element_id=element_id, submitted=submitted, details=details, scope=scope,
                              with_view=with_view)
            uow.commit()
        self.jobs_committed(event.jobs_created)
        return event

    def jobs_committed(self, job_ids: list[str]) -> None:
        """Tell observers (a queue dispatcher) about new jobs, only once they are committed."""
        if job_ids:
            for observer in self.job_observers:
                observer(job_ids)
