"""Instances: forms, versions and locks, messages, lifecycle, audit, and reload equivalence."""
from __future__ import annotations

import threading

import pytest
from SpiffWorkflow.util.task import TaskState

from engine.errors import Conflict, InvalidData, NotFound, StaleVersion
from engine.validation import FormSource, validate
from engine.workflow import new_workflow
from tests.conftest import FIXTURES


def open_task(engine, instance_id):
    (task,) = engine.tasks(instance_id=instance_id)
    return task


def field_errors(caught) -> dict:
    return {p.field: p.message for p in caught.value.details}


def test_start_and_task_data_are_validated_field_by_field(engine, deploy):
    deploy("forms_and_messages.bpmn")
    with pytest.raises(InvalidData) as caught:
        engine.start("request", {"title": "x"}, actor="a")
    assert "/title" in field_errors(caught)
    instance = engine.start("request", {"title": "Bike racks"}, actor="a", business_key="R-1")
    task = open_task(engine, instance["id"])
    assert (task["element_id"], task["lane"], task["form"]) == ("fill", "Applicant", "request.schema.json")
    with pytest.raises(InvalidData) as caught:
        engine.complete_task(task["id"], {"amount": -5, "lines": [{"cost": 3}], "extra": True}, actor="a")
    errors = field_errors(caught)
    assert set(errors) == {"/amount", "/lines/0/what", "/extra"}
    assert engine.instance(instance["id"])["version"] == instance["version"]
    done = engine.complete_task(task["id"], {"amount": 12, "lines": [{"what": "racks"}]}, actor="a")
    assert done["data"]["amount"] == 12 and done["tasks"][0]["element_id"] == "review"


def test_reserved_keys_are_refused(engine, deploy):
    deploy("loop.bpmn")
    for bad in ({"len": 3}, {"_secret": 1}, {"nested": {"typename": "x"}}):
        with pytest.raises(InvalidData):
            engine.start("loop", {"limit": 1, **bad}, actor="a")
    instance = engine.start("loop", {"limit": 1, "note": "__import__('os').system('id')"}, actor="a")
    engine.complete_task(open_task(engine, instance["id"])["id"], {}, actor="a")
    assert engine.instance(instance["id"])["data"]["note"] == "__import__('os').system('id')"


def test_stale_version_and_completed_task_are_refused(engine, deploy):
    deploy("loop.bpmn")
    instance = engine.start("loop", {"limit": 3}, actor="a")
    task = open_task(engine, instance["id"])
    with pytest.raises(StaleVersion):
        engine.complete_task(task["id"], {}, actor="a", expected_version=instance["version"] - 1)
    engine.complete_task(task["id"], {}, actor="a", expected_version=instance["version"])
    with pytest.raises(Conflict, match="already completed by a"):
        engine.complete_task(task["id"], {}, actor="b")
    with pytest.raises(NotFound):
        engine.complete_task("00000000-0000-0000-0000-000000000000", {}, actor="a")


def test_two_concurrent_completions_exactly_one_wins(engine, deploy):
    deploy("loop.bpmn")
    instance = engine.start("loop", {"limit": 5}, actor="a")
    task = open_task(engine, instance["id"])
    barrier, outcomes = threading.Barrier(2), []

    def complete(actor):
        barrier.wait()
        try:
            engine.complete_task(task["id"], {}, actor=actor)
            outcomes.append("won")
        except Conflict as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=complete, args=(name,)) for name in ("x", "y")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["Conflict", "won"] or sorted(outcomes) == ["StaleVersion", "won"]
    detail = engine.instance(instance["id"])
    assert detail["data"]["count"] == 1
    assert [h["action"] for h in engine.history(instance["id"])].count("task_completed") == 1


def test_message_suspend_resume_terminate(engine, deploy):
    deploy("forms_and_messages.bpmn")
    instance = engine.start("request", {"title": "Parking"}, actor="a", business_key="R-2")
    with pytest.raises(Conflict, match="not waiting"):
        engine.correlate_message("cancel_request", {"reason": "early"}, actor="a", business_key="R-2")
    engine.complete_task(open_task(engine, instance["id"])["id"], {"amount": 1, "lines": []}, actor="a")
    suspended = engine.suspend(instance["id"], actor="admin")
    assert suspended["status"] == "suspended"
    with pytest.raises(Conflict, match="suspended"):
        engine.complete_task(open_task(engine, instance["id"])["id"], {}, actor="a")
    engine.resume(instance["id"], actor="admin")
    done = engine.correlate_message("cancel_request", {"reason": "moved"}, actor="a", business_key="R-2")
    assert (done["status"], done["end_element"]) == ("completed", "end_cancelled")
    assert done["data"]["cancellation"] == {"reason": "moved"}
    assert engine.tasks(instance_id=instance["id"]) == []

    other = engine.start("request", {"title": "Benches"}, actor="a")
    terminated = engine.terminate(other["id"], actor="admin")
    assert terminated["status"] == "terminated" and terminated["tasks"] == []
    actions = [h["action"] for h in engine.history(instance["id"])]
    assert actions == ["started", "task_completed", "suspended", "resumed", "message_correlated"]


def test_audit_log_records_who_what_and_changed_data(engine, deploy):
    deploy("loop.bpmn")
    instance = engine.start("loop", {"limit": 2}, actor="ada")
    engine.complete_task(open_task(engine, instance["id"])["id"], {"mood": "good"}, actor="bo")
    started, completed = engine.history(instance["id"])
    assert (started["actor"], started["action"]) == ("ada", "started")
    assert completed["actor"] == "bo" and completed["element_id"] == "step"
    assert completed["details"]["submitted"] == {"mood": "good"}
    assert completed["details"]["data_changed"] == {"mood": "good", "count": 1}


def test_reloading_before_every_step_matches_running_in_memory(engine, deploy):
    """The persisted path (load, step, compact, save per request) ends where memory does."""
    deploy("loop.bpmn")
    instance = engine.start("loop", {"limit": 25}, actor="a")
    while engine.tasks(instance_id=instance["id"]):
        engine.complete_task(open_task(engine, instance["id"])["id"], {}, actor="a")
    persisted = engine.instance(instance["id"])

    validated = validate((FIXTURES / "loop.bpmn").read_bytes(), FormSource(), engine.operations)
    workflow = new_workflow(validated.processes[0].spec_json)
    workflow.task_tree.data.update({"limit": 25})
    workflow.do_engine_steps()
    while not workflow.completed:
        workflow.get_next_task(state=TaskState.READY, manual=True).run()
        workflow.do_engine_steps()
    assert persisted["status"] == "completed"
    assert persisted["data"] == workflow.data == {"limit": 25, "count": 25}


def test_annotate_records_a_fact_without_moving_the_instance(engine, deploy):
    """A fact about a running instance (an assessment made outside the diagram): checked,
    locked, audited, seen by the listeners; the tasks and data stay; ended instances refuse it."""
    deploy("forms_and_messages.bpmn")
    seen = []
    engine.listeners.append(lambda session, event: seen.append((event.action, event.actor, event.submitted)))
    instance = engine.start("request", {"title": "Bike racks"}, actor="a")
    schema = {"type": "object", "properties": {"note": {"type": "string", "maxLength": 5}}, "required": ["note"]}
    with pytest.raises(InvalidData) as caught:
        engine.annotate(instance["id"], "noted", {"note": "far too long"}, actor="b", schema=schema)
    assert set(field_errors(caught)) == {"/note"}
    with pytest.raises(StaleVersion):
        engine.annotate(instance["id"], "noted", {"note": "ok"}, actor="b", expected_version=instance["version"] + 5)
    view = engine.annotate(instance["id"], "noted", {"note": "ok"}, actor="b", schema=schema,
                           expected_version=instance["version"])
    assert [t["element_id"] for t in view["tasks"]] == [t["element_id"] for t in instance["tasks"]]
    assert view["data"] == instance["data"]
    assert seen[-1] == ("noted", "b", {"note": "ok"})
    assert [(e["action"], e["actor"], e["details"]["submitted"]) for e in engine.history(instance["id"])][-1] == (
        "noted", "b", {"note": "ok"})
    engine.terminate(instance["id"], actor="admin")
    with pytest.raises(Conflict):
        engine.annotate(instance["id"], "noted", {"note": "late"}, actor="b")
