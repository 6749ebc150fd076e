"""Comparing two versions of a diagram, and whether a running instance may move between them."""
from __future__ import annotations

from engine.versions import diff, migration_problems
from engine.workflow import dump_state
from tests.unit.engine.workflows import LOOP, spec_json, started, step

RENAMED_STEP = LOOP.replace(b'name="Take a step"', b'name="Take one step"')


def test_diff_names_what_was_added_removed_and_changed():
    old = LOOP.decode()
    assert diff(old, old) == {"added": [], "removed": [], "changed": [], "unified": ""}
    renamed = diff(old, RENAMED_STEP.decode())
    assert renamed["changed"] == [{"element_id": "step", "type": "userTask", "name": "Take one step"}]
    assert (renamed["added"], renamed["removed"]) == ([], [])
    assert '-    <bpmn:userTask id="step" name="Take a step"/>' in renamed["unified"]
    swapped = diff(old, old.replace('id="end"', 'id="finish"').replace('targetRef="end"', 'targetRef="finish"'))
    assert [e["element_id"] for e in swapped["added"]] == ["finish"]
    assert [e["element_id"] for e in swapped["removed"]] == ["end"]
    assert [e["element_id"] for e in swapped["changed"]] == ["f_done"]  # its target changed, not its process


def test_an_instance_moves_only_where_every_task_it_holds_exists_alike():
    old = spec_json(LOOP)
    workflow = started(old, {"limit": 3})
    step(workflow)
    state = dump_state(workflow)
    assert migration_problems(state, old, spec_json(RENAMED_STEP)) == []
    gone = migration_problems(state, old, spec_json(LOOP.replace(b'"step"', b'"stride"')))
    assert [(p.element_id, "lacks" in p.message) for p in gone] == [("step", True)]
    manual = LOOP.replace(b'<bpmn:userTask id="step" name="Take a step"/>',
                          b'<bpmn:manualTask id="step" name="Take a step"/>')
    (changed,) = migration_problems(state, old, spec_json(manual))
    assert changed.element_id == "step" and "changes from UserTask to ManualTask" in changed.message
