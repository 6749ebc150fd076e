"""Keeps each initiative record current as its process instance moves.

Registered as an engine listener, it runs inside the same transaction as the instance
change it describes, so the public database and dashboards never show a state the
process did not reach. It reads only facts the engine reports: which phase subprocess
is active, which task was completed by whom with what data, which end event was reached.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from engine import InstanceStatus
from innovation.adapters import ledger_store
from innovation.adapters.records import from_dict, to_dict
from innovation.adapters.tables import Initiative
from innovation.domain.initiative import (
    InitiativeRecord,
    add_lesson,
    apply_measurements,
    enter_phase,
    finish,
    reclassify,
    record_assessment,
    record_from_start_data,
    record_gate_decision,
    set_effect_goals,
    sync_funds,
)
from innovation.domain.scoring import assess
from innovation.model import (
    DECISIONS,
    GATE_TASKS,
    OUTCOMES,
    OWNER_ASSIGNMENT,
    PHASE_SUBPROCESSES,
    PROCESS_KEY,
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


def _after_task(record: InitiativeRecord, event) -> InitiativeRecord:
    data, element = event.submitted, event.element_id
    if element == SCREENING_TASK and data.get("kind") and data.get("administration"):
        record = reclassify(record, data["kind"], data["administration"])
    if element in GATE_TASKS:
        gate = GATE_TASKS[element]
        decision = data[gate.decision_field]
        return record_gate_decision(
            record, gate.gate, DECISIONS.get(decision, decision), rationale=data.get(gate.rationale_field, ""),
            decided_by=event.actor, decided_at=event.at,
            amounts=_amounts(data.get(gate.amounts_field)) if gate.amounts_field else None)
    if element == "utforma_upplagg":
        goals = [{"id": g["indicator"], "description": g["indicator"], "unit": g.get("unit", ""),
                  "baseline": g.get("baseline"), "target": g.get("target")} for g in data["effect_goals"]]
        return set_effect_goals(record, goals)
    if element == "utvardera_pilot":
        known = {goal.id for goal in record.effect_goals}
        measured = {m["indicator"]: m["value"] for m in data.get("measurements", []) if m["indicator"] in known}
        return add_lesson(apply_measurements(record, measured, event.at), data.get("lessons", ""))
    if element == "dokumentera_lardomar":
        return add_lesson(record, data.get("lessons_learned", ""))
    return record


def update(record: InitiativeRecord, session, event) -> InitiativeRecord:
    if event.action == "task_completed":
        record = _after_task(record, event)
    if record.ended:
        return record
    if isinstance(event.data.get("score"), dict) and event.data.get("criteria"):
        record = record_assessment(record, assess(event.data["criteria"]))
    if event.action.startswith("job_"):
        accounts = ledger_store.accounts_of_initiative(session, event.instance_id, lock=False)
        record = sync_funds(record, accounts.values(), event.instance_id)
    phase = current_phase(event.active_elements)
    if phase:
        record = enter_phase(record, phase, event.at)
    if event.status == InstanceStatus.COMPLETED and event.end_element in OUTCOMES:
        record = finish(record, OUTCOMES[event.end_element], event.at)
    elif event.status == InstanceStatus.TERMINATED:
        record = finish(record, "aborted", event.at)
    return record


def project_initiative(session, event) -> None:
    """Engine listener: create or update the initiatives row for an innovation instance."""
    if event.process_key != PROCESS_KEY:
        return
    row = session.get(Initiative, event.instance_id)
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
    row.status, row.score_total = record.status.value, record.score_total
    row.record, row.updated_at = to_dict(record), event.at
