"""The background loop in both modes: broken instances are parked, the others go on."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import FIXTURES
from tests.workers.conftest import wait_for


def test_broken_instances_are_parked_while_the_others_finish(engine, background):
    engine.deploy_file(FIXTURES / "faults.bpmn", deployed_by="owner")
    soon = (datetime.now(UTC) + timedelta(seconds=0.6)).isoformat()
    healthy = {"divisor": 1, "kind": "plain", "first": "PT0.2S", "later_kind": "plain", "wait": "PT0.1S",
               "until": soon, "call_divisor": 1, "number": 2}
    broken = {"compute_later": {"later_kind": "range"}, "wait_duration": {"wait": 7},
              "wait_date": {"until": "P7D"}, "call": {"call_divisor": 0}}
    instances = {}
    for name, data in [*broken.items(), *((f"healthy-{n}", {}) for n in range(3))]:
        instance_id = engine.start("faults", {**healthy, **data}, actor="t")["id"]
        (task,) = engine.tasks(instance_id=instance_id)
        engine.complete_task(task["id"], {}, actor="t")
        instances[name] = instance_id

    def statuses() -> dict[str, str]:
        return {name: engine.instance(i)["status"] for name, i in instances.items()}

    background()
    wait_for(lambda: "running" not in statuses().values(), what="every instance to finish or be parked")
    assert statuses() == {**{name: "error" for name in broken}, **{f"healthy-{n}": "completed" for n in range(3)}}
    for element, instance_id in ((name, instances[name]) for name in broken):
        (failure,) = [h for h in engine.history(instance_id) if h["action"].endswith("_failed")]
        assert failure["element_id"] == element
    (job,) = engine.instance(instances["call"])["jobs"]
    assert job["state"] == "incident" and "ZeroDivisionError" in job["last_error"]
