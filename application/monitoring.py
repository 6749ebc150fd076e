"""Read models for watching instances and models: per-element counts and times, what an
instance has done, who answered what, the deployed versions. Each is one or two indexed queries,
so a page stays fast with tens of thousands of instances."""
from __future__ import annotations

import functools

from lxml import etree
from sqlalchemy import func, select

from engine import (
    OPEN_JOBS,
    AuditEntry,
    HumanTask,
    InstanceStatus,
    Job,
    JobState,
    NotFound,
    ProcessDefinition,
    ProcessInstance,
    TaskStatus,
    Timer,
)
from innovation.adapters.records import from_dict
from innovation.adapters.tables import Initiative


def element_states(session, instance_id: str, status: str) -> dict[str, list[str]]:
    """Which elements of one instance are done, active, waiting (timers) or failed.

    Read from the projections (inbox, jobs, timers) and the audit log rather than the
    workflow, whose finished history is compacted away.
    """
    active = set(session.scalars(select(HumanTask.element_id).where(HumanTask.instance_id == instance_id,
                                                                    HumanTask.state == TaskStatus.OPEN)))
    jobs = session.execute(select(Job.element_id, Job.state).where(Job.instance_id == instance_id)).all()
    active |= {element for element, state in jobs if state in OPEN_JOBS}
    failed = {element for element, state in jobs if state == JobState.INCIDENT}
    if status == InstanceStatus.ERROR:
        failed |= {e for e in session.scalars(
            select(AuditEntry.element_id).where(AuditEntry.instance_id == instance_id,
                                                AuditEntry.action.like("%_failed"))) if e}
    waiting = set(session.scalars(select(Timer.element_id).where(Timer.instance_id == instance_id)))
    done = set(session.scalars(select(HumanTask.element_id).where(HumanTask.instance_id == instance_id,
                                                                  HumanTask.state == TaskStatus.COMPLETED)))
    done |= {element for element, state in jobs if state == JobState.COMPLETED}
    return {"completed": sorted(done - active - failed - waiting), "active": sorted(active - failed),
            "waiting": sorted(waiting), "failed": sorted(failed)}


def element_counts(session, definition_ids: list[int]) -> dict[str, dict[str, int]]:
    """Per element of the given versions: instances waiting there (people, timers, jobs) and failed."""
    of_versions = ProcessInstance.definition_id.in_(definition_ids)
    counts: dict[str, dict[str, int]] = {}

    def add(kind: str, rows) -> None:
        for element, number in rows:
            counts.setdefault(element, {"waiting": 0, "failed": 0})[kind] += number

    add("waiting", session.execute(
        select(HumanTask.element_id, func.count()).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(of_versions, HumanTask.state == TaskStatus.OPEN).group_by(HumanTask.element_id)))
    add("waiting", session.execute(
        select(Timer.element_id, func.count()).join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
        .where(of_versions, ProcessInstance.status == InstanceStatus.RUNNING).group_by(Timer.element_id)))
    add("waiting", session.execute(
        select(Job.element_id, func.count()).join(ProcessInstance, ProcessInstance.id == Job.instance_id)
        .where(of_versions, Job.state.in_(OPEN_JOBS)).group_by(Job.element_id)))
    add("failed", session.execute(
        select(Job.element_id, func.count()).join(ProcessInstance, ProcessInstance.id == Job.instance_id)
        .where(of_versions, Job.state == JobState.INCIDENT).group_by(Job.element_id)))
    return counts


def instance_definition(session, instance_id: str) -> tuple[ProcessInstance, ProcessDefinition]:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(f"instance {instance_id} does not exist", reason_code="instance_not_found",
                       params={"instance": instance_id})
    return instance, session.get(ProcessDefinition, instance.definition_id)


def task_durations(session, definition_ids: list[int]) -> dict[str, dict]:
    """Per user task of the given versions: how many were completed and their mean time open (days)."""
    if session.bind.dialect.name == "postgresql":
        seconds = func.extract("epoch", HumanTask.ended_at - HumanTask.created_at)
    else:
        seconds = (func.julianday(HumanTask.ended_at) - func.julianday(HumanTask.created_at)) * 86400
    rows = session.execute(
        select(HumanTask.element_id, func.count(), func.avg(seconds))
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(ProcessInstance.definition_id.in_(definition_ids), HumanTask.state == TaskStatus.COMPLETED)
        .group_by(HumanTask.element_id))
    return {element: {"completed": count, "mean_days": float(mean or 0) / 86400} for element, count, mean in rows}


def element_names(xml: str) -> dict[str, str]:
    """Every named element of a diagram by id, for tables beside the drawing."""
    root = etree.fromstring(xml.encode(), etree.XMLParser(resolve_entities=False, no_network=True))
    return {node.get("id"): node.get("name") for node in root.iter()
            if isinstance(node.tag, str) and node.get("id") and node.get("name")}


def definitions_of(session, process_key: str) -> list[ProcessDefinition]:
    return list(session.scalars(select(ProcessDefinition).where(ProcessDefinition.process_key == process_key)
                                .order_by(ProcessDefinition.version)))


def process_keys(session) -> list[str]:
    return list(session.scalars(select(ProcessDefinition.process_key).distinct().order_by(
        ProcessDefinition.process_key)))


@functools.lru_cache(maxsize=64)
def _element_names(sha256: str, xml: str) -> dict[str, str]:
    """``element_names`` of one deployed version, by its hash (a version never changes)."""
    return element_names(xml)


def names(definition: ProcessDefinition) -> dict[str, str]:
    """Element id -> name in one deployed version's diagram (what pages show for an element)."""
    return _element_names(definition.sha256, definition.bpmn_xml)


def named_states(states: dict[str, list[str]], definition: ProcessDefinition) -> dict[str, list[str]]:
    """``element_states`` with each element by its name (an unnamed one by its id)."""
    known = names(definition)
    return {state: sorted(known.get(e, e) for e in elements) for state, elements in states.items()}


def instance_context(session, instance_id: str) -> dict:
    """What a caseworker sees beside a form: the initiative and where it stands (``where``:
    the active and waiting elements by their names in the diagram)."""
    instance, definition = instance_definition(session, instance_id)
    row = session.get(Initiative, instance_id)
    states = element_states(session, instance_id, instance.status)
    shown = named_states(states, definition)
    return {"record": from_dict(row.record) if row else None, "states": states,
            "where": shown["active"] + shown["waiting"]}
