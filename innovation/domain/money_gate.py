"""The money gate's rules: a set-up that can be decided on, one administration's decision
on its own share, and what the paying administrations decided together.

Each administration decides over its own innovation funds, so a decision is always on one
share (the request to that administration) and the outcome is only known when every
paying administration has decided. Amounts are whole kronor: a fraction is refused, never
rounded (0.001 SEK must not become a grant of nothing that still starts a pilot).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple


class Problem(NamedTuple):
    """A broken rule at a field (JSON pointer): the English message, and its code and values
    for a page that says it in the reader's language."""

    field: str
    message: str
    code: str
    params: dict | None = None


DECISIONS = ("grant", "partial", "hold", "reject")
GRANTING = ("grant", "partial")


def kronor_problem(value: Any) -> str | None:
    """Why ``value`` is not a whole, non-negative number of kronor, or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        return f"{value!r} is not an amount"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return f"{value!r} is not an amount"
    if not amount.is_finite() or amount < 0:
        return f"{value} is not an amount of kronor (a finite amount of 0 or more)"
    if amount != amount.to_integral_value():
        return f"{value} SEK is not whole kronor; amounts are given in whole kronor (öre are not booked)"
    return None


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _amounts(data: Mapping, field: str) -> list[Problem]:
    rows = data.get(field)
    if not isinstance(rows, list):
        return []
    return [Problem(f"/{field}/{i}/amount", problem, code="not_kronor", params={"value": row["amount"]})
            for i, row in enumerate(rows)
            if isinstance(row, Mapping) and "amount" in row and (problem := kronor_problem(row["amount"]))]


def setup_problems(data: Mapping, today: date) -> list[Problem]:
    """A set-up's dates and money: the pilot ends after it starts and after today (the money
    decision comes after the set-up); amounts are whole kronor; a set-up that requests no
    innovation funds says how the pilot is financed instead."""
    problems = _amounts(data, "requested_funds") + _amounts(data, "other_financing")
    if "estimated_cost" in data and (problem := kronor_problem(data["estimated_cost"])):
        problems.append(Problem("/estimated_cost", problem, code="not_kronor",
                                params={"value": data["estimated_cost"]}))
    start, end = _date(data.get("start_date")), _date(data.get("pilot_end_date"))
    if start and end and end <= start:
        problems.append(Problem("/pilot_end_date", f"the pilot must end after it starts: {end} is not after the "
                                                   f"start date {start}", code="pilot_ends_before_start",
                                params={"end": end.isoformat(), "start": start.isoformat()}))
    elif end and end <= today:
        problems.append(Problem("/pilot_end_date", f"the pilot must end after the money decision: {end} is not "
                                                   f"after today ({today})", code="pilot_ends_before_decision",
                                params={"end": end.isoformat(), "today": today.isoformat()}))
    if data.get("requested_funds") == [] and not data.get("other_financing"):
        problems.append(Problem("/other_financing", "with no innovation funds requested, say how the pilot is "
                                                    "financed (own budget, external grant or partner)",
                                code="financing_missing"))
    return problems


def decision_problems(data: Mapping, request: Mapping | None, today: date) -> list[Problem]:
    """One administration's decision on its share: a partial grant is more than nothing and
    less than the request, a hold is until a later date, and nothing is granted for a pilot
    whose end date has passed."""
    decision, problems = data.get("money_decision"), []
    if "money_amount" in data and (problem := kronor_problem(data["money_amount"])):
        return [Problem("/money_amount", problem, code="not_kronor", params={"value": data["money_amount"]})]
    requested = Decimal(str((request or {}).get("requested", 0)))
    amount = data.get("money_amount")
    if decision == "partial" and isinstance(amount, int) and not 0 < amount < requested:
        problems.append(Problem("/money_amount", f"a partial grant is more than 0 and less than the {requested:.0f} "
                                                 "SEK requested; grant in full or reject instead",
                                code="partial_out_of_range", params={"requested": int(requested)}))
    if decision == "partial" and requested == 0:
        problems.append(Problem("/money_decision", "nothing was requested from this administration: grant or reject",
                                code="partial_of_nothing"))
    hold_until = _date(data.get("money_hold_until"))
    if decision == "hold" and hold_until and hold_until <= today:
        problems.append(Problem("/money_hold_until", f"hold until a later date than today ({today})",
                                code="hold_not_later", params={"today": today.isoformat()}))
    end = _date((request or {}).get("pilot_end_date"))
    if decision in GRANTING and end and end <= today:
        problems.append(Problem("/money_decision", f"the pilot's end date {end} has passed: hold (the idea owner "
                                                   "then updates the set-up) or reject", code="pilot_ended",
                                params={"end": end.isoformat()}))
    return problems


def aggregate(decisions: Mapping[str, Mapping]) -> dict:
    """What the paying administrations decided together.

    ``hold`` if any held (until the latest date: the gate is taken again then), else
    ``reject`` if all rejected, else ``grant`` if all granted in full, else ``partial``
    (someone granted less or nothing: the idea owner chooses). ``grants`` are the lines to
    reserve, each as its own administration decided it.
    """
    lines = [dict(decisions[code]) for code in sorted(decisions)]
    grants = [{"administration": line["administration"], "amount": line["amount"]}
              for line in lines if line["decision"] in GRANTING and line["amount"] > 0]
    holds = [line for line in lines if line["decision"] == "hold"]
    if holds:
        outcome = "hold"
    elif all(line["decision"] == "reject" for line in lines) and lines:
        outcome = "reject"
    elif all(line["decision"] == "grant" for line in lines):
        outcome = "grant"
    else:
        outcome = "partial"
    return {
        "outcome": outcome, "grants": grants, "lines": lines,
        "granted": sum(g["amount"] for g in grants), "requested": sum(line["requested"] for line in lines),
        "hold_until": max(line["hold_until"] for line in holds) if holds else None,
        "hold_reason": "; ".join(f"{line['administration']}: {line['rationale']}" for line in holds) or None,
    }


def decided_amounts(decisions: Mapping[str, Mapping] | Sequence) -> dict[str, Decimal]:
    """What each administration's own decision granted (0 for hold and reject)."""
    values = decisions.values() if isinstance(decisions, Mapping) else decisions
    return {line["administration"]: Decimal(str(line["amount"])) if line["decision"] in GRANTING else Decimal(0)
            for line in values}
