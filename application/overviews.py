"""Each role's own work beyond the inbox: the idea owner's initiatives, the decision makers'
administration (what awaits them, the budget per year), the coordinators' pipeline.

Every view says, for each open step, who holds it (a person, or the roles and the
administration it waits for: the task's candidates as ``access`` reads them) and when it is
due, overdue marked. Who sees what follows the same rules as the rest: an idea owner only
their own initiatives, a decision maker or manager only their administrations, a coordinator
only the administrations they coordinate (admins every one).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func, select

from application import access
from application.access import DECIDERS, OWNERS, PIPELINE_READERS
from application.portfolio import decision_log
from engine import HumanTask, TaskStatus
from innovation.adapters import ledger_store
from innovation.adapters.operations import budget_position
from innovation.adapters.publications import PUBLISHED
from innovation.adapters.records import from_dict
from innovation.adapters.tables import Budget, Initiative, LedgerEntry, Publication
from innovation.domain.vocabulary import ENDED, Phase, Status
from innovation.model import Role


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _step(task: HumanTask, administration: str | None, now: datetime) -> dict:
    """An open task as a next step: what, who holds it or whom it waits for, when it is due."""
    groups, users, _ = access.candidates(task)
    return {"task_id": task.id, "element_id": task.element_id, "name": task.name, "assignee": task.assignee,
            "roles": groups, "users": users, "administration": task.scope or administration,
            "due_at": _iso(task.due_at), "overdue": bool(task.due_at and task.due_at < now)}


def _open_steps(session, instance_ids, now: datetime) -> dict[str, list[dict]]:
    """instance id -> its open tasks as next steps, soonest due first."""
    steps = defaultdict(list)
    if not instance_ids:
        return steps
    rows = session.execute(
        select(HumanTask, Initiative.administration)
        .join(Initiative, Initiative.instance_id == HumanTask.instance_id)
        .where(HumanTask.state == TaskStatus.OPEN, HumanTask.instance_id.in_(list(instance_ids)))
        .order_by(HumanTask.due_at.asc().nulls_last(), HumanTask.created_at, HumanTask.id))
    for task, administration in rows:
        steps[task.instance_id].append(_step(task, administration, now))
    return steps


def _summary(row: Initiative, steps: list[dict]) -> dict:
    return {"id": row.instance_id, "title": row.title, "kind": row.kind, "administration": row.administration,
            "phase": row.phase, "status": row.status, "started_at": _iso(row.started_at),
            "updated_at": _iso(row.updated_at), "next_steps": steps,
            "overdue": any(step["overdue"] for step in steps)}


def my_initiatives(session, principal, now: datetime) -> list[dict]:
    """Mina initiativ: the initiatives whose idea owner the caller is, newest first, each with
    its next steps and its decision log."""
    access.demand(principal, OWNERS, "my initiatives")
    rows = session.execute(select(Initiative, Publication.state)
                           .outerjoin(Publication, Publication.id == Initiative.instance_id)
                           .where(Initiative.owner == principal.username)
                           .order_by(Initiative.started_at.desc(), Initiative.instance_id)).all()
    steps = _open_steps(session, [row.instance_id for row, _ in rows], now)
    return [{**_summary(row, steps.get(row.instance_id, [])), "decisions": decision_log(from_dict(row.record)),
             "published": state == PUBLISHED} for row, state in rows]


def deciding_administrations(principal) -> list[str]:
    """The administrations the caller decides for (as decision maker or manager)."""
    return sorted(set().union(*(principal.administrations_for(role) for role in DECIDERS)))


def _budget_years(session, administration: str, this_year: int) -> list[int]:
    """This year and every year the administration has a budget or bookings in."""
    years = set(session.scalars(select(Budget.year).where(Budget.administration == administration)))
    years |= set(session.scalars(select(LedgerEntry.year).where(LedgerEntry.administration == administration)))
    return sorted(years | {this_year})


def administration_overview(session, principal, now: datetime, administration: str | None = None) -> list[dict]:
    """For each administration the caller decides for (or the one asked for): the open tasks
    that wait for its decision makers or manager, and its innovation budget per year."""
    access.demand(principal, DECIDERS, "the administration's overview")
    held = deciding_administrations(principal)
    if administration is not None and administration not in held:
        raise access.AccessDenied(f"the overview of {administration} is for its decision makers and managers; "
                                  f"you decide for {', '.join(held) or 'no administration'}")
    chosen = [administration] if administration else held
    belongs = func.coalesce(HumanTask.scope, Initiative.administration)
    rows = session.execute(
        select(HumanTask, Initiative).join(Initiative, Initiative.instance_id == HumanTask.instance_id)
        .where(HumanTask.state == TaskStatus.OPEN, belongs.in_(chosen))
        .order_by(HumanTask.due_at.asc().nulls_last(), HumanTask.created_at, HumanTask.id))
    awaiting = defaultdict(list)
    for task, initiative in rows:
        step = _step(task, initiative.administration, now)
        if set(step["roles"]) & set(DECIDERS):
            awaiting[step["administration"]].append({**_summary(initiative, []), "step": step})
    return [{"administration": code, "awaiting": awaiting.get(code, []),
             "budget": [{"administration": code, "year": year,
                         **budget_position(ledger_store.read_account(session, code, year))}
                        for year in _budget_years(session, code, now.year)]}
            for code in chosen]


def pipeline(session, principal, now: datetime, stuck_days: int) -> dict:
    """The running initiatives of the caller's administrations (admins: all) by phase, each
    marked stuck (active, and unchanged for ``stuck_days`` days) and overdue (an open task
    past its due date)."""
    access.demand(principal, PIPELINE_READERS, "the pipeline")
    scope = None if principal.has(Role.ADMIN) else principal.administrations_for(Role.COORDINATOR)
    query = select(Initiative).where(Initiative.status.not_in([s.value for s in ENDED]))
    if scope is not None:
        query = query.where(Initiative.administration.in_(sorted(scope)))
    rows = session.scalars(query.order_by(Initiative.updated_at, Initiative.instance_id)).all()
    steps = _open_steps(session, [row.instance_id for row in rows], now)
    stuck_before = now - timedelta(days=stuck_days)
    by_phase = defaultdict(list)
    for row in rows:
        item = _summary(row, steps.get(row.instance_id, []))
        item["idle_days"] = (now - row.updated_at).days
        item["stuck"] = row.status == Status.ACTIVE and row.updated_at < stuck_before
        by_phase[row.phase].append(item)
    order = [phase.value for phase in Phase]
    order += sorted((p for p in by_phase if p not in order), key=str)  # None: between phases
    phases = [{"phase": phase, "initiatives": by_phase.get(phase, [])} for phase in order]
    everything = [item for phase in phases for item in phase["initiatives"]]
    return {"administrations": sorted(scope) if scope is not None else None, "stuck_days": stuck_days,
            "phases": phases, "stuck": sum(item["stuck"] for item in everything),
            "overdue": sum(item["overdue"] for item in everything)}
