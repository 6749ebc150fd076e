"""Issue 15's "done when" for Camunda 7 over the HTTP API: a diagram as Camunda Modeler saves
it, with JUEL conditions, a JUEL timer, a generated task form with validation and candidate
groups, deploys unchanged and runs end to end; only a candidate acts, the form's rules hold."""
from __future__ import annotations

import io

from tests.conftest import FIXTURES

DIAGRAM = (FIXTURES / "camunda_juel.bpmn").read_bytes()


def test_a_camunda_7_diagram_deploys_and_runs_over_http(api, engine, clock):
    deployed = api.as_("owner").post("/api/definitions", data={"file": (io.BytesIO(DIAGRAM), "purchase.bpmn")},
                                     content_type="multipart/form-data")
    assert deployed.status_code == 201, deployed.json
    started = api.as_("admin").post("/api/instances", json={
        "process_key": "purchase", "data": {"amount": 5000, "requester": {"name": "Kim"}}})
    assert started.status_code == 201, started.json
    instance_id = started.json["id"]
    engine.tick()
    (task,) = [t for t in api.as_("ivar").get("/api/tasks", query_string={"instance_id": instance_id}).json]
    assert task["element_id"] == "Task_approve"  # amount > 1000, by the JUEL condition
    form = api.as_("ivar").get(f"/api/tasks/{task['id']}/form").json
    assert form["schema"]["properties"]["cooling_days"] == {"type": "integer", "title": "Cooling-off days",
                                                            "minimum": 1, "maximum": 30, "default": 3}

    refused = api.as_("ada").post(f"/api/tasks/{task['id']}/complete", json={"data": {"approved": True,
                                                                                    "cooling_days": 2}})
    assert refused.status_code == 403 and "coordinator" in refused.json["message"]  # camunda:candidateGroups
    invalid = api.as_("ivar").post(f"/api/tasks/{task['id']}/complete", json={"data": {"approved": "yes",
                                                                                      "cooling_days": 90}})
    assert invalid.status_code == 422
    assert {d["field"] for d in invalid.json["details"]} == {"/approved", "/cooling_days"}

    done = api.as_("ivar").post(f"/api/tasks/{task['id']}/complete", json={"data": {"approved": True,
                                                                                   "cooling_days": 2}})
    assert done.status_code == 200, done.json
    engine.tick()
    view = api.as_("admin").get(f"/api/instances/{instance_id}").json
    assert [t["element_id"] for t in view["timers"]] == ["Event_cooling"]  # P${cooling_days}D
    clock.advance(days=2, minutes=1)
    engine.tick()
    view = api.as_("admin").get(f"/api/instances/{instance_id}").json
    assert (view["status"], view["end_element"]) == ("completed", "Event_ordered")
    assert b"${amount &gt; 1000}" in DIAGRAM and "${amount &gt; 1000}" in api.as_("owner").get(
        f"/api/definitions/{deployed.json[0]['id']}/xml").get_data(as_text=True)  # stored as written
