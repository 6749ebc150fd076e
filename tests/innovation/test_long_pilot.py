"""A pilot evaluated 2,000 times after one late evaluation stays as cheap as at the start.

The reminder (a non-interrupting boundary timer) fires in the first round and leaves a
finished branch beside the loop; before the per-branch cut this made every later round
keep about nine more tasks, until a round could no longer be completed (round ~140).
It runs on both databases: the state is saved and loaded through each of them every round.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from application.notifications import OutboxMessage
from engine import ProcessInstance
from innovation.driver import evaluation

ROUNDS = 2000


def state_size(engine, instance_id: str) -> int:
    with engine.db.unit_of_work() as uow:
        return len(uow.session.get(ProcessInstance, instance_id).state_json)


@pytest.mark.slow
def test_two_thousand_pilot_rounds_after_a_reminder(funded_pilot, engine):
    d = funded_pilot(weeks=ROUNDS, interval_days=1)
    sizes = {}
    for round_ in range(1, ROUNDS + 1):
        d.wait(days=2)  # the evaluation interval has passed: the evaluation opens
        if round_ == 1:
            d.wait(days=8)  # seven days overdue: the reminder fires once
        decision = "stop" if round_ == ROUNDS else "continue"
        d.complete("utvardera_pilot", evaluation(decision, []))
        if round_ in (10, ROUNDS - 1):
            sizes[round_] = state_size(engine, d.instance_id)
    d.lessons()
    done = d.instance()
    assert (done["status"], done["end_element"]) == ("completed", "slut_avbruten")
    with engine.reading() as session:
        reminders = session.execute(select(OutboxMessage.subject)).scalars().all()
    assert reminders == ["Påminnelse: Utvärdera pilot / Reminder: Utvärdera pilot"]  # the reminder fired once
    assert sizes[ROUNDS - 1] <= sizes[10] * 1.05, f"state grew from {sizes[10]} to {sizes[ROUNDS - 1]} bytes"
    assert len([e for e in engine.history(d.instance_id) if e["action"] == "task_completed"
                and e["element_id"] == "utvardera_pilot"]) == ROUNDS
