"""A loop of hundreds of iterations keeps running and keeps its state small.

SpiffWorkflow 3.2.0 stalls silently after about 250 iterations of a loop (task iterator
depth 1000); compaction keeps the live tree shallow, and history lives in the audit log.
The loop runs past that point, with the depth bound of compaction lowered to ``DEPTH``
(the loop's compacted tree is 6 levels deep), so a tree that deepens fails within a few
iterations; a tree that widens fails the size check. bench/loop.py runs loops for 10,000
steps; ``LOOP_TEST_ITERATIONS=2000`` runs this test longer.
"""
from __future__ import annotations

import os

from engine import compaction
from engine.tables import ProcessInstance

ITERATIONS = int(os.environ.get("LOOP_TEST_ITERATIONS", "300"))
DEPTH = 10


def test_hundreds_of_iterations_complete_with_bounded_state(engine, deploy, monkeypatch):
    monkeypatch.setattr(compaction, "MAX_DEPTH", DEPTH)
    deploy("loop.bpmn")
    instance = engine.start("loop", {"limit": ITERATIONS}, actor="a")
    sizes, view = [], instance
    for iteration in range(1, ITERATIONS + 1):
        (task,) = view["tasks"]  # the open task each reply names, as a client takes it
        view = engine.complete_task(task["id"], {}, actor="a")
        if iteration in (10, ITERATIONS - 1):
            with engine.db.unit_of_work() as uow:
                sizes.append(len(uow.session.get(ProcessInstance, instance["id"]).state_json))
    done = engine.instance(instance["id"])
    assert (done["status"], done["data"]["count"]) == ("completed", ITERATIONS)
    assert sizes[1] <= sizes[0] * 1.1, f"state grew from {sizes[0]} to {sizes[1]} bytes"
    assert len(engine.history(instance["id"])) == ITERATIONS + 1
