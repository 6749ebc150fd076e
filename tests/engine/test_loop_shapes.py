"""Compaction on every loop shape: it changes nothing a diagram can observe, and it keeps
long histories small.

Differential: each shape runs twice in memory, once as the engine runs it (compaction and
a save/load round trip after every step) and once on SpiffWorkflow's full tree; every
step must open the same user tasks with the same instance data, and the end state and
data must match. The uncompacted run stays short (SpiffWorkflow stalls past ~250 rounds).
"""
from __future__ import annotations

import pytest

from engine import compaction
from engine.errors import ProcessFailure
from engine.tables import ProcessInstance
from tests.engine.loop_shapes import LOOPS, SHAPES, run

by_name = pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
COMPARABLE = [s for s in SHAPES if not s.full_tree_wrong]


@pytest.mark.parametrize("shape", COMPARABLE, ids=[s.name for s in COMPARABLE])
def test_compaction_changes_no_step_and_no_data(shape):
    compacted, full = run(shape, 12, compacted=True), run(shape, 12, compacted=False)
    assert full.completed and full.data["count"] == 12
    assert compacted.steps == full.steps
    assert (compacted.completed, compacted.data) == (full.completed, full.data)
    assert max(compacted.sizes) < max(full.sizes)


@by_name
def test_three_hundred_rounds_finish_with_a_bounded_tree(shape):
    """Past the rounds where SpiffWorkflow stalls (~250) or recurses too deep (~197)."""
    trace = run(shape, 300, compacted=True)
    assert trace.completed and trace.data["count"] == 300
    before_the_end = trace.sizes[-50:-1]  # the last step leaves the finished tree, end events included
    assert max(before_the_end) <= max(trace.sizes[:50]), "the live tree grew with the history"


def test_an_inclusive_join_in_a_loop_waits_for_both_branches_every_round():
    """Not comparable with the full tree: there SpiffWorkflow's inclusive join counts the
    previous round's arrivals, fires when the first branch of round two arrives and leaves
    extra tokens behind. With compaction those arrivals are gone, so every round takes one
    `left` and one `right` and counts once."""
    shape = next(s for s in SHAPES if s.name == "loop_around_inclusive")
    compacted, full = run(shape, 12, compacted=True), run(shape, 12, compacted=False)
    assert compacted.completed and compacted.data["count"] == 12 and len(compacted.steps) == 24
    assert all(sorted(ready) in (["left", "right"], ["left"], ["right"], []) for _, ready, _ in compacted.steps)
    assert any(len(ready) > 2 for _, ready, _ in full.steps) and not full.completed


def test_a_tree_past_the_depth_bound_fails_naming_the_element(engine, deploy, monkeypatch):
    """The bound is the backstop for a shape the cut cannot shorten: the step fails
    visibly, with the element, and nothing is saved."""
    engine.deploy_file(LOOPS / "parallel_waiting_join.bpmn", deployed_by="owner")
    instance = engine.start("parallel_waiting_join", {"limit": 50}, actor="a")
    monkeypatch.setattr(compaction, "MAX_DEPTH", 5)
    (step,) = [t for t in engine.tasks(instance_id=instance["id"]) if t["element_id"] == "step"]
    with pytest.raises(ProcessFailure) as failure:
        engine.complete_task(step["id"], {}, actor="a")
    assert failure.value.details[0].element_id == "step"
    assert "levels deep after compaction (limit 5)" in str(failure.value)
    with engine.db.unit_of_work() as uow:
        assert uow.session.get(ProcessInstance, instance["id"]).version == instance["version"]


def test_a_loop_of_engine_tasks_runs_thousands_of_rounds_within_one_step(engine):
    """Scripts and gateways only: the whole loop runs inside one request, so compaction
    has to happen during the step, not only after it."""
    engine.deploy_file(LOOPS / "automatic_loop.bpmn", deployed_by="owner")
    instance = engine.start("automatic_loop", {"limit": 2000}, actor="a")
    assert [t["element_id"] for t in instance["tasks"]] == ["step"]
    assert instance["data"]["count"] == 2000
