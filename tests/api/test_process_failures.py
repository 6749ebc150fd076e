"""A completion whose follow-up fails is a 422 naming the element, never a 500, and
changes nothing (tests/fixtures/faults.bpmn fails where the submitted data says)."""
from __future__ import annotations

import pytest

from tests.conftest import FIXTURES


@pytest.fixture
def review(engine):
    engine.operations.register("test.double", lambda params, ctx: {"value": params["x"] * 2})
    engine.deploy_file(FIXTURES / "faults.bpmn", deployed_by="owner")
    instance = engine.start("faults", {"divisor": 1, "kind": "plain", "first": "PT1H", "number": 1}, actor="ada")
    (task,) = engine.tasks(instance_id=instance["id"])
    return task


@pytest.mark.parametrize("data, element", [({"divisor": 0}, "review"), ({"kind": "range"}, "compute")])
def test_a_failing_follow_up_is_a_422_naming_the_element(api, engine, review, data, element):
    before = engine.instance(review["instance_id"])["version"]
    response = api.as_("admin").post(f"/api/tasks/{review['id']}/complete", json={"data": data})
    assert response.status_code == 422, response.json
    assert [d["element_id"] for d in response.json["details"]] == [element]
    assert engine.instance(review["instance_id"])["version"] == before
    assert api.as_("admin").post(f"/api/tasks/{review['id']}/complete", json={"data": {}}).status_code == 200
