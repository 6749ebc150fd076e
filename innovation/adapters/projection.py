"""Keeps each initiative record current as its process instance moves.

Registered as an engine listener, it runs inside the same transaction as the instance
change it describes, so the public database and dashboards never show a state the
process did not reach. It reads only facts the engine reports: which phase subprocess
is active, which task was completed by whom with what data, which end event was reached.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from engine import InstanceStatus
from innovation.adapters import ledger_store
from innovation.adapters.publications import follow_record
from innovation.adapters.records import from_dict, to_dict
from innovation.adapters.tables import Initiative
from innovation.domain.initiative import (
    InitiativeRecord,
    add_lesson,
    apply_measurements,
    enter_phase,
    finish,
    follow_up_benefit,
    go_live,
    plan_scaling,
    put_on_hold,
    reclassify,
    record_abort,
    record_assessment,
    record_from_start_data,
    record_gate_decision,
    resume,
    set_effect_goals,
    set_financing,
    sync_funds,
)
from innovation.domain.scoring import assess
from innovation.domain.vocabulary import Status
from innovation.model import (
    ABORT_VARIABLE,
    ASSESSMENT_TASK,
    DECISIONS,
    FOLLOW_UP_TASK,
    GATE_TASKS,
    HOLD_ELEMENTS,
    HOLD_POINTS,
    IMPLEMENTATION_TASK,
    LESSONS_TASK,
    MONEY_DECISIONS,
    OUTCOMES,
    OWNER_ASSIGNMENT,
    PHASE_SUBPROCESSES,
    PROCESS_KEY,
    REASSESSED,
    SCALE_PROPOSAL_TASK,
    SCREENING_TASK,
)


def current_phase(active_elements: list[dict]) -> str | None:
    for element in active_elements:
        for element_id in [*element["subprocess"], element["element_id"]]:
            if element_id in PHASE_SUBPROCESSES:
                return element_id
    return None


def _amounts(lines) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines or []:
        totals[line["administration"]] += Decimal(str(line["amount"]))
    return dict(totals)


def _log_decision(record: InitiativeRecord, event) -> InitiativeRecord:
    """A decision task's answer into the decision log (words the task does not log are rounds)."""
    data, gate = event.submitted, GATE_TASKS[event.element_id]
    decision = data[gate.decision_field]
    if gate.logged is not None and decision not in gate.logged:
        return record
    if event.scope and gate.amounts_field:  # one administration's share of the money gate
        amounts = _share_amounts(event, gate.amounts_field)
    else:
        amounts = _amounts(data.get(gate.amounts_field)) if gate.amounts_field else None
    return record_gate_decision(
        record, gate.gate, DECISIONS.get(decision, decision), rationale=data.get(gate.rationale_field, ""),
        decided_by=event.actor, decided_at=event.at, amounts=amounts, administration=event.scope,
        hold_until=data.get("hold_until"))



def _share_amounts(event, field: str) -> dict[str, Decimal]:
    """A decision on one administration's share: what it granted, as its answer says (a grant
    in full is the amount requested; a hold or a reject grants nothing)."""
    line = (event.data.get(MONEY_DECISIONS) or {}).get(event.scope)
    amount = line["amount"] if line is not None else event.submitted.get(field)
    return {event.scope: Decimal(str(amount))} if isinstance(amount, (int, float)) and amount else {}


def _measured(record: InitiativeRecord, rows) -> dict:
    known = {goal.id for goal in record.effect_goals}
    return {m["indicator"]: m["value"] for m in rows or [] if m["indicator"] in known}


def _after_task(record: InitiativeRecord, event) -> InitiativeRecord:
    data, element = event.submitted, event.element_id
    if element == SCREENING_TASK and data.get("kind") and data.get("administration"):
        record = reclassify(record, data["kind"], data["administration"])
    if element in GATE_TASKS:
        record = _log_decision(record, event)
    if element == SCALE_PROPOSAL_TASK:
        receiving, benefit = data["receiving_organisation"], data["benefit_realisation"]
        return plan_scaling(record, receiving["administration"], receiving["unit"], benefit["yearly_value"],
                            benefit["yearly_cost"])
    if element == IMPLEMENTATION_TASK and data["implementation_decision"] == "in_use":
        return go_live(record, date.fromisoformat(data["in_use_from"]), data["verksamhet"], data["managed_by"],
                       event.at)
    if element == FOLLOW_UP_TASK:
        record = apply_measurements(record, _measured(record, data.get("effects")), event.at)
        return follow_up_benefit(record, event.at, data["realised_yearly_value"], data["realised_yearly_cost"])
    if element == "utforma_upplagg":
        goals = [{"id": g["indicator"], "description": g["indicator"], "unit": g.get("unit", ""),
                  "baseline": g.get("baseline"), "target": g.get("target")} for g in data["effect_goals"]]
        return set_financing(set_effect_goals(record, goals), data.get("other_financing", []))
    if element == "utvardera_pilot":
        measured = _measured(record, data.get("measurements"))
        return add_lesson(apply_measurements(record, measured, event.at), data.get("lessons", ""))
    if element == ASSESSMENT_TASK:
        return record_assessment(record, assess(data["criteria"]), assessed_by=event.actor, assessed_at=event.at)
    if element == LESSONS_TASK:
        aborted = data.get(ABORT_VARIABLE) or {}
        if aborted.get("category"):
            record = record_abort(record, aborted["category"], aborted.get("reason", ""), decided_by=event.actor,
                                  decided_at=event.at)
        return add_lesson(record, data.get("lessons_learned", ""))
    return record


def _aborted(event) -> bool:
    """The abort message was delivered: its payload is now the diagram's abort variable."""
    return event.action == "message_correlated" and event.submitted == event.data.get(ABORT_VARIABLE)


def _holds(record: InitiativeRecord, event) -> InitiativeRecord:
    """On hold while a hold point of the diagram is active (with the date and reason it
    keeps); active again once the initiative waits at no hold at all (its date came, or it
    was resumed early)."""
    active = {e["element_id"] for e in event.active_elements if e["state"] in ("READY", "STARTED", "WAITING")}
    holding = [HOLD_POINTS[element] for element in HOLD_POINTS if element in active]
    if holding:
        why = event.data.get(holding[0].variable) or {}
        return put_on_hold(record, holding[0].gate, why.get("hold_reason") or "", why.get("hold_until"), event.at)
    if record.status == Status.ON_HOLD and not active.intersection(HOLD_ELEMENTS):
        return resume(record)
    return record


def update(record: InitiativeRecord, session, event) -> InitiativeRecord:
    if event.action == "task_completed":
        record = _after_task(record, event)
    if record.ended:
        return record
    if event.action == REASSESSED:
        record = record_assessment(record, assess(event.submitted["criteria"]), assessed_by=event.actor,
                                   assessed_at=event.at)
    if _aborted(event) and event.submitted.get("category"):
        record = record_abort(record, event.submitted["category"], event.submitted.get("reason", ""),
                              decided_by=event.actor, decided_at=event.at)
    if event.action.startswith("job_"):
        accounts = ledger_store.accounts_of_initiative(session, event.instance_id, lock=False)
        record = sync_funds(record, accounts.values(), event.instance_id)
    phase = current_phase(event.active_elements)
    if phase:
        record = enter_phase(record, phase, event.at)
    record = _holds(record, event)
    if event.status == InstanceStatus.COMPLETED and event.end_element in OUTCOMES:
        record = finish(record, OUTCOMES[event.end_element], event.at)
    elif event.status == InstanceStatus.TERMINATED:
        record = finish(record, "aborted", event.at)
    return record


def project_initiative(session, event) -> None:
    """Engine listener: create or update the initiatives row for an innovation instance."""
    if event.process_key != PROCESS_KEY:
        return
    row = None if event.action == "started" else session.get(Initiative, event.instance_id)  # none yet at a start
    if row is None:
        if event.action != "started":
            return
        record = record_from_start_data(event.submitted)
        row = Initiative(instance_id=event.instance_id, started_at=event.at, owner=event.actor)
        session.add(row)
    else:
        record = from_dict(row.record)
    if event.action == "task_completed" and event.element_id == OWNER_ASSIGNMENT.task:
        row.owner = event.submitted[OWNER_ASSIGNMENT.field]
    record = update(record, session, event)
    row.title, row.kind, row.administration = record.title, record.kind.value, record.administration
    row.phase = record.phase.value if record.phase else None
    row.status = record.status.value
    stored, row.record, row.updated_at = row.record, to_dict(record), event.at
    if event.action != "started" and row.record != stored:  # a new or unchanged record has no public facts to move
        follow_record(session, event.instance_id, record, event.at)
