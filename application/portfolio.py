"""The portfolio of initiatives: read models that join the engine's tables with the
innovation records (the engine knows nothing of phases or administrations), the inbox,
the public database, the statistics, and the use cases on whole initiatives."""
from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, select, text, union_all
from sqlalchemy.orm import defer

from application import accounts
from engine import HumanTask, NotFound, ProcessDefinition, ProcessInstance, TaskStatus, instance_summary, task_view
from innovation.adapters.records import from_dict
from innovation.adapters.tables import Initiative, LedgerEntry
from innovation.domain.initiative import public_view
from innovation.model import ABORT_MESSAGE, LANE_ROLES, SCOPED_ROLES, STAND_INS, Role


def summary_with_initiative(row, definition, initiative) -> dict:
    summary = instance_summary(row, definition)
    summary.update(title=initiative.title if initiative else None, phase=initiative.phase if initiative else None,
                   administration=initiative.administration if initiative else None,
                   initiative_status=initiative.status if initiative else None)
    return summary


def with_initiative(session, detail: dict) -> dict:
    """An engine instance view plus its initiative's title, phase, administration and status."""
    initiative = session.get(Initiative, detail["id"])
    return {**detail, "title": initiative and initiative.title, "phase": initiative and initiative.phase,
            "administration": initiative and initiative.administration,
            "initiative_status": initiative and initiative.status}


def _page(session, ids_query, page: int, page_size: int) -> tuple[int, list[str]]:
    """Total and one page of ids: sorting narrow id rows stays fast deep into large tables."""
    total = session.scalar(select(func.count()).select_from(ids_query.subquery()))
    return total, session.scalars(ids_query.limit(page_size).offset((page - 1) * page_size)).all()


def instance_page(session, *, process_key=None, status=None, phase=None, administration=None, started_from=None,
                  started_to=None, q=None, page=1, page_size=25, within=None) -> dict:
    """Instances, newest first: the page's ids first, then only those rows, without their state.

    ``within``, when given, keeps only initiatives of those administrations (a coordinator's scope).
    """
    query = (select(ProcessInstance.id)
             .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
             .outerjoin(Initiative, Initiative.instance_id == ProcessInstance.id))
    conditions = (  # (filter value, condition built only when the filter is given)
        (process_key, lambda: ProcessDefinition.process_key == process_key),
        (status, lambda: ProcessInstance.status == status),
        (phase, lambda: Initiative.phase == phase),
        (administration, lambda: Initiative.administration == administration),
        (started_from, lambda: ProcessInstance.started_at >= started_from),
        (started_to, lambda: ProcessInstance.started_at < started_to),
        (q, lambda: Initiative.title.ilike(f"%{q}%")),
        (within is not None, lambda: Initiative.administration.in_(sorted(within or ()))),
    )
    for wanted, condition in conditions:
        if wanted:
            query = query.where(condition())
    total, ids = _page(session, query.order_by(ProcessInstance.started_at.desc(), ProcessInstance.id),
                       page, page_size)
    rows = session.execute(
        select(ProcessInstance, ProcessDefinition, Initiative)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .outerjoin(Initiative, Initiative.instance_id == ProcessInstance.id)
        .where(ProcessInstance.id.in_(ids))
        .options(defer(ProcessInstance.state_json), defer(ProcessDefinition.bpmn_xml),
                 defer(ProcessDefinition.forms), defer(Initiative.record)))
    by_id = {row[0].id: summary_with_initiative(*row) for row in rows}
    return {"items": [by_id[i] for i in ids], "page": page, "page_size": page_size, "total": total}


def abort_initiative(engine, session, principal, instance_id: str, reason: str,
                     expected_version: int | None = None) -> dict:
    """Abort an initiative with a reason: the model's abort message, then the instance with its initiative."""
    view = engine.correlate_message(ABORT_MESSAGE, {"reason": reason}, actor=principal.username,
                                    instance_id=instance_id, expected_version=expected_version)
    return with_initiative(session, view)


def administration_of(session, instance_id: str) -> str | None:
    """The administration of an instance's initiative (None for an instance that is no initiative)."""
    found = session.execute(select(ProcessInstance.id, Initiative.administration)
                            .outerjoin(Initiative, Initiative.instance_id == ProcessInstance.id)
                            .where(ProcessInstance.id == instance_id)).first()
    if found is None:
        raise NotFound(f"instance {instance_id} does not exist")
    return found[1]


#: Who works an instance's idea owner tasks: the initiative's owner, else who started it
#: (an instance that is no initiative).
owner_column = func.coalesce(Initiative.owner, ProcessInstance.started_by)


def task_context(session, task_id: str):
    """The task with what the role rules need: its initiative's owner, administration and title."""
    return session.execute(
        select(HumanTask, owner_column, Initiative.administration, Initiative.title)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .outerjoin(Initiative, Initiative.instance_id == HumanTask.instance_id)
        .where(HumanTask.id == task_id)).first()


def inbox(session, principal, *, scope="inbox", lane=None, instance_id=None, due_before=None, limit=50,
          now: datetime) -> list[dict]:
    """Open tasks sorted by due date: mine, and unclaimed ones in my roles' lanes.

    Each source (my claimed tasks, each lane's unclaimed tasks) is its own small ordered,
    limited query that an index answers directly; their union is cut to ``limit`` at the
    end. One OR over all of them would make the database sort every open task.
    """
    order = (HumanTask.due_at.asc().nulls_last(), HumanTask.created_at, HumanTask.id)
    filters = [HumanTask.state == TaskStatus.OPEN]
    wanted = ((lane, lambda: HumanTask.lane == lane), (instance_id, lambda: HumanTask.instance_id == instance_id),
              (due_before, lambda: HumanTask.due_at < due_before))
    filters += [condition() for value, condition in wanted if value is not None and value != ""]

    def source(*conditions, administrations=None, owner=None):
        query = select(HumanTask.id, HumanTask.due_at, HumanTask.created_at).where(*filters, *conditions)
        if administrations is not None:
            query = query.join(Initiative, Initiative.instance_id == HumanTask.instance_id).where(
                Initiative.administration.in_(administrations))
        if owner is not None:
            query = (query.join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
                     .outerjoin(Initiative, Initiative.instance_id == HumanTask.instance_id)
                     .where(owner_column == owner))
        return select(query.order_by(*order).limit(limit).subquery().c.id)

    sources = []
    admin = principal.has(Role.ADMIN)
    if scope == "all" and admin:
        sources.append(source())
    if scope in ("mine", "inbox") or (scope == "all" and not admin):
        sources.append(source(HumanTask.assignee == principal.username))
    if scope in ("available", "inbox") or (scope == "all" and not admin):
        for lane_name, administrations, owner in _lanes_open_to(session, principal):
            sources.append(source(HumanTask.assignee.is_(None), HumanTask.lane == lane_name,
                                  administrations=administrations, owner=owner))
    if not sources:
        return []
    chosen = union_all(*sources).subquery()
    query = (select(HumanTask, Initiative.title, Initiative.administration)
             .join(chosen, chosen.c.id == HumanTask.id)
             .outerjoin(Initiative, Initiative.instance_id == HumanTask.instance_id)
             .order_by(*order).limit(limit))
    return [{**task_view(task), "title": title, "administration": administration,
             "overdue": bool(task.due_at and task.due_at < now)}
            for task, title, administration in session.execute(query)]


def _lanes_open_to(session, principal) -> list[tuple[str, list[str] | None, str | None]]:
    """(lane, administrations or None for all, owner or None) whose unclaimed tasks the caller may take.

    The same rules as ``access``: scoped roles for their administrations only, a manager's
    lane also for decision makers of administrations without a manager, the idea owner's
    lane only on the caller's own initiatives.
    """
    lanes = []
    for lane_name, role in LANE_ROLES.items():
        if role == Role.IDEA_OWNER:
            if principal.has(role):
                lanes.append((lane_name, None, principal.username))
        elif role in SCOPED_ROLES:
            held = set(principal.administrations_for(role))
            stand_in = STAND_INS.get(role)
            if stand_in and principal.has(stand_in):
                held |= principal.administrations_for(stand_in) - accounts.administrations_with(session, role)
            if held:
                lanes.append((lane_name, sorted(held), None))
        elif principal.has(role):
            lanes.append((lane_name, None, None))
    return lanes


def public_initiatives(session, *, phase=None, kind=None, administration=None, status=None,
                       instance_id=None) -> list[dict]:
    query = select(Initiative).order_by(Initiative.started_at.desc())
    for column, value in ((Initiative.phase, phase), (Initiative.kind, kind),
                          (Initiative.administration, administration), (Initiative.status, status),
                          (Initiative.instance_id, instance_id)):
        if value:
            query = query.where(column == value)
    return [{"id": row.instance_id, **public_view(from_dict(row.record))} for row in session.scalars(query)]


def public_page(session, *, page: int, page_size: int, phase=None, kind=None, administration=None,
                status=None) -> dict:
    """One page of ``public_initiatives``: same filters, order and fields."""
    query = select(Initiative.instance_id)
    for column, value in ((Initiative.phase, phase), (Initiative.kind, kind),
                          (Initiative.administration, administration), (Initiative.status, status)):
        if value:
            query = query.where(column == value)
    total, ids = _page(session, query.order_by(Initiative.started_at.desc(), Initiative.instance_id), page, page_size)
    rows = {row.instance_id: row for row in session.scalars(select(Initiative).where(Initiative.instance_id.in_(ids)))}
    return {"items": [{"id": i, **public_view(from_dict(rows[i].record))} for i in ids],
            "total": total, "page": page, "page_size": page_size}


# Days spent in each closed phase visit, read out of the records' JSON by the database itself.
_VISITS = {
    "sqlite": "SELECT json_extract(v.value, '$.phase'), julianday(json_extract(v.value, '$.left_at')) "
              "- julianday(json_extract(v.value, '$.entered_at')) FROM initiatives, "
              "json_each(initiatives.record, '$.phase_dates') v WHERE json_extract(v.value, '$.left_at') IS NOT NULL",
    "postgresql": "SELECT v->>'phase', EXTRACT(EPOCH FROM (v->>'left_at')::timestamptz "
                  "- (v->>'entered_at')::timestamptz) / 86400 FROM initiatives, "
                  "json_array_elements(initiatives.record->'phase_dates') v WHERE v->>'left_at' IS NOT NULL",
}


def phase_days(session) -> dict[str, float]:
    """Median days an initiative spends in each phase (closed visits only)."""
    durations = defaultdict(list)
    for phase, days in session.execute(text(_VISITS[session.bind.dialect.name])):
        durations[phase].append(float(days))
    return {phase: round(statistics.median(days), 1) for phase, days in durations.items()}


def _count(session, column) -> dict:
    return dict(session.execute(select(column, func.count()).group_by(column)).all())


def stats(session) -> dict:
    """Initiatives per phase, status and administration; funds granted and spent; days per phase.

    The database does the counting, so this stays fast with thousands of initiatives.
    """
    funds: dict = defaultdict(lambda: {"granted": 0.0, "spent": 0.0})
    for administration, kind, total in session.execute(
            select(LedgerEntry.administration, LedgerEntry.kind, func.sum(LedgerEntry.amount))
            .group_by(LedgerEntry.administration, LedgerEntry.kind)):
        if kind in ("reserve", "spend"):
            funds[administration]["granted" if kind == "reserve" else "spent"] += float(total)
    by_phase = {phase or "ended": n for phase, n in _count(session, Initiative.phase).items()}
    return {"by_phase": by_phase, "by_status": _count(session, Initiative.status),
            "by_administration": _count(session, Initiative.administration), "funds": dict(funds),
            "median_days_in_phase": phase_days(session)}
