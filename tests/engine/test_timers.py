"""Timers driven by a controllable clock: duration, date, cycle, boundary (both kinds)."""
from __future__ import annotations

from engine.tables import Timer


def timer_elements(engine, instance_id):
    return [t["element_id"] for t in engine.instance(instance_id)["timers"]]


def test_duration_then_date_timer(engine, deploy, clock):
    deploy("timers.bpmn")
    instance = engine.start("timers", {"wake_on": "2026-01-10", "nags": 0}, actor="a")
    (timer,) = engine.instance(instance["id"])["timers"]
    assert timer["element_id"] == "wait_duration" and timer["due_at"] == "2026-01-07T08:00:00+00:00"
    clock.advance(days=1)
    assert engine.tick()["timers"] == 0
    clock.advance(days=1, seconds=1)
    assert engine.tick()["timers"] == 1
    assert timer_elements(engine, instance["id"]) == ["wait_date"]
    clock.advance(days=2)
    assert engine.tick()["timers"] == 0
    clock.advance(days=1)
    engine.tick()
    detail = engine.instance(instance["id"])
    assert [t["element_id"] for t in detail["tasks"]] == ["review"]
    assert sorted(timer_elements(engine, instance["id"])) == ["deadline", "nag"]
    assert detail["tasks"][0]["due_at"] == min(t["due_at"] for t in detail["timers"])


def _reach_review(engine, deploy, clock):
    deploy("timers.bpmn")
    instance = engine.start("timers", {"wake_on": "2026-01-01", "nags": 0}, actor="a")
    clock.advance(days=2, seconds=1)
    engine.tick()
    return instance


def test_non_interrupting_cycle_boundary_fires_three_times(engine, deploy, clock):
    instance = _reach_review(engine, deploy, clock)
    for _ in range(5):
        clock.advance(days=1, seconds=1)
        engine.tick()
    detail = engine.instance(instance["id"])
    fired = [h["details"]["timers"] for h in engine.history(instance["id"]) if h["action"] == "timer_fired"]
    assert fired[1:] == [["nag"], ["nag"], ["nag"]]
    assert [t["element_id"] for t in detail["tasks"]] == ["review"]
    assert timer_elements(engine, instance["id"]) == ["deadline"]
    engine.complete_task(detail["tasks"][0]["id"], {}, actor="a")
    done = engine.instance(instance["id"])
    assert (done["status"], done["end_element"]) == ("completed", "end_ok")
    assert done["timers"] == []


def test_interrupting_boundary_cancels_the_task(engine, deploy, clock):
    instance = _reach_review(engine, deploy, clock)
    task_id = engine.instance(instance["id"])["tasks"][0]["id"]
    clock.advance(days=10, seconds=1)
    engine.tick()
    done = engine.instance(instance["id"])
    assert (done["status"], done["end_element"]) == ("completed", "end_late")
    assert engine.tasks(state="cancelled", instance_id=instance["id"])[0]["id"] == task_id


def test_suspended_instance_timers_wait_and_fire_on_resume(engine, deploy, clock):
    deploy("timers.bpmn")
    instance = engine.start("timers", {"wake_on": "2026-01-01", "nags": 0}, actor="a")
    engine.suspend(instance["id"], actor="admin")
    clock.advance(days=3)
    assert engine.tick()["timers"] == 0
    assert timer_elements(engine, instance["id"]) == ["wait_duration"]
    engine.resume(instance["id"], actor="admin")
    engine.tick()
    assert [t["element_id"] for t in engine.instance(instance["id"])["tasks"]] == ["review"]


def test_scheduler_reads_only_the_timer_table(engine, deploy, clock):
    """Instances whose timers are not due are never loaded (the query uses the index)."""
    deploy("timers.bpmn")
    for _ in range(3):
        engine.start("timers", {"wake_on": "2026-01-01", "nags": 0}, actor="a")
    loaded = []
    original = engine.runtime.load
    engine.runtime.load = lambda session, row: loaded.append(row.id) or original(session, row)
    assert engine.fire_due_timers() == 0 and loaded == []
    with engine.db.unit_of_work() as uow:
        assert uow.session.query(Timer).count() == 3
