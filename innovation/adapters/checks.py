"""Rules on what a task may submit that need more than its form: the ledger, today's date.

Registered as an engine listener, it runs in the transaction of the completion, before
anything is committed, so a refused submission leaves the task open and nothing booked;
the caller gets a 422 naming each field. Spending beyond a grant is refused here, with the
amount that remains, instead of failing later in the booking job as an admin incident.
"""
from __future__ import annotations

from datetime import date

from engine import InvalidData, Problem
from innovation.adapters import ledger_store
from innovation.domain.ledger import overspent
from innovation.domain.money import by_administration
from innovation.model import FUTURE_DATES, PAST_DATES, PROCESS_KEY, SPENDING_TASKS


def _spending_problems(session, instance_id: str, field: str, rows: list) -> list[Problem]:
    lines = {code: amount for code, amount in by_administration(rows).items() if amount > 0}
    if not lines:
        return []
    over = overspent(ledger_store.spending_accounts(session, instance_id, lock=False), lines, instance_id)
    first = {}
    for index, row in enumerate(rows):
        first.setdefault(row["administration"], index)
    return [Problem(f"{code}: {reported} kr rapporterat, bara {remaining} kr återstår av {code}:s beviljade medel; "
                    f"begär tilläggsmedel när piloten förlängs / {code}: {reported} SEK reported, only {remaining} SEK "
                    f"of {code}'s grant remains; ask for supplementary funds when the pilot is extended",
                    field=f"/{field}/{first[code]}/amount", code="overreported",
                    params={"administration": code, "reported": reported, "remaining": remaining})
            for code, (reported, remaining) in sorted(over.items())]


def _date_problems(data: dict, names, today: date, future: bool) -> list[Problem]:
    problems = []
    for name in names:
        if not data.get(name):
            continue
        day = date.fromisoformat(data[name])
        if future and day <= today:
            problems.append(Problem(f"must be after today ({today}) / måste vara efter i dag", field=f"/{name}",
                                    code="date_not_future", params={"today": today.isoformat()}))
        elif not future and day > today:
            problems.append(Problem(f"may not be after today ({today}) / får inte vara efter i dag", field=f"/{name}",
                                    code="date_in_future", params={"today": today.isoformat()}))
    return problems


def check_submission(session, event) -> None:
    """Engine listener: refuse a completed task whose data breaks a rule of the model."""
    if event.process_key != PROCESS_KEY or event.action != "task_completed":
        return
    element, data, today = event.element_id, event.submitted, event.at.date()
    problems = _date_problems(data, FUTURE_DATES.get(element, ()), today, future=True)
    problems += _date_problems(data, PAST_DATES.get(element, ()), today, future=False)
    if element in SPENDING_TASKS:
        field = SPENDING_TASKS[element]
        problems += _spending_problems(session, event.instance_id, field, data.get(field) or [])
    if problems:
        raise InvalidData(f"task {element}: {problems[0].message}", problems)
