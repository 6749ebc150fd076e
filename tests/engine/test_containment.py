"""One broken instance never halts the others, and a failing step is refused or parked.

tests/fixtures/faults.bpmn fails wherever the instance's own data says: a user task's
post-script, scripts binding values the serializer refuses, timer expressions of the
wrong type, and a service task's post-script run when its job result is applied.
"""
from __future__ import annotations

import pytest

from engine.errors import ProcessFailure
from engine.tables import Job
from tests.conftest import FIXTURES

HEALTHY = {"divisor": 1, "kind": "plain", "first": "PT1H", "later_kind": "plain", "wait": "PT1H",
           "until": "2026-01-05T11:00:00+00:00", "call_divisor": 1, "number": 2}


@pytest.fixture
def faults(engine):
    engine.deploy_file(FIXTURES / "faults.bpmn", deployed_by="owner")

    def _start(**data) -> tuple[str, str]:
        instance = engine.start("faults", {**HEALTHY, **data}, actor="a")
        (task,) = engine.tasks(instance_id=instance["id"])
        return instance["id"], task["id"]
    return _start


def reviewed(engine, faults, clock, **data) -> str:
    """An instance past its review, so everything after it happens in the background."""
    instance_id, task_id = faults(**data)
    engine.complete_task(task_id, {}, actor="a")
    clock.advance(seconds=1)  # instances started earlier fall due earlier
    return instance_id


def failures(engine, instance_id: str) -> list[dict]:
    return [h for h in engine.history(instance_id) if h["action"].endswith("_failed")]


@pytest.mark.parametrize("data, element, message", [
    ({"later_kind": "range"}, "compute_later", "variable 'stored_later' holds a range"),
    ({"later_kind": "items"}, "compute_later", "variable 'stored_later' holds a dict_items"),
    ({"wait": 7}, "wait_duration", "gave int 7, not an ISO 8601 text"),
    ({"until": "P7D"}, "wait_date", "'P7D', which is not a valid ISO 8601 date"),
])
def test_a_failing_timer_parks_its_instance_and_the_others_fire(engine, faults, clock, data, element, message):
    broken = reviewed(engine, faults, clock, **data)
    healthy = [reviewed(engine, faults, clock) for _ in range(2)]
    for _ in range(3):
        clock.advance(hours=1, minutes=1)
        engine.fire_due_timers()
    assert engine.instance(broken)["status"] == "error"
    (failure,) = failures(engine, broken)
    assert (failure["action"], failure["element_id"]) == ("timer_failed", element)
    assert message in failure["details"]["error"]
    engine.run_jobs()
    assert [engine.instance(i)["status"] for i in healthy] == ["completed", "completed"]
    assert engine.fire_due_timers() == 0  # the parked instance is not retried in a loop


def test_a_result_the_diagram_cannot_take_parks_its_instance_and_the_batch_goes_on(engine, faults, clock):
    broken = reviewed(engine, faults, clock, call_divisor=0)
    healthy = [reviewed(engine, faults, clock) for _ in range(3)]
    for _ in range(3):
        clock.advance(hours=1, minutes=1)
        engine.fire_due_timers()
    assert engine.run_jobs() == 4
    assert [engine.instance(i)["status"] for i in healthy] == ["completed"] * 3
    parked = engine.instance(broken)
    assert parked["status"] == "error"
    (job,) = parked["jobs"]
    assert (job["state"], job["element_id"], job["attempts"]) == ("incident", "call", 1)
    assert "ZeroDivisionError" in job["last_error"]
    (failure,) = failures(engine, broken)
    assert (failure["action"], failure["element_id"], failure["details"]["job_id"]) == ("job_failed", "call", job["id"])
    with engine.db.unit_of_work() as uow:
        assert uow.session.query(Job).filter(Job.state == "running").count() == 0


@pytest.mark.parametrize("data, element, message", [
    ({"divisor": 0}, "review", "ZeroDivisionError"),
    ({"kind": "range"}, "compute", "variable 'stored' holds a range"),
    ({"kind": "items"}, "compute", "variable 'stored' holds a dict_items"),
    ({"first": 7}, "wait_first", "gave int 7, not an ISO 8601 text"),
])
def test_a_completion_whose_follow_up_fails_is_refused_and_changes_nothing(engine, faults, data, element, message):
    instance_id, task_id = faults()
    before = engine.instance(instance_id)
    with pytest.raises(ProcessFailure) as refused:
        engine.complete_task(task_id, data, actor="a")
    (problem,) = refused.value.details
    assert problem.element_id == element and message in problem.message
    after = engine.instance(instance_id)
    assert (after["version"], after["status"], after["data"]) == (before["version"], "running", before["data"])
    assert [t["id"] for t in engine.tasks(instance_id=instance_id)] == [task_id]
    engine.complete_task(task_id, {}, actor="a")  # the task can still be completed with workable data
    assert [t["element_id"] for t in engine.instance(instance_id)["timers"]] == ["wait_first"]


def test_a_late_failure_never_reopens_an_ended_instance(engine, faults, clock):
    """A background step fails, and before it is recorded an admin terminates the instance."""
    lacking = {key: value for key, value in HEALTHY.items() if key != "later_kind"}
    instance_id = engine.start("faults", lacking, actor="a")["id"]  # compute_later will fail
    engine.complete_task(engine.tasks(instance_id=instance_id)[0]["id"], {}, actor="a")
    clock.advance(hours=1, minutes=1)
    with pytest.raises(ProcessFailure) as failed:
        engine.runtime.mutate(instance_id, actor="scheduler", action="timer_fired",
                              change=lambda session, row, workflow: workflow.refresh_timers())
    engine.terminate(instance_id, actor="admin")
    assert failed.value.details[0].element_id == "compute_later"
    engine.runtime.record_failure(instance_id, actor="scheduler", action="timer", failure=failed.value)
    assert engine.instance(instance_id)["status"] == "terminated"
    (failure,) = failures(engine, instance_id)
    assert failure["details"]["status_kept"] == "terminated"


def test_a_batch_gives_back_the_jobs_it_cannot_start_within_their_lease(engine, clock):
    """Each job takes 200 s of a 300 s lease, and a sweeper runs meanwhile: no job waiting
    in the batch behind the others may lose its lease and be charged an attempt."""
    def slow(params, ctx):
        clock.advance(seconds=200)
        engine.jobs.expire_leases(actor="sweeper")  # another scheduler looking for lost workers
        return {"value": params["x"]}

    engine.operations.register("test.slow", slow)
    engine.deploy((FIXTURES / "service_template.bpmn").read_bytes().replace(b"OPERATION", b"test.slow"),
                  deployed_by="owner")
    instances = [engine.start("service_named", {"number": n}, actor="a")["id"] for n in range(3)]
    assert engine.run_jobs() == 3
    for instance_id in instances:
        assert engine.instance(instance_id)["end_element"] == "end_ok"
    with engine.db.unit_of_work() as uow:
        jobs = uow.session.query(Job).all()
        assert [(j.state, j.attempts, j.error_history) for j in jobs] == [("completed", 1, [])] * 3
