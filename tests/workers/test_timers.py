"""Timers fired by several schedulers at once: each exactly once, promptly, nothing loaded in vain."""
from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from engine import queries
from engine.tables import AuditEntry, ProcessInstance
from tests.workers.app import build_engine
from tests.workers.conftest import start_waking, wait_for
from workers.embedded import BackgroundRunner


def audit_count(engine) -> int:
    with engine.db.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(AuditEntry))


def test_two_schedulers_fire_each_timer_once(engine):
    instance_ids = start_waking(engine, 10, 0.3)
    other = build_engine(engine.db.url)
    runners = [BackgroundRunner(e, interval=0.05, name=f"scheduler-{n}").start() for n, e in enumerate((engine, other))]
    try:
        wait_for(lambda: all(engine.instance(i)["status"] == "completed" for i in instance_ids))
    finally:
        for runner in runners:
            runner.stop()
        other.db.dispose()
    for instance_id in instance_ids:
        assert [h["action"] for h in engine.history(instance_id)] == ["started", "timer_fired"]


def test_loop_wakes_for_the_next_timer_not_the_interval(engine):
    (instance_id,) = start_waking(engine, 1, 0.3)
    runner = BackgroundRunner(engine, interval=30).start()
    try:
        started = time.monotonic()
        wait_for(lambda: engine.instance(instance_id)["status"] == "completed", timeout=5)
        assert time.monotonic() - started < 1.0
    finally:
        runner.stop()


def test_timers_fired_meanwhile_leave_the_instance_untouched(engine, monkeypatch):
    (instance_id,) = start_waking(engine, 1, 0.3)
    stale = wait_for(lambda: queries.due_timers(engine.db, datetime.now(UTC), 10))
    assert engine.fire_due_timers() == 1
    version, entries = engine.instance(instance_id)["version"], audit_count(engine)
    monkeypatch.setattr(queries, "due_timers", lambda *args: stale)  # a scheduler that read before the fire
    assert engine.fire_due_timers() == 0
    assert (engine.instance(instance_id)["version"], audit_count(engine)) == (version, entries)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_instance_held_elsewhere_is_skipped_not_waited_for(engine):
    (instance_id,) = start_waking(engine, 1, 0.3)
    wait_for(lambda: queries.due_timers(engine.db, datetime.now(UTC), 10))
    with engine.db.unit_of_work(write=True) as holder:
        holder.session.get(ProcessInstance, instance_id, with_for_update=True)
        started = time.monotonic()
        assert engine.fire_due_timers() == 0
        assert time.monotonic() - started < 1.0
    assert engine.fire_due_timers() == 1
