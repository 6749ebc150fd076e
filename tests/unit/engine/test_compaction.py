"""Compaction keeps a looping workflow's tree as small as its unfinished work, and the
stored state (spec kept apart) restores the same workflow."""
from __future__ import annotations

from engine.compaction import compact
from engine.workflow import dump_state, load_state, next_user_task
from tests.unit.engine.workflows import LOOP, spec_json, started, step


def test_compaction_keeps_only_unfinished_work():
    workflow = started(spec_json(LOOP), {"limit": 400})
    for _ in range(300):
        step(workflow)
        compact(workflow)
    assert len(workflow.tasks) < 20
    assert next_user_task(workflow).data["count"] == 300


def test_without_compaction_the_tree_grows_with_every_iteration():
    workflow = started(spec_json(LOOP), {"limit": 400})
    sizes = []
    for _ in range(3):
        for _ in range(20):
            step(workflow)
        sizes.append(len(workflow.tasks))
    assert sizes[0] < sizes[1] < sizes[2]
    assert compact(workflow) == sizes[2] - len(workflow.tasks) > 100


def test_stored_state_restores_the_workflow_at_every_step():
    spec = spec_json(LOOP)
    workflow = started(spec, {"limit": 25})
    while not workflow.completed:
        step(workflow)
        compact(workflow)
        state = dump_state(workflow)
        assert '"spec"' not in state  # the spec is stored once per definition, apart
        workflow = load_state(state, spec)
    assert workflow.data == {"limit": 25, "count": 25}
