"""Authentication, role rules, and the single error shape."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.tables import AuditEntry
from tests.api.flows import ApiInitiative


def test_tokens_are_required_and_checked(api):
    missing = api.as_(None).get("/api/instances")
    assert missing.status_code == 401 and missing.json["message"].startswith("this endpoint needs a bearer token")
    bad = api.as_(None).get("/api/instances", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and set(bad.json) == {"status", "code", "message", "params", "details"}


def test_public_and_documentation_need_no_login(api):
    assert api.as_(None).get("/api/public/initiatives").status_code == 200
    spec = api.as_(None).get("/api/openapi.json")
    assert spec.status_code == 200 and "/api/tasks/{task_id}/complete" in spec.json["paths"]
    assert spec.json["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert api.as_(None).get("/api/docs").status_code == 200


@pytest.mark.parametrize("user, method, path", [
    ("ada", "get", "/api/instances"),
    ("ivar", "post", "/api/definitions"),
    ("frida", "get", "/api/jobs"),
    ("owner", "get", "/api/stats"),
    ("ivar", "get", "/api/timers"),
    ("ivar", "post", "/api/instances/x/suspend"),
    ("frida", "post", "/api/instances"),
    ("ada", "post", "/api/tasks/x/assign"),
    ("ada", "post", "/api/instances/x/abort"),
    ("admin", "post", "/api/instances/x/assessments"),
    ("owner", "post", "/api/instances/x/migrate"),
])
def test_roles_are_enforced_and_denials_audited(api, engine, user, method, path):
    response = getattr(api.as_(user), method)(path, json={})
    assert response.status_code == 403, response.json
    with engine.db.unit_of_work() as uow:
        entry = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "access_denied")).one()
    assert entry.actor == user and entry.details["path"] == path


def test_lane_roles_administrations_and_ownership(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.screen()
    gate = flow.task("frida", "beslut_tid")
    assert gate["administration"] == "SOF"
    assert [t["element_id"] for t in api.as_("mf_boss").get("/api/tasks").json] == []
    refused = api.as_("mf_boss").post(f"/api/tasks/{gate['id']}/complete",
                                      json={"data": {"time_decision": "go", "time_rationale": "x"}})
    assert refused.status_code == 403 and "belongs to SOF" in refused.json["message"]
    flow.gate_time("go")
    explore = flow.task("ada", "utforska_behov")
    assert api.as_("bo").post(f"/api/tasks/{explore['id']}/complete", json={"data": {}}).status_code == 403
    assert api.as_("ivar").post(f"/api/tasks/{explore['id']}/claim").status_code == 403


def test_malformed_bodies_and_unknown_ids_are_4xx(api):
    assert api.as_("ada").post("/api/instances", data="{not json", content_type="application/json").status_code == 400
    wrong = api.as_("ada").post("/api/instances", json={"data": "text", "surprise": 1})
    assert wrong.status_code == 422 and {d["field"] for d in wrong.json["details"]} == {"/data", "/surprise"}
    assert api.as_("admin").get("/api/instances/does-not-exist").status_code == 404
    assert api.as_("admin").post("/api/jobs/nope/retry").status_code == 404
    assert api.as_("ada").post("/api/tasks/nope/complete", json={"data": {}}).status_code == 404
    assert api.as_("ivar").get("/api/instances", query_string={"page": "zero"}).status_code == 422
