"""The portfolio of initiatives: read models that join the engine's tables with the
innovation records (the engine knows nothing of phases or administrations), the inbox,
the statistics, and the use cases on whole initiatives (the public database is
``application.publication``)."""
from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime

from sqlalchemy import bindparam, func, or_, select, text, union_all
from sqlalchemy.orm import defer

from application import accounts
from engine import (
    Conflict,
    HumanTask,
    InvalidData,
    NotFound,
    Problem,
    ProcessDefinition,
    ProcessInstance,
    TaskStatus,
    instance_summary,
    task_view,
)
from innovation.adapters.records import assessment_to_dict, decision_to_dict, from_dict
from innovation.adapters.tables import Initiative, LedgerEntry
from innovation.domain.errors import InitiativeError
from innovation.domain.initiative import check_assessable
from innovation.domain.vocabulary import AbortCategory, parse
from innovation.model import (
    ABORT_MESSAGE,
    ALSO_ACTING,
    ASSESSMENT_FORM,
    ASSESSMENT_UI_FORM,
    HOLD_POINTS,
    LANE_ROLES,
    REASSESSED,
    SCOPED_ROLES,
    STAND_INS,
    Role,
)


def summary_with_initiative(row, definition, initiative) -> dict:
    summary = instance_summary(row, definition)
    summary.update(title=initiative.title if initiative else None, phase=initiative.phase if initiative else None,
                   administration=initiative.administration if initiative else None,
                   initiative_status=initiative.status if initiative else None)
    return summary


def with_initiative(session, detail: dict) -> dict:
    """An engine instance view plus its initiative's title, phase, administration and status,
    the assessment that counts with every earlier one, and the decision log."""
    initiative = session.get(Initiative, detail["id"])
    record = from_dict(initiative.record) if initiative else None
    return {**detail, "title": initiative and initiative.title, "phase": initiative and initiative.phase,
            "administration": initiative and initiative.administration,
            "initiative_status": initiative and initiative.status,
            "assessment": assessment_to_dict(record.assessment) if record and record.assessment else None,
            "assessments": [assessment_to_dict(a) for a in record.assessments] if record else [],
            "decisions": decision_log(record) if record else []}


def decision_log(record) -> list[dict]:
    """The record's decisions, each with the administration it was taken for (the initiative's
    own unless it was one administration's share)."""
    return [{**decision_to_dict(d), "administration": d.administration or record.administration}
            for d in record.gate_decisions]


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


def abort_initiative(engine, principal, instance_id: str, category: str, reason: str,
                     expected_version: int | None = None) -> dict:
    """Abort an initiative with one of the city's categories of reason and a free text: the
    model's abort message (the decision log records it), then the instance with its initiative."""
    try:
        category = parse(AbortCategory, category).value
    except InitiativeError as error:
        raise InvalidData(str(error), [Problem(str(error), field="/category")]) from None
    view = engine.correlate_message(ABORT_MESSAGE, {"category": category, "reason": reason},
                                    actor=principal.username, instance_id=instance_id,
                                    expected_version=expected_version)
    with engine.reading() as session:
        return with_initiative(session, view)


def initiative_record(session, instance_id: str):
    """The initiative record of an instance, or None (an instance of another process)."""
    row = session.get(Initiative, instance_id)
    return from_dict(row.record) if row else None


def assessment_form(session, instance_id: str) -> tuple[dict, dict | None]:
    """The criteria form (schema, UI schema) of the instance's own diagram version, refused once
    beslut pengar is taken."""
    instance = session.get(ProcessInstance, instance_id)
    record = initiative_record(session, instance_id)
    if instance is None or record is None:
        raise NotFound(f"initiative {instance_id} does not exist", reason_code="initiative_not_found",
                       params={"instance": instance_id})
    try:
        check_assessable(record)
    except InitiativeError as error:
        raise Conflict(f"initiative {instance_id}: {error}") from None
    forms = session.get(ProcessDefinition, instance.definition_id).forms
    if ASSESSMENT_FORM not in forms:
        raise Conflict(f"the diagram of initiative {instance_id} has no criteria form ({ASSESSMENT_FORM})")
    return forms[ASSESSMENT_FORM], forms.get(ASSESSMENT_UI_FORM)


def reassess(engine, principal, instance_id: str, data: dict, expected_version: int | None = None) -> dict:
    """Assess the criteria again before beslut pengar, as a new entry in the assessment history
    (the latest counts); checked against the diagram's criteria form, like the task."""
    with engine.reading() as session:
        schema, _ = assessment_form(session, instance_id)
    view = engine.annotate(instance_id, REASSESSED, data, actor=principal.username, schema=schema,
                           expected_version=expected_version)
    with engine.reading() as session:
        return with_initiative(session, view)


def administration_of(session, instance_id: str) -> str | None:
    """The administration of an instance's initiative (None for an instance that is no initiative)."""
    found = session.execute(select(ProcessInstance.id, Initiative.administration)
                            .outerjoin(Initiative, Initiative.instance_id == ProcessInstance.id)
                            .where(ProcessInstance.id == instance_id)).first()
    if found is None:
        raise NotFound(f"instance {instance_id} does not exist", reason_code="instance_not_found",
                       params={"instance": instance_id})
    return found[1]


#: Who works an instance's idea owner tasks: the initiative's owner, else who started it
#: (an instance that is no initiative).
owner_column = func.coalesce(Initiative.owner, ProcessInstance.started_by)


# Built once (statements of every request): SQLAlchemy then neither builds nor keys them again.
_TASK_CONTEXT = (select(HumanTask, owner_column, Initiative.administration, Initiative.title)
                 .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
                 .outerjoin(Initiative, Initiative.instance_id == HumanTask.instance_id)
                 .where(HumanTask.id == bindparam("task_id")))


def task_context(session, task_id: str):
    """The task with what the role rules need: its initiative's owner, administration and title."""
    return session.execute(_TASK_CONTEXT, {"task_id": task_id}).first()


def inbox(session, principal, *, scope="inbox", lane=None, instance_id=None, due_before=None, limit=50,
          now: datetime) -> list[dict]:
    """Open tasks sorted by due date: mine, and unclaimed ones I am a candidate for (my name or
    one of my roles in the task's candidates; for a task whose diagram names none, my roles' lanes).

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
        if administrations is not None or owner is not None:
            query = query.outerjoin(Initiative, Initiative.instance_id == HumanTask.instance_id)
        if administrations is not None:  # the task's own scope (one administration's share), else the initiative's
            belongs = func.coalesce(HumanTask.scope, Initiative.administration)
            query = query.where(or_(belongs.in_(administrations), belongs.is_(None)))  # None: a process of no
            # administration, which any holder of the role may take
        if owner is not None:
            query = query.join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id).where(
                owner_column == owner)
        return select(query.order_by(*order).limit(limit).subquery().c.id)

    sources = []
    admin = principal.has(Role.ADMIN)
    if scope == "all" and admin:
        sources.append(source())
    if scope in ("mine", "inbox") or (scope == "all" and not admin):
        sources.append(source(HumanTask.assignee == principal.username))
    if scope in ("available", "inbox") or (scope == "all" and not admin):
        unclaimed = HumanTask.assignee.is_(None)
        by_lane = (HumanTask.candidate_groups.is_(None), HumanTask.candidate_users.is_(None))
        open_roles = _roles_open_to(session, principal)
        for lane_name, role in LANE_ROLES.items():  # tasks whose diagram names no candidates: the lane's role
            if role in open_roles:
                administrations, owner = open_roles[role]
                sources.append(source(unclaimed, HumanTask.lane == lane_name, *by_lane,
                                      administrations=administrations, owner=owner))
        for role, (administrations, owner) in open_roles.items():  # tasks whose diagram names my roles
            sources.append(source(unclaimed, HumanTask.holds(HumanTask.candidate_groups, role),
                                  administrations=administrations, owner=owner))
        sources.append(source(unclaimed, HumanTask.holds(HumanTask.candidate_users, principal.username)))
        for element_id, roles in ALSO_ACTING.items():  # tasks of another lane my roles may act on too
            held = [role for role in roles if principal.has(role)]
            if held and not admin:
                scoped = [role for role in held if role in SCOPED_ROLES]
                places = sorted(set().union(*(principal.administrations_for(role) for role in scoped))) \
                    if len(scoped) == len(held) else None
                sources.append(source(unclaimed, HumanTask.element_id == element_id, administrations=places))
    if not sources:
        return []
    chosen = union_all(*sources).subquery()
    query = (select(HumanTask, Initiative.title, Initiative.administration)
             .join(chosen, chosen.c.id == HumanTask.id)
             .outerjoin(Initiative, Initiative.instance_id == HumanTask.instance_id)
             .order_by(*order).limit(limit))
    return [{**task_view(task), "title": title, "administration": task.scope or administration,
             "overdue": bool(task.due_at and task.due_at < now)}
            for task, title, administration in session.execute(query)]


def on_hold(session) -> list[dict]:
    """Initiatives resting at a gate (vilande), with why and until when, soonest date first,
    and the open task that resumes one early where the diagram has one."""
    rows = session.scalars(select(Initiative).where(Initiative.status == "on_hold")).all()
    resume = dict(session.execute(
        select(HumanTask.instance_id, HumanTask.id).where(
            HumanTask.state == TaskStatus.OPEN, HumanTask.element_id.in_(list(HOLD_POINTS)),
            HumanTask.instance_id.in_([row.instance_id for row in rows]))).all())
    items = []
    for row in rows:
        hold = from_dict(row.record).hold
        items.append({"id": row.instance_id, "title": row.title, "administration": row.administration,
                      "phase": row.phase, "gate": hold.gate.value if hold else None,
                      "reason": hold.reason if hold else "", "until": hold.until if hold else None,
                      "since": hold.since.isoformat() if hold else None, "task_id": resume.get(row.instance_id)})
    return sorted(items, key=lambda i: (i["until"] is None, i["until"] or "", i["title"] or ""))


def _roles_open_to(session, principal) -> dict[str, tuple[list[str] | None, str | None]]:
    """role -> (administrations or None for all, owner or None): whose unclaimed tasks for
    that role (as the lane's role or a candidate group) the caller may take.

    The same rules as ``access``: scoped roles for their administrations only, a manager's
    tasks also for decision makers of administrations without a manager, the idea owner's
    tasks only on the caller's own initiatives.
    """
    roles = {}
    for role in Role:
        if role == Role.IDEA_OWNER:
            if principal.has(role):
                roles[role] = (None, principal.username)
        elif role in SCOPED_ROLES:
            held = set(principal.administrations_for(role))
            stand_in = STAND_INS.get(role)
            if stand_in and principal.has(stand_in):
                held |= principal.administrations_for(stand_in) - accounts.administrations_with(session, role)
            if held:
                roles[role] = (sorted(held), None)
        elif principal.has(role):
            roles[role] = (None, None)
    return roles


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
