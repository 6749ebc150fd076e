"""Service-task jobs in the background, in both modes: results, retries, incidents, races."""
from __future__ import annotations

import time

import pytest

from engine.errors import Conflict
from tests.workers.conftest import job_of, results, start, wait_for


def finished(engine, instance_id):
    detail = engine.instance(instance_id)
    return detail if detail["status"] != "running" or detail["end_element"] else None


def test_service_task_completes_within_milliseconds(engine, background):
    background()
    started = time.monotonic()
    instance_id = start(engine, "test.double", 21)
    done = wait_for(lambda: finished(engine, instance_id), what="the job's result")
    assert time.monotonic() - started < 1.0
    assert (done["status"], done["end_element"], done["data"]["answer"]) == ("completed", "end_ok", {"value": 42})
    assert [r["attempt"] for r in results(engine, instance_id)["applied"]] == [1]


def test_fails_twice_then_succeeds(engine, background):
    background()
    instance_id = start(engine, "test.flaky")
    done = wait_for(lambda: finished(engine, instance_id))
    job = job_of(engine, instance_id)
    assert (done["end_element"], done["data"]["answer"]) == ("end_ok", {"attempt": 3})
    assert (job.state, job.attempts, [e["attempt"] for e in job.error_history]) == ("completed", 3, [1, 2])
    assert [r["action"] for r in results(engine, instance_id)["applied"]] == ["job_failed", "job_failed", "job_ok"]


def test_always_failing_ends_as_an_incident_then_retry_or_cancel(engine, background):
    background()
    retried, cancelled = start(engine, "test.broken"), start(engine, "test.broken")
    for instance_id in (retried, cancelled):
        wait_for(lambda: job_of(engine, instance_id).state == "incident", what="an incident")
        job = job_of(engine, instance_id)
        assert (job.attempts, len(job.error_history)) == (3, 3) and "rejects everything" in job.last_error
        assert engine.instance(instance_id)["jobs"][0]["state"] == "incident"
    engine.operations.register("test.broken", lambda params, ctx: {"fixed": ctx.attempt})
    engine.jobs.retry_incident(job_of(engine, retried).id, actor="admin")
    assert wait_for(lambda: finished(engine, retried))["data"]["answer"] == {"fixed": 4}
    engine.jobs.cancel_incident(job_of(engine, cancelled).id, actor="admin", reason="backend retired")
    detail = engine.instance(cancelled)
    assert detail["status"] == "error" and job_of(engine, cancelled).state == "cancelled"
    assert {"element_id": "call", "state": "ERROR"}.items() <= detail["active_elements"][0].items()
    actions = [h["action"] for h in engine.history(cancelled)]
    assert actions[-1] == "incident_cancelled" and "incident_retried" in [h["action"] for h in engine.history(retried)]
    with pytest.raises(Conflict):
        engine.jobs.cancel_incident(job_of(engine, cancelled).id, actor="admin")


def test_result_of_a_job_its_deadline_cancelled_is_ignored(engine, background):
    background()
    instance_id = start(engine, "test.slow", number=1.5, deadline="PT0.5S")
    wait_for(lambda: job_of(engine, instance_id).state == "running", what="the job to start")
    time.sleep(0.6)
    engine.fire_due_timers()  # as any scheduler would, while the worker is still busy
    wait_for(lambda: results(engine, instance_id)["ignored"], what="the late result")
    done = engine.instance(instance_id)
    assert (done["end_element"], "answer" in done["data"]) == ("end_late", False)
    (late,) = results(engine, instance_id)["ignored"]
    assert (late["action"], late["job_state"]) == ("job_ok", "cancelled")


def test_result_of_a_superseded_attempt_is_ignored(engine, background):
    instance_id = start(engine, "test.slow_retry", number=0.5)
    (stalled,) = engine.jobs.claim("stalled-worker", lease_seconds=0.2)  # then it hangs
    background()
    wait_for(lambda: job_of(engine, instance_id).attempts == 2, what="a second attempt")
    engine.jobs.run(stalled, "stalled-worker")  # it wakes up and answers while attempt 2 still runs
    done = wait_for(lambda: finished(engine, instance_id))
    outcome = results(engine, instance_id)
    assert done["data"]["answer"] == {"slept": 0.5, "attempt": 2}
    assert [(r["action"], r["attempt"]) for r in outcome["applied"]] == [("job_failed", 1), ("job_ok", 2)]
    assert "lease expired" in job_of(engine, instance_id).error_history[0]["error"]
    assert [(r["job_state"], r["attempt"], r["current_attempt"]) for r in outcome["ignored"]] == [("running", 1, 2)]


def test_two_workers_apply_each_job_once(engine, background):
    instance_ids = [start(engine, "test.double", n) for n in range(12)]
    background(workers=2)
    for instance_id in instance_ids:
        wait_for(lambda: finished(engine, instance_id))
    for n, instance_id in enumerate(instance_ids):
        outcome = results(engine, instance_id)
        assert [r["action"] for r in outcome["applied"]] == ["job_ok"] and outcome["ignored"] == []
        assert job_of(engine, instance_id).attempts == 1
        assert engine.instance(instance_id)["data"]["answer"] == {"value": 2 * n}
