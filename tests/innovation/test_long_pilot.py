"""A pilot evaluated round after round after one late evaluation keeps a small, shallow state.

The reminder (a non-interrupting boundary timer) fires in the first round and leaves a
finished branch beside the loop; before the per-branch cut this made every later round
keep about nine more tasks, until a round could no longer be completed (round ~140).
It runs on both databases: the state is saved and loaded through each of them every round.

Two checks catch growth of any kind within the rounds run: the depth bound of compaction
is lowered to ``DEPTH`` (a pilot's compacted tree is 9 levels deep), so a tree that
deepens fails the step within a few rounds, as it would at 400 levels in production (the
cut of before fails in round 4); and the saved state must not grow between round 10 and
the last but one, so a tree that widens fails too (the cut of before added 3.9 kB a
round). bench/loop.py measures the cost of a step over 10,000 rounds of every loop shape,
those under a reminder that fired included; ``PILOT_ROUNDS=2000`` runs this test as long
as it once ran.
"""
from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from application.notifications import OutboxMessage
from engine import ProcessInstance, compaction
from innovation.driver import evaluation

ROUNDS = int(os.environ.get("PILOT_ROUNDS", "100"))
DEPTH = 20


def state_size(engine, instance_id: str) -> int:
    with engine.db.unit_of_work() as uow:
        return len(uow.session.get(ProcessInstance, instance_id).state_json)


@pytest.mark.slow
def test_pilot_rounds_after_a_reminder_keep_the_state_bounded(funded_pilot, engine, monkeypatch):
    monkeypatch.setattr(compaction, "MAX_DEPTH", DEPTH)
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
