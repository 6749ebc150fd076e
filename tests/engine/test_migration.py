"""Moving a running instance to another version of its process.

In ``order``, the instance waits at ``fill`` and ``sign`` (two parallel branches) of version
1. Version 2 renames ``fill``, moves it to another lane, gives it a stricter form and a
three-day deadline, and inserts ``check`` after it. Version 3 drops ``fill`` and turns
``sign`` into a script, so an instance waiting at both cannot move there. In ``phased``,
version 2 inserts a task after a timer and another inside a subprocess.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.errors import Conflict, InvalidData
from engine.tables import ProcessInstance, Timer
from tests.conftest import FIXTURES

MIGRATION = FIXTURES / "migration"
FORMS = {name: (MIGRATION / name).read_bytes() for name in ("order-v1.schema.json", "order-v2.schema.json")}


def deploy(engine, version: int, process: str = "order") -> dict:
    name = f"{process}_v{version}.bpmn"
    return engine.deploy((MIGRATION / name).read_bytes(), deployed_by="owner", filename=name, forms=FORMS)[0]


def open_tasks(engine, instance_id: str) -> dict[str, dict]:
    return {t["element_id"]: t for t in engine.tasks(instance_id=instance_id)}


@pytest.fixture
def waiting(engine):
    """A version-1 instance waiting at fill and sign, with versions 2 and 3 deployed."""
    deploy(engine, 1)
    instance_id = engine.start("order", {}, actor="ann")["id"]
    deploy(engine, 2)
    deploy(engine, 3)
    assert set(open_tasks(engine, instance_id)) == {"fill", "sign"}
    return instance_id


def test_a_task_inserted_downstream_is_reached(engine, waiting):
    engine.migrate(waiting, 2, actor="admin")
    engine.complete_task(open_tasks(engine, waiting)["fill"]["id"], {"amount": 10}, actor="ann")
    assert set(open_tasks(engine, waiting)) == {"check", "sign"}
    for element in ("check", "sign"):
        engine.complete_task(open_tasks(engine, waiting)[element]["id"], {}, actor="ann")
    assert set(open_tasks(engine, waiting)) == {"review"}


def test_a_boundary_timer_added_to_the_waiting_task_is_armed_and_fires(engine, waiting, clock):
    migrated_at = clock.now()
    detail = engine.migrate(waiting, 2, actor="admin")
    (timer,) = detail["timers"]
    assert (timer["element_id"], timer["name"]) == ("fill_late", "Three days passed")
    assert timer["due_at"] == (migrated_at + timedelta(days=3)).isoformat()
    with engine.db.unit_of_work() as uow:
        assert uow.session.scalars(select(Timer.element_id).where(Timer.instance_id == waiting)).all() == [
            "fill_late"]
    assert open_tasks(engine, waiting)["fill"]["due_at"] == timer["due_at"]
    fill_id = open_tasks(engine, waiting)["fill"]["id"]
    clock.advance(days=3, seconds=1)
    assert engine.tick()["timers"] == 1
    assert set(open_tasks(engine, waiting)) == {"chase", "sign"}
    assert [t["id"] for t in engine.tasks(state="cancelled", instance_id=waiting)] == [fill_id]
    assert engine.instance(waiting)["timers"] == []


def test_completing_the_task_disarms_the_new_timer(engine, waiting, clock):
    engine.migrate(waiting, 2, actor="admin")
    engine.complete_task(open_tasks(engine, waiting)["fill"]["id"], {"amount": 1}, actor="ann")
    assert engine.instance(waiting)["timers"] == []
    clock.advance(days=4)
    assert engine.tick()["timers"] == 0
    assert set(open_tasks(engine, waiting)) == {"check", "sign"}


def test_the_open_task_takes_the_new_name_lane_and_form(engine, waiting):
    before = open_tasks(engine, waiting)["fill"]
    engine.assign_task(before["id"], "ann", actor="ann")
    engine.migrate(waiting, 2, actor="admin")
    after = open_tasks(engine, waiting)["fill"]
    assert (after["id"], after["assignee"]) == (before["id"], "ann")
    assert (before["name"], before["lane"], before["form"]) == ("Fill the order", "Applicant", "order-v1.schema.json")
    assert (after["name"], after["lane"], after["form"]) == ("Fill in the order form", "Clerk", "order-v2.schema.json")
    assert [t["element_id"] for t in engine.tasks(instance_id=waiting, lane="Clerk")] == ["fill"]
    assert engine.task_form(after["id"])["schema"]["required"] == ["amount"]


def test_a_migrated_task_is_validated_against_the_form_of_its_new_version(engine, waiting):
    engine.migrate(waiting, 2, actor="admin")
    fill_id = open_tasks(engine, waiting)["fill"]["id"]
    with pytest.raises(InvalidData) as refused:
        engine.complete_task(fill_id, {"amount": -5, "anything": "goes"}, actor="ann")
    assert {p.field for p in refused.value.details} == {"/amount", "/anything"}
    assert "fill" in open_tasks(engine, waiting)
    engine.complete_task(fill_id, {"amount": 5}, actor="ann")
    assert engine.instance(waiting)["data"]["amount"] == 5


def test_a_move_that_would_lose_held_elements_is_refused_naming_each(engine, waiting):
    def stored():
        with engine.db.unit_of_work() as uow:
            row = uow.session.get(ProcessInstance, waiting)
            return row.definition_id, row.version, row.state_json
    before, tasks_before = stored(), open_tasks(engine, waiting)
    with pytest.raises(Conflict) as refused:
        engine.migrate(waiting, 3, actor="admin")
    assert "version 3" in refused.value.message
    found = {(p.element_id, p.element_name, p.element_type): p.message for p in refused.value.details}
    assert set(found) == {("fill", "Fill the order", "UserTask"), ("sign", "Sign", "UserTask")}
    assert "lacks" in found[("fill", "Fill the order", "UserTask")]
    assert "ScriptTask" in found[("sign", "Sign", "UserTask")]
    assert stored() == before
    assert open_tasks(engine, waiting) == tasks_before
    assert engine.instance(waiting)["definition_version"] == 1
    assert [h["action"] for h in engine.history(waiting)] == ["started"]



def test_a_waiting_timer_keeps_its_due_time_and_leads_to_the_inserted_task(engine, clock):
    deploy(engine, 1, "phase")
    instance_id = engine.start("phased", {}, actor="ann")["id"]
    (due,) = [t["due_at"] for t in engine.instance(instance_id)["timers"]]
    deploy(engine, 2, "phase")
    clock.advance(days=1)
    moved = engine.migrate(instance_id, 2, actor="admin")
    assert [(t["element_id"], t["due_at"]) for t in moved["timers"]] == [("wait", due)]
    clock.advance(days=1, seconds=1)
    assert engine.tick()["timers"] == 1
    assert set(open_tasks(engine, instance_id)) == {"prepare"}


def test_a_task_inserted_inside_a_running_subprocess_is_reached(engine, clock):
    deploy(engine, 1, "phase")
    instance_id = engine.start("phased", {"kept": "yes"}, actor="ann")["id"]
    clock.advance(days=2, seconds=1)
    engine.tick()
    draft = open_tasks(engine, instance_id)["draft"]
    deploy(engine, 2, "phase")
    engine.migrate(instance_id, 2, actor="admin")
    assert open_tasks(engine, instance_id)["draft"]["id"] == draft["id"]
    engine.complete_task(draft["id"], {"drafted": True}, actor="ann")
    assert set(open_tasks(engine, instance_id)) == {"polish"}
    engine.complete_task(open_tasks(engine, instance_id)["polish"]["id"], {}, actor="ann")
    done = engine.instance(instance_id)
    assert (done["status"], done["end_element"]) == ("completed", "end")
    assert done["data"] == {"kept": "yes", "drafted": True}


def test_a_running_multi_instance_task_leads_to_the_inserted_task(engine):
    deploy(engine, 1, "each")
    instance_id = engine.start("repeat", {}, actor="ann")["id"]
    deploy(engine, 2, "each")
    engine.migrate(instance_id, 2, actor="admin")
    iterations = engine.tasks(instance_id=instance_id)
    assert [t["element_id"] for t in iterations] == ["each", "each"]
    for task in iterations:
        engine.complete_task(task["id"], {}, actor="ann")
    assert set(open_tasks(engine, instance_id)) == {"after"}
