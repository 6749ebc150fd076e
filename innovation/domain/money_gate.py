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
from typing import Any

Problem = tuple[str, str]  # (JSON pointer of the field, message)

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
    return [(f"/{field}/{i}/amount", problem) for i, row in enumerate(rows)
            if isinstance(row, Mapping) and "amount" in row and (problem := kronor_problem(row["amount"]))]


def setup_problems(data: Mapping, today: date) -> list[Problem]:
    """A set-up's dates and money: the pilot ends after it starts and after today (the money
    decision comes after the set-up); amounts are whole kronor; a set-up that requests no
    innovation funds says how the pilot is financed instead."""
    problems = _amounts(data, "requested_funds") + _amounts(data, "other_financing")
    if "estimated_cost" in data and (problem := kronor_problem(data["estimated_cost"])):
        problems.append(("/estimated_cost", problem))
    start, end = _date(data.get("start_date")), _date(data.get("pilot_end_date"))
    if start and end and end <= start:
        problems.append(("/pilot_end_date", f"the pilot must end after it starts: {end} is not after the "
                                            f"start date {start}"))
    elif end and end <= today:
        problems.append(("/pilot_end_date", f"the pilot must end after the money decision: {end} is not after "
                                            f"today ({today})"))
    if data.get("requested_funds") == [] and not data.get("other_financing"):
        problems.append(("/other_financing", "with no innovation funds requested, say how the pilot is financed "
                                             "(own budget, external grant or partner)"))
    return problems


def decision_problems(data: Mapping, request: Mapping | None, today: date) -> list[Problem]:
    """One administration's decision on its share: a partial grant is more than nothing and
    less than the request, a hold is until a later date, and nothing is granted for a pilot
    whose end date has passed."""
    decision, problems = data.get("money_decision"), []
    if "money_amount" in data and (problem := kronor_problem(data["money_amount"])):
        return [("/money_amount", problem)]
    requested = Decimal(str((request or {}).get("requested", 0)))
    amount = data.get("money_amount")
    if decision == "partial" and isinstance(amount, int) and not 0 < amount < requested:
        problems.append(("/money_amount", f"a partial grant is more than 0 and less than the {requested:.0f} SEK "
                                              f"requested; grant in full or reject instead"))
    if decision == "partial" and requested == 0:
        problems.append(("/money_decision", "nothing was requested from this administration: grant or reject"))
    hold_until = _date(data.get("money_hold_until"))
    if decision == "hold" and hold_until and hold_until <= today:
        problems.append(("/money_hold_until", f"hold until a later date than today ({today})"))
    end = _date((request or {}).get("pilot_end_date"))
    if decision in GRANTING and end and end <= today:
        problems.append(("/money_decision", f"the pilot's end date {end} has passed: hold (the idea owner then "
                                            "updates the set-up) or reject"))
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
