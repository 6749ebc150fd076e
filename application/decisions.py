"""The money gate as the people at it see it, and the rules a form cannot express.

A decision maker decides on their own administration's share: the page shows that
administration's budget position for the year (read now, not when the budget was checked),
the request, every administration's line of the budget check, and why a reservation was
refused if one was. Rules that compare fields with each other, with the request or with
today (the pilot ends after it starts and after the decision, whole kronor, a partial grant
below the request) are checked here, before the engine takes the data, with the field named.
"""
from __future__ import annotations

from engine import InvalidData, Problem
from innovation.adapters import ledger_store
from innovation.adapters.operations import budget_position
from innovation.domain.money_gate import decision_problems, setup_problems
from innovation.model import BUDGET_CHECK, MONEY_DECISIONS, MONEY_GATE_TASKS, MONEY_OUTCOME, SETUP_TASK

_RULES = {
    SETUP_TASK: lambda data, item, today: setup_problems(data, today),
    "beslut_pengar": lambda data, item, today: decision_problems(data, item, today),
}


def check(engine, task: dict, data: dict) -> None:
    """Refuse data that breaks a rule of its task, naming each field (422)."""
    rule = _RULES.get(task["element_id"])
    if rule is None or not isinstance(data, dict):
        return
    item = engine.task_form(task["id"])["item"] if task["element_id"] == "beslut_pengar" else None
    problems = rule(data, item, engine.now().date())
    if problems:
        raise InvalidData(f"data for task {task['element_id']} is invalid",
                          [Problem(p.message, field=p.field, code=p.code, params=p.params) for p in problems])


def budget_context(engine, session, task: dict) -> dict | None:
    """What a money gate task's page shows beside the form; None for other tasks."""
    if task["element_id"] not in MONEY_GATE_TASKS:
        return None
    data = engine.instance(task["instance_id"])["data"]
    request = engine.task_form(task["id"])["item"]
    administration = task.get("scope")
    position = None
    if administration:
        year = (request or {}).get("year") or engine.now().year
        position = {"administration": administration, "year": year,
                    **budget_position(ledger_store.read_account(session, administration, year))}
    return {"administration": administration, "request": request, "position": position,
            "budget_check": data.get(BUDGET_CHECK), "decisions": data.get(MONEY_DECISIONS),
            "outcome": data.get(MONEY_OUTCOME), "refusal": (request or {}).get("refusal")}
