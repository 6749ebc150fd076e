"""When a user task is due.

The diagram says it, versioned with the process: a ``dueIn`` property on the task (an ISO 8601
duration from the moment the task opens, e.g. P14D) or a timer on the task's boundary; with
both, the earlier counts. Where the diagram says nothing, the process owner's default for
that task applies (``task_due_defaults``: process key + element id -> duration), so a due
date can be given without a new deployment. Either way the date is fixed when the task
becomes ready: a later change of a default or of the clock does not move open work.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from sqlalchemy import select

from engine import clock
from engine.assignment import BPMN, SPIFF
from engine.errors import InvalidData, NotFound, Problem
from engine.tables import AuditEntry, ProcessDefinition, TaskDueDefault

DUE_IN = "dueIn"  # the user task property
_KEPT = "due_in_at"  # where a ready task keeps the date its dueIn gave
MAX_SPAN = timedelta(days=100 * 365)  # a longer duration is a typo, and far enough would overflow a date
_NS = {"bpmn": BPMN, "spiffworkflow": SPIFF}


def duration_problem(text) -> str | None:
    """Why ``text`` is not an ISO 8601 duration a due date can be counted with, or None."""
    if isinstance(text, str) and len(text) > TaskDueDefault.duration.type.length:
        return "is too long for a duration"
    problem = clock.timer_value_problem("timeDuration", text)
    if problem is None and _upper_days(text) > MAX_SPAN.days:
        problem = f"gave {text.strip()!r}, which is longer than {MAX_SPAN.days // 365} years"
    return problem


def _upper_days(text: str) -> float:
    """At least as many days as the duration spans, read off its parts without a calendar (the
    library counts months one by one, so P999999999M must be refused before it is counted)."""
    parts = TimerEventDefinition.parse_iso_duration(text.strip())
    return (parts.get("years", 0) * 366 + parts.get("months", 0) * 31 + parts.get("weeks", 0) * 7
            + parts.get("days", 0) + parts.get("hours", 0) / 24 + parts.get("minutes", 0) / 1440
            + parts.get("seconds", 0) / 86400)


def after(start: datetime, duration: str) -> datetime:
    """``start`` plus an ISO 8601 duration (months counted by the calendar)."""
    parsed = TimerEventDefinition.parse_iso_duration(duration.strip())
    return start + TimerEventDefinition.get_timedelta_from_start(parsed, start)


def diagram_due_in(task) -> datetime | None:
    """The date a ready task's ``dueIn`` gives, counted from when it became ready (kept with the task)."""
    text = task.task_spec.extensions.get("properties", {}).get(DUE_IN)
    if not text:
        return None
    if _KEPT not in task.internal_data:
        task.internal_data[_KEPT] = after(clock.now(), text).isoformat()
    return datetime.fromisoformat(task.internal_data[_KEPT])


def problems(root) -> list[tuple[object, str]]:
    """(node, message) for every ``dueIn`` of a diagram that is not an ISO 8601 duration."""
    found = []
    for node in root.iterfind(f".//spiffworkflow:property[@name='{DUE_IN}']", _NS):
        problem = duration_problem(node.get("value") or "")
        if problem:
            found.append((node, f"{DUE_IN} {problem}"))
    return found


def user_tasks(bpmn_xml: str) -> list[dict]:
    """The user tasks of a diagram with what it says of their due date: ``due_in`` (the
    property) and ``timer`` (a timer on the task's boundary)."""
    root = etree.fromstring(bpmn_xml.encode(), etree.XMLParser(resolve_entities=False, no_network=True))
    timed = {event.get("attachedToRef") for event in root.iterfind(".//bpmn:boundaryEvent", _NS)
             if event.find("bpmn:timerEventDefinition", _NS) is not None}
    tasks = []
    for task in root.iterfind(".//bpmn:userTask", _NS):
        due_in = task.find(f"bpmn:extensionElements//spiffworkflow:property[@name='{DUE_IN}']", _NS)
        tasks.append({"element_id": task.get("id"), "name": task.get("name"),
                      "due_in": due_in.get("value") if due_in is not None else None,
                      "timer": task.get("id") in timed})
    return tasks


def defaults_for(session, process_key: str) -> dict[str, str]:
    """element id -> default duration of one process."""
    return dict(session.execute(select(TaskDueDefault.element_id, TaskDueDefault.duration)
                                .where(TaskDueDefault.process_key == process_key)).all())


def default_views(session, process_key: str | None = None) -> list[dict]:
    query = select(TaskDueDefault).order_by(TaskDueDefault.process_key, TaskDueDefault.element_id)
    if process_key:
        query = query.where(TaskDueDefault.process_key == process_key)
    return [{"process_key": row.process_key, "element_id": row.element_id, "duration": row.duration,
             "set_by": row.set_by, "set_at": row.set_at.isoformat()} for row in session.scalars(query)]


def set_default(session, process_key: str, element_id: str, duration: str | None, *, actor: str) -> dict | None:
    """Set (or with None remove) the default of a user task of the newest deployed version;
    affects tasks that open from now on. 404 for an unknown process, 422 on the field otherwise."""
    definition = session.scalars(select(ProcessDefinition).where(ProcessDefinition.process_key == process_key)
                                 .order_by(ProcessDefinition.version.desc()).limit(1)).first()
    if definition is None:
        raise NotFound(f"process {process_key!r} is not deployed")
    if element_id not in {t["element_id"] for t in user_tasks(definition.bpmn_xml)}:
        reason = f"{process_key} v{definition.version} has no user task {element_id!r}"
        raise InvalidData(reason, [Problem(reason, field="/element_id")])
    if duration is not None:
        problem = duration_problem(duration)
        if problem:
            reason = f"the duration {problem}"
            raise InvalidData(f"the default for {element_id} is invalid", [Problem(reason, field="/duration")])
        duration = duration.strip()
    row = session.get(TaskDueDefault, (process_key, element_id))
    now = clock.now()
    if duration is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        row = TaskDueDefault(process_key=process_key, element_id=element_id, duration=duration, set_by=actor,
                             set_at=now)
        session.add(row)
    else:
        row.duration, row.set_by, row.set_at = duration, actor, now
    session.add(AuditEntry(actor=actor, action="due_default_set", element_id=element_id,
                           details={"process_key": process_key, "duration": duration}, at=now))
    session.flush()
    return None if duration is None else {"process_key": process_key, "element_id": element_id,
                                          "duration": duration, "set_by": actor, "set_at": now.isoformat()}
