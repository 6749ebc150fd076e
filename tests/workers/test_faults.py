"""Faults with real processes, Redis and PostgreSQL: nothing lost, nothing applied twice."""
from __future__ import annotations

import os
import signal

import pytest
from rq import Queue, Worker
from sqlalchemy import func, select

from engine.tables import AuditEntry
from tests.workers.conftest import job_of, results, start, start_waking, wait_for
from workers.queue import QUEUE, Dispatcher, connect

postgresql = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def completed(engine, instance_ids) -> bool:
    return all(engine.instance(i)["status"] == "completed" for i in instance_ids)


def assert_applied_once(engine, instance_id, attempt: int = 1) -> None:
    outcome = results(engine, instance_id)
    assert [(r["action"], r["attempt"]) for r in outcome["applied"] if r["action"] == "job_ok"] == [("job_ok", attempt)]
    assert outcome["ignored"] == [] and job_of(engine, instance_id).state == "completed"


@postgresql
def test_worker_killed_mid_job_is_recovered_and_applied_once(engine, database_url, redis_url, spawn):
    Dispatcher(engine, connect(redis_url)).start()
    doomed = spawn("worker", database_url=database_url, redis_url=redis_url)
    instance_id = start(engine, "test.slow_once", number=60)
    wait_for(lambda: job_of(engine, instance_id).state == "running", what="the worker to claim the job")
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait()
    spawn("scheduler", "--interval", "0.2", database_url=database_url, redis_url=redis_url)
    spawn("worker", database_url=database_url, redis_url=redis_url)
    wait_for(lambda: completed(engine, [instance_id]), timeout=30, what="the recovered job")
    assert_applied_once(engine, instance_id, attempt=2)
    (lost,) = job_of(engine, instance_id).error_history
    assert lost["attempt"] == 1 and "lease expired" in lost["error"]
    assert engine.instance(instance_id)["end_element"] == "end_ok"


@pytest.mark.parametrize("mode", ["rq"])
def test_flushed_redis_loses_no_job(engine, redis_url, background):
    redis = connect(redis_url)
    dispatcher = Dispatcher(engine, redis).start()
    instance_ids = [start(engine, "test.double", n) for n in range(8)]
    assert Queue(QUEUE, connection=redis).count == 8
    redis.flushdb()
    dispatcher.stop()
    background()
    wait_for(lambda: completed(engine, instance_ids), what="every job, re-queued by the sweeper")
    for instance_id in instance_ids:
        assert_applied_once(engine, instance_id)


@postgresql
def test_two_worker_processes_given_the_same_jobs_apply_each_once(engine, database_url, redis_url, spawn):
    redis = connect(redis_url)
    for _ in range(2):
        spawn("worker", database_url=database_url, redis_url=redis_url)
    wait_for(lambda: len(Worker.all(connection=redis)) == 2, what="two idle workers")
    instance_ids = [start(engine, "test.slow", number=0.3) for _ in range(4)]
    dispatcher = Dispatcher(engine, redis)
    for _ in range(2):  # every job handed to both workers
        dispatcher.enqueue([job_of(engine, i).id for i in instance_ids])
    wait_for(lambda: completed(engine, instance_ids), timeout=30)
    for instance_id in instance_ids:
        assert_applied_once(engine, instance_id)
    assert wait_for(lambda: sum(w.successful_job_count for w in Worker.all(connection=redis)) == 8)


@postgresql
@pytest.mark.parametrize("mode", ["embedded", "rq"])
def test_killed_scheduler_leaves_every_timer_fired_once(engine, database_url, mode, request, spawn):
    redis_url = request.getfixturevalue("redis_url") if mode == "rq" else None
    instance_ids = start_waking(engine, 12, 0.5)
    doomed = spawn("scheduler", "--interval", "0.1", database_url=database_url, redis_url=redis_url,
                   SLOW_COMMITS="0.15")
    wait_for(lambda: fired(engine) >= 2, timeout=20, what="the first timers to fire")
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait()
    assert fired(engine) < 12, "the scheduler was to be killed mid-sweep"
    spawn("scheduler", "--interval", "0.1", database_url=database_url, redis_url=redis_url)
    wait_for(lambda: completed(engine, instance_ids), timeout=20, what="the second scheduler")
    for instance_id in instance_ids:
        assert [h["action"] for h in engine.history(instance_id)] == ["started", "timer_fired"]
    assert len({engine.instance(i)["version"] for i in instance_ids}) == 1


def fired(engine) -> int:
    with engine.db.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(AuditEntry)
                                  .where(AuditEntry.action == "timer_fired"))
