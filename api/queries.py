"""Read queries that join the engine's tables with the innovation records.

These belong to the product (the engine knows nothing of phases or administrations), so
they live beside the HTTP layer that serves them.
"""
from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import datetime

from sqlalchemy import func, select, union_all

from engine.queries import instance_summary, task_view
from engine.tables import HumanTask, ProcessDefinition, ProcessInstance
from innovation.adapters.records import from_dict
from innovation.adapters.tables import Initiative, LedgerEntry
from innovation.domain.initiative import public_view
from innovation.roles import LANE_ROLES, lanes_for


def _with_initiative(row, definition, initiative) -> dict:
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


def instance_page(session, *, process_key=None, status=None, phase=None, administration=None, started_from=None,
                  started_to=None, q=None, page=1, page_size=25) -> dict:
    query = (select(ProcessInstance, ProcessDefinition, Initiative)
             .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
             .outerjoin(Initiative, Initiative.instance_id == ProcessInstance.id))
    conditions = [
        process_key and ProcessDefinition.process_key == process_key, status and ProcessInstance.status == status,
        phase and Initiative.phase == phase, administration and Initiative.administration == administration,
        started_from and ProcessInstance.started_at >= started_from,
        started_to and ProcessInstance.started_at < started_to,
        q and Initiative.title.ilike(f"%{q}%"),
    ]
    query = query.where(*[c for c in conditions if c is not None and c is not False and c != ""])
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(ProcessInstance.started_at.desc(), ProcessInstance.id)
                           .limit(page_size).offset((page - 1) * page_size)).all()
    return {"items": [_with_initiative(*r) for r in rows], "page": page, "page_size": page_size, "total": total}


def task_context(session, task_id: str):
    """The task with what the role rules need: its instance's starter and administration."""
    return session.execute(
        select(HumanTask, ProcessInstance.started_by, Initiative.administration, Initiative.title)
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
    filters = [HumanTask.state == "open"]
    filters += [c for c in (lane and HumanTask.lane == lane, instance_id and HumanTask.instance_id == instance_id,
                            due_before is not None and HumanTask.due_at < due_before) if c is not None and c is not False]

    def source(*conditions, administrations=None):
        query = select(HumanTask.id, HumanTask.due_at, HumanTask.created_at).where(*filters, *conditions)
        if administrations is not None:
            query = query.join(Initiative, Initiative.instance_id == HumanTask.instance_id).where(
                Initiative.administration.in_(administrations))
        return select(query.order_by(*order).limit(limit).subquery().c.id)

    sources = []
    if scope == "all" and principal.has("admin"):
        sources.append(source())
    if scope in ("mine", "inbox") or (scope == "all" and not principal.has("admin")):
        sources.append(source(HumanTask.assignee == principal.username))
    if scope in ("available", "inbox") or (scope == "all" and not principal.has("admin")):
        restricted = "decision_maker" in principal.roles and not principal.has("admin")
        for lane_name in lanes_for(principal.roles):
            by_administration = restricted and LANE_ROLES[lane_name] == "decision_maker"
            sources.append(source(HumanTask.assignee.is_(None), HumanTask.lane == lane_name,
                                  administrations=sorted(principal.administrations) if by_administration else None))
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


def public_initiatives(session, *, phase=None, kind=None, administration=None, status=None,
                       instance_id=None) -> list[dict]:
    query = select(Initiative).order_by(Initiative.started_at.desc())
    for column, value in ((Initiative.phase, phase), (Initiative.kind, kind),
                          (Initiative.administration, administration), (Initiative.status, status),
                          (Initiative.instance_id, instance_id)):
        if value:
            query = query.where(column == value)
    return [{"id": row.instance_id, **public_view(from_dict(row.record))} for row in session.scalars(query)]


def stats(session) -> dict:
    rows = session.scalars(select(Initiative)).all()
    funds: dict = defaultdict(lambda: {"granted": 0.0, "spent": 0.0})
    for administration, kind, total in session.execute(
            select(LedgerEntry.administration, LedgerEntry.kind, func.sum(LedgerEntry.amount))
            .group_by(LedgerEntry.administration, LedgerEntry.kind)):
        if kind == "reserve":
            funds[administration]["granted"] += float(total)
        elif kind == "spend":
            funds[administration]["spent"] += float(total)
    durations = defaultdict(list)
    for row in rows:
        for visit in row.record["phase_dates"]:
            if visit["left_at"]:
                spent = datetime.fromisoformat(visit["left_at"]) - datetime.fromisoformat(visit["entered_at"])
                durations[visit["phase"]].append(spent.total_seconds() / 86400)
    return {
        "by_phase": dict(Counter(row.phase or "ended" for row in rows)),
        "by_status": dict(Counter(row.status for row in rows)),
        "by_administration": dict(Counter(row.administration for row in rows)),
        "funds": dict(funds),
        "median_days_in_phase": {phase: round(statistics.median(days), 1) for phase, days in durations.items()},
    }
