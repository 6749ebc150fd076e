"""Comparing two versions of a diagram, and whether a running instance may move between them."""
from __future__ import annotations

from SpiffWorkflow.util.task import TaskState

from engine.versions import diff, migrate
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


def test_an_instance_moves_where_every_task_it_holds_maps_and_is_refused_otherwise():
    old = spec_json(LOOP)

    def waiting_at_step():
        workflow = started(old, {"limit": 3})
        step(workflow)
        return workflow
    moved = waiting_at_step()
    assert migrate(moved, spec_json(RENAMED_STEP)) == []
    assert moved.get_next_task(state=TaskState.READY).task_spec.bpmn_name == "Take one step"
    manual = LOOP.replace(b'<bpmn:userTask id="step" name="Take a step"/>',
                          b'<bpmn:manualTask id="step" name="Take a step"/>')
    refused = waiting_at_step()
    before = dump_state(refused)
    (changed,) = migrate(refused, spec_json(manual))
    assert (changed.element_id, changed.element_type) == ("step", "UserTask")
    assert "as a ManualTask" in changed.message and dump_state(refused) == before
