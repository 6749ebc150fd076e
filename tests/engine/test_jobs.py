"""Service-task jobs: results, retries, incidents, BPMN errors and late results."""
from __future__ import annotations

import pytest

from engine.errors import Conflict
from tests.conftest import FIXTURES


@pytest.fixture
def deploy_service(engine):
    def _deploy(operation: str):
        xml = (FIXTURES / "service_template.bpmn").read_bytes().replace(b"OPERATION", operation.encode())
        engine.deploy(xml, deployed_by="owner")
    return _deploy


def test_job_result_completes_the_task(engine, deploy):
    deploy("service.bpmn")
    instance = engine.start("service", {"number": 21}, actor="a")
    (job,) = engine.instance(instance["id"])["jobs"]
    assert (job["operation"], job["input"], job["state"]) == ("test.double", {"x": 21}, "pending")
    assert engine.run_jobs() == 1
    done = engine.instance(instance["id"])
    assert (done["status"], done["end_element"], done["data"]["answer"]) == ("completed", "end_ok", {"value": 42})
    assert "job_ok" in [h["action"] for h in engine.history(instance["id"])]


def test_failures_retry_with_backoff_then_become_an_incident(engine, deploy_service, clock):
    deploy_service("test.explode")
    instance = engine.start("service_named", {"number": 1}, actor="a")
    engine.run_jobs()
    (job,) = engine.instance(instance["id"])["jobs"]
    assert (job["state"], job["attempts"]) == ("pending", 1) and "backend down" in job["last_error"]
    assert engine.run_jobs() == 0  # backoff: not yet due
    clock.advance(seconds=11)
    engine.run_jobs()
    (job,) = engine.instance(instance["id"])["jobs"]
    assert (job["state"], job["attempts"], len(job["error_history"])) == ("incident", 2, 2)
    assert engine.instance(instance["id"])["status"] == "running"
    engine.operations.register("test.explode", lambda params, ctx: {"fixed": True})
    engine.jobs.retry_incident(job["id"], actor="admin")
    engine.run_jobs()
    done = engine.instance(instance["id"])
    assert (done["status"], done["end_element"], done["data"].get("answer")) == ("completed", "end_ok", {"fixed": True}), engine.history(instance["id"])[-3:]
    with pytest.raises(Conflict):
        engine.jobs.retry_incident(job["id"], actor="admin")


def test_bpmn_error_follows_the_error_boundary(engine, deploy_service):
    deploy_service("test.refuse")
    instance = engine.start("service_named", {"number": 1}, actor="a")
    engine.run_jobs()
    done = engine.instance(instance["id"])
    assert (done["status"], done["end_element"]) == ("completed", "end_rejected")


def test_uncaught_bpmn_error_is_an_incident(engine, deploy):
    deploy("service.bpmn")
    engine.operations.register("test.double", lambda p, c: (_ for _ in ()).throw(
        __import__("engine.operations", fromlist=["BpmnError"]).BpmnError("other_code")), )
    instance = engine.start("service", {"number": 1}, actor="a")
    for _ in range(3):
        engine.run_jobs()
        engine.clock.advance(minutes=5)
    (job,) = engine.instance(instance["id"])["jobs"]
    assert job["state"] == "incident" and "other_code" in job["last_error"]


def test_late_result_after_timeout_is_ignored(engine, deploy, clock):
    deploy("service.bpmn")
    instance = engine.start("service", {"number": 4}, actor="a")
    (claimed,) = engine.jobs.claim("slow-worker")
    clock.advance(hours=1, seconds=1)
    engine.fire_due_timers()
    assert engine.instance(instance["id"])["end_element"] == "end_timeout"
    engine.jobs.run(claimed, "slow-worker")  # the worker answers after all
    done = engine.instance(instance["id"])
    assert "answer" not in done["data"]
    last = engine.history(instance["id"])[-1]
    assert last["details"]["ignored"] is True and last["details"]["job_state"] == "cancelled"


def test_same_result_twice_applies_once(engine, deploy):
    deploy("service.bpmn")
    instance = engine.start("service", {"number": 5}, actor="a")
    (claimed,) = engine.jobs.claim("w1")
    engine.jobs.run(claimed, "w1")
    engine.jobs.run(claimed, "w1")  # the same claim delivered twice
    actions = [h["action"] for h in engine.history(instance["id"])]
    assert actions.count("job_ok") == 2
    assert engine.history(instance["id"])[-1]["details"]["ignored"] is True
    assert engine.instance(instance["id"])["data"]["answer"] == {"value": 10}
