"""What a workflow is waiting for, read off its task tree, and the rows that mirror it.

``snapshot`` reads a workflow once (user tasks ready, timers waiting, service tasks
started, data, active elements); ``sync`` brings the inbox, timer and job tables in line
with it. Both run inside the mutation's transaction, so a projection is never out of
step with the instance state it describes.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, select

from engine import deadlines
from engine.tables import HumanTask, Job, Timer
from engine.workflow import AsyncServiceTask, task_candidates, task_forms

LIVE = TaskState.NOT_FINISHED_MASK | TaskState.ERROR


@dataclass
class Snapshot:
    user_tasks: list[dict] = field(default_factory=list)
    timers: list[dict] = field(default_factory=list)
    service_tasks: list[dict] = field(default_factory=list)
    active_elements: list[dict] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    completed: bool = False
    end_element: str | None = None


def _due_of(task) -> datetime | None:
    definition, value = task.task_spec.event_definition, task.internal_data.get("event_value")
    definitions = definition.event_definitions if isinstance(definition, MultipleEventDefinition) else [definition]
    if value is None:
        return None
    for d in definitions:
        if isinstance(d, CycleTimerEventDefinition):
            return TimerEventDefinition.get_datetime(value["next"])
        if isinstance(d, TimeDateEventDefinition):
            return TimerEventDefinition.parse_time_or_duration(value)
        if isinstance(d, TimerEventDefinition):
            return TimerEventDefinition.get_datetime(value)
    return None


def _waits_for_time(definition) -> bool:
    definitions = definition.event_definitions if isinstance(definition, MultipleEventDefinition) else [definition]
    return any(isinstance(d, TimerEventDefinition) for d in definitions)


def _subprocess_path(task) -> list[str]:
    """Element ids of the subprocesses enclosing a task, outermost first."""
    path, workflow = [], task.workflow
    while workflow.parent_task_id is not None:
        parent = workflow.top_workflow.get_task_from_id(workflow.parent_task_id)
        path.insert(0, parent.task_spec.bpmn_id)
        workflow = parent.workflow
    return path


SCOPE_LENGTH = 200  # the column's width


def task_scope(task) -> str | None:
    """For whom a user task is: its ``scope`` property, a Python expression evaluated on the
    task's data once, when the task becomes ready (kept with the task, so later data changes
    cannot move a task to someone else). A multi-instance decision uses it to say which
    instance is whose, e.g. ``money_request["administration"]``."""
    expression = task.task_spec.extensions.get("properties", {}).get("scope")
    if not expression:
        return None
    if "scope" not in task.internal_data:
        value = task.workflow.script_engine.evaluate(task, expression)
        if value is not None and (not isinstance(value, str) or not 0 < len(value) <= SCOPE_LENGTH):
            raise WorkflowTaskException(f"scope {expression!r} gave {value!r}; it must give a text of "
                                        f"1 to {SCOPE_LENGTH} characters or None", task=task)
        task.internal_data["scope"] = value
    return task.internal_data["scope"]


def snapshot(workflow) -> Snapshot:
    snap = Snapshot(completed=workflow.completed)
    live = [t for t in workflow.get_tasks(state=LIVE)]
    for task in live:
        spec = task.task_spec
        if spec.bpmn_id is None:
            continue
        snap.active_elements.append({
            "task_id": str(task.id), "element_id": spec.bpmn_id, "name": spec.bpmn_name,
            "state": TaskState.get_name(task.state), "type": spec.__class__.__name__,
            "subprocess": _subprocess_path(task),
        })
        if task.state == TaskState.WAITING and isinstance(spec, CatchingEvent):
            due = _due_of(task)
            if due is not None:
                snap.timers.append({
                    "id": str(task.id), "element_id": spec.bpmn_id, "name": spec.bpmn_name, "due_at": due,
                    "boundary_of": str(task.parent.id) if isinstance(spec, BoundaryEvent) else None,
                })
        elif task.state == TaskState.STARTED and isinstance(spec, AsyncServiceTask):
            request = task.internal_data.get("service_request", {})
            snap.service_tasks.append({
                "task_id": str(task.id), "element_id": spec.bpmn_id, "operation": request.get("operation"),
                "params": json.loads(json.dumps(request.get("params", {}), default=str)),
                "retries": spec.retries, "backoff": spec.retry_backoff_base,
            })
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        form, ui_form = task_forms(task.task_spec)
        candidates = task_candidates(task)
        snap.user_tasks.append({
            "id": str(task.id), "element_id": task.task_spec.bpmn_id, "name": task.task_spec.bpmn_name,
            "lane": task.task_spec.lane, "scope": task_scope(task), "form": form, "ui_form": ui_form,
            "split_id": str(task.parent.id), "candidate_groups": HumanTask.joined(candidates["candidate_groups"]),
            "candidate_users": HumanTask.joined(candidates["candidate_users"]), "assignee": candidates["assignee"],
            "due_at": deadlines.diagram_due_in(task),
        })
    for user_task in snap.user_tasks:  # the diagram's due date: the earlier of dueIn and a boundary timer
        split_id = user_task.pop("split_id")
        dates = [t["due_at"] for t in snap.timers if t["boundary_of"] == split_id] + [user_task["due_at"]]
        user_task["due_at"] = min((d for d in dates if d is not None), default=None)
    snap.data = instance_data(workflow, live)
    if workflow.completed:
        ends = [t for t in workflow.get_tasks(state=TaskState.COMPLETED, spec_class=EndEvent)
                if t.workflow is workflow]
        if ends:
            snap.end_element = max(ends, key=lambda t: t.last_state_change).task_spec.bpmn_id
    return snap


def instance_data(workflow, live=None) -> dict:
    """The data an instance currently holds: its live tasks' data, newest last."""
    if workflow.completed:
        return dict(workflow.data)
    live = live if live is not None else workflow.get_tasks(state=LIVE)
    merged = {}
    top_level = [t for t in live if not isinstance(t.task_spec, SubWorkflowTask)]
    for task in sorted(top_level, key=lambda t: t.last_state_change):
        merged.update(task.data)
    return merged


OPEN_JOB_STATES = ("pending", "running", "incident")


@dataclass
class Rows:
    """An instance's open inbox tasks, waiting timers and open jobs, as stored."""

    tasks: list = field(default_factory=list)
    timers: list = field(default_factory=list)
    jobs: list = field(default_factory=list)
    opened: list = field(default_factory=list)  # the inbox rows this sync added


PROJECTIONS = frozenset({"tasks", "timers", "jobs"})


def stored_projections(live) -> frozenset[str]:
    """Which projection tables can hold rows of an instance saved with these live tasks.

    Every save syncs them, so there are no timer rows unless a catching event waits, and
    no open job rows unless a service task is started (claims, retries and incidents change
    a job's state, never which jobs are open). A step reads only the others' rows.
    """
    kinds = {"tasks"}
    for task in live:
        if task.state == TaskState.WAITING and isinstance(task.task_spec, CatchingEvent) \
                and _waits_for_time(task.task_spec.event_definition):
            kinds.add("timers")
        elif task.state == TaskState.STARTED and isinstance(task.task_spec, AsyncServiceTask):
            kinds.add("jobs")
    return frozenset(kinds)


# The statements of every step, built once: SQLAlchemy then neither builds nor keys them again.
_OPEN_TASKS = select(HumanTask).where(HumanTask.instance_id == bindparam("instance"), HumanTask.state == "open")
_TIMERS = select(Timer).where(Timer.instance_id == bindparam("instance")).order_by(Timer.due_at)
_OPEN_JOBS = select(Job).where(Job.instance_id == bindparam("instance"), Job.state.in_(OPEN_JOB_STATES))


def open_tasks(session, instance_id: str) -> list[HumanTask]:
    return session.scalars(_OPEN_TASKS, {"instance": instance_id}).all()


def current_rows(session, instance_id: str, kinds: frozenset[str] = PROJECTIONS, tasks=None) -> Rows:
    """The stored rows of ``kinds`` (the others are known to be none). ``tasks``: the
    instance's open inbox rows as read earlier in this transaction, under its lock (only
    ``sync`` adds rows; those a change closed meanwhile no longer count)."""
    if tasks is not None:
        tasks = [task for task in tasks if task.state == "open"]
    elif "tasks" in kinds:
        tasks = open_tasks(session, instance_id)
    return Rows(
        tasks=tasks or [],
        timers=session.scalars(_TIMERS, {"instance": instance_id}).all() if "timers" in kinds else [],
        jobs=session.scalars(_OPEN_JOBS, {"instance": instance_id}).all() if "jobs" in kinds else [],
    )


def sync(session, instance_id: str, process_key: str, snap: Snapshot, now: datetime, policies,
         stored_kinds: frozenset[str] = PROJECTIONS, tasks=None) -> tuple[dict, Rows]:
    """Bring the inbox, timer and job rows of one instance in line with ``snap``; a task that
    opens with no due date from its diagram gets its process owner's default, if any.

    ``stored_kinds``: the tables that may hold rows of the instance (``stored_projections``
    of its state before the step; none for a new instance); ``tasks``: its inbox rows, if
    read already (``current_rows``). Returns what changed, for the audit log (user tasks
    opened and closed, jobs created and cancelled), and the rows as they now stand, so
    callers need not read them again.
    """
    changes = {"tasks_opened": [], "tasks_closed": [], "jobs_created": [], "jobs_cancelled": []}
    stored, now_rows = current_rows(session, instance_id, stored_kinds, tasks), Rows()
    ready = {t["id"]: t for t in snap.user_tasks}
    for row in stored.tasks:
        if row.id in ready:
            ready[row.id].pop("assignee")  # the diagram's assignee is the first holder, not a standing one
            if ready[row.id]["due_at"] is None:  # a default's date was fixed when the task opened
                ready[row.id].pop("due_at")
            for column, value in ready.pop(row.id).items():  # a migrated task's new name, lane and form too
                setattr(row, column, value)
            now_rows.tasks.append(row)
        else:
            row.state, row.ended_at = "cancelled", now
            changes["tasks_closed"].append(row.element_id)
    undated = [t for t in ready.values() if t["due_at"] is None]
    defaults = deadlines.defaults_for(session, process_key) if undated else {}
    for task in undated:
        if task["element_id"] in defaults:
            task["due_at"] = deadlines.after(now, defaults[task["element_id"]])
    for task in ready.values():
        now_rows.opened.append(HumanTask(instance_id=instance_id, state="open", created_at=now, **task))
        now_rows.tasks.append(now_rows.opened[-1])
        session.add(now_rows.opened[-1])
        changes["tasks_opened"].append(task["element_id"])

    waiting = {t["id"]: t for t in snap.timers}
    for row in stored.timers:
        timer = waiting.pop(row.id, None)
        if timer is None:
            session.delete(row)
        else:
            row.element_id, row.name, row.due_at = timer["element_id"], timer["name"], timer["due_at"]
            now_rows.timers.append(row)
    for timer in waiting.values():
        now_rows.timers.append(Timer(id=timer["id"], instance_id=instance_id, element_id=timer["element_id"],
                                     name=timer["name"], due_at=timer["due_at"]))
        session.add(now_rows.timers[-1])
    now_rows.timers.sort(key=lambda t: t.due_at)

    started = {t["task_id"]: t for t in snap.service_tasks}
    for job in stored.jobs:
        if started.pop(job.task_id, None) is None:
            job.state, job.updated_at = "cancelled", now
            changes["jobs_cancelled"].append(job.id)
        else:
            now_rows.jobs.append(job)
    for task in started.values():
        if session.scalar(select(Job.id).where(Job.task_id == task["task_id"])) is not None:
            continue
        policy = policies.retry_policy(task["operation"], task["retries"], task["backoff"])
        job = Job(id=str(uuid.uuid4()), instance_id=instance_id, task_id=task["task_id"],
                  element_id=task["element_id"], operation=task["operation"], input=task["params"],
                  state="pending", attempts=0, max_attempts=policy.attempts,
                  backoff_seconds=policy.backoff_seconds, run_after=now, error_history=[],
                  created_at=now, updated_at=now)
        session.add(job)
        now_rows.jobs.append(job)
        changes["jobs_created"].append(job.id)
    return changes, now_rows


def backoff(job: Job, now: datetime) -> datetime:
    """Exponential backoff from the job's base delay."""
    return now + timedelta(seconds=job.backoff_seconds * (2 ** max(job.attempts - 1, 0)))
