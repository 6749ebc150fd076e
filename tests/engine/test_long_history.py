"""A loop of thousands of iterations keeps running and keeps its state small.

SpiffWorkflow 3.2.0 stalls silently after about 250 iterations of a loop (task iterator
depth 1000); compaction keeps the live tree shallow, and history lives in the audit log.
"""
from __future__ import annotations

from engine.tables import ProcessInstance

ITERATIONS = 2000


def test_two_thousand_iterations_complete_with_bounded_state(engine, deploy):
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
