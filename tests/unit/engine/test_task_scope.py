"""A user task's scope: for whom each instance of a multi-instance task is, evaluated on the
instance's data when it becomes ready and kept with it (the inbox and role rules read it)."""
from __future__ import annotations

import pytest
from SpiffWorkflow.util.task import TaskState

from engine.errors import ProcessFailure
from engine.projections import snapshot
from engine.runtime import diagram_code
from engine.workflow import dump_state, instance_item, load_state
from tests.conftest import FIXTURES
from tests.unit.engine.test_validation import problems
from tests.unit.engine.workflows import spec_json, started

SCOPED = (FIXTURES / "scoped_decisions.bpmn").read_bytes()


def requests(*departments) -> dict:
    return {"requests": {d: {"department": d} for d in departments}}


def test_each_instance_is_scoped_by_its_own_item():
    spec = spec_json(SCOPED)
    workflow = started(spec, requests("FF", "SOF"))
    tasks = snapshot(workflow).user_tasks
    assert sorted((t["element_id"], t["lane"], t["scope"]) for t in tasks) == [
        ("decide", "Deciders", "FF"), ("decide", "Deciders", "SOF")]
    ready = workflow.get_tasks(state=TaskState.READY, manual=True)
    assert sorted(instance_item(t)["department"] for t in ready) == ["FF", "SOF"]
    restored = load_state(dump_state(workflow), spec)  # kept with the task, not evaluated again
    assert sorted(t["scope"] for t in snapshot(restored).user_tasks) == ["FF", "SOF"]


def test_the_scope_stays_what_it_was_when_the_task_became_ready():
    workflow = started(spec_json(SCOPED), requests("FF"))
    (task,) = workflow.get_tasks(state=TaskState.READY, manual=True)
    snapshot(workflow)
    task.data["request"] = {"department": "SOF"}
    assert [t["scope"] for t in snapshot(workflow).user_tasks] == ["FF"]


def test_each_instance_answers_for_its_own_item():
    workflow = started(spec_json(SCOPED), requests("FF", "SOF"))
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        task.data["approved"] = task.data["request"]["department"] == "FF"
        task.run()
    workflow.do_engine_steps()
    assert workflow.completed and workflow.data["answers"] == {
        "FF": {"department": "FF", "approved": True}, "SOF": {"department": "SOF", "approved": False}}


@pytest.mark.parametrize("item", [{"department": 7}, {"department": ""}, {"department": "x" * 201}])
def test_a_scope_that_is_not_a_short_text_fails_naming_the_task(item):
    workflow = started(spec_json(SCOPED), {"requests": {"a": item}})
    with pytest.raises(ProcessFailure) as failed, diagram_code():
        snapshot(workflow)
    assert failed.value.details[0].element_id == "decide" and "must give a text" in str(failed.value)


def test_a_scope_that_does_not_compile_is_refused_at_deploy():
    broken = SCOPED.replace(b"request['department']", b"request[")
    found = problems(broken)
    assert any("scope 'request['" in p["message"] for p in found), found
