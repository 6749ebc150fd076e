"""Deploy: versioning, identical redeploys, and storing nothing of a refused diagram."""
from __future__ import annotations

import pytest

from engine.errors import DeploymentRejected
from tests.conftest import FIXTURES


def test_versions_and_identical_redeploy(engine, deploy):
    first = deploy("loop.bpmn")
    again = deploy("loop.bpmn")
    assert first["version"] == 1 and first["created"]
    assert again["id"] == first["id"] and not again["created"]
    changed = (FIXTURES / "loop.bpmn").read_bytes().replace(b'name="Take a step"', b'name="Take one step"')
    second = engine.deploy(changed, deployed_by="owner")[0]
    assert second["version"] == 2 and second["sha256"] != first["sha256"]
    assert [d["version"] for d in engine.definitions("loop")] == [1, 2]


def test_running_instances_stay_on_their_version(engine, deploy):
    deploy("loop.bpmn")
    old = engine.start("loop", {"limit": 2}, actor="a")
    changed = (FIXTURES / "loop.bpmn").read_bytes().replace(b"count = count + 1", b"count = count + 2")
    engine.deploy(changed, deployed_by="owner")
    new = engine.start("loop", {"limit": 2}, actor="a")
    for instance in (old, new):
        engine.complete_task(engine.tasks(instance_id=instance["id"])[0]["id"], {}, actor="a")
    assert engine.instance(old["id"])["data"]["count"] == 1
    assert engine.instance(old["id"])["definition_version"] == 1
    assert engine.instance(new["id"])["status"] == "completed"
    assert engine.instance(new["id"])["definition_version"] == 2


def test_a_refused_diagram_stores_nothing(engine, deploy):
    """What is refused is told in the error, and nothing of it is stored (the checks
    themselves: tests/unit/engine/test_validation.py)."""
    deploy("loop.bpmn")
    broken = (FIXTURES / "loop.bpmn").read_bytes().replace(b"count + 1", b"count +")
    with pytest.raises(DeploymentRejected) as caught:
        engine.deploy(broken, deployed_by="owner", filename="loop.bpmn")
    assert str(caught.value).startswith("loop.bpmn was not deployed: 1 problem(s)")
    assert [p.element_id for p in caught.value.details] == ["bump"]
    assert [d["version"] for d in engine.definitions("loop")] == [1]
