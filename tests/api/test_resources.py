"""Every endpoint: definitions, instances, tasks, jobs and timers, public database, stats."""
from __future__ import annotations

import io

from application.settings import ROOT
from engine.operations import RetryPolicy
from tests.api.flows import ApiInitiative
from tests.conftest import FIXTURES

BPMN = (ROOT / "processes" / "innovation.bpmn").read_bytes()
RENAMED = BPMN.replace('name="Utforska behov och idé"'.encode(), 'name="Utforska behovet och idén"'.encode())


def upload(api, user, xml: bytes, name="innovation.bpmn", forms=()):
    data = {"file": (io.BytesIO(xml), name)}
    if forms:
        data["forms"] = [(io.BytesIO(content), filename) for filename, content in forms]
    return api.as_(user).post("/api/definitions", data=data, content_type="multipart/form-data")


def test_deploy_list_xml_and_diff(api):
    same = upload(api, "owner", BPMN)
    assert same.status_code == 201 and same.json[0]["created"] is False
    second = upload(api, "owner", RENAMED).json[0]
    assert second["version"] == 2
    versions = api.as_("owner").get("/api/definitions", query_string={"process_key": "innovation"}).json
    assert [v["version"] for v in versions] == [1, 2]
    xml = api.as_("owner").get(f"/api/definitions/{second['id']}/xml")
    assert xml.mimetype == "application/xml" and b"Utforska behovet" in xml.data
    diff = api.as_("owner").get(f"/api/definitions/{versions[0]['id']}/diff/{second['id']}").json
    assert [c["element_id"] for c in diff["changed"]] == ["utforska_behov"] and not diff["added"]


def test_deploy_errors_come_back_as_422_with_element_ids(api):
    broken = BPMN.replace(b'time_decision == "recycle"', b'time_decision = "recycle"')
    response = upload(api, "owner", broken)
    assert response.status_code == 422
    assert any(d.get("element_id", "").startswith("flow_beslut_tid") or d.get("element_id", "").startswith("flow_tid")
               for d in response.json["details"]), response.json
    with_forms = upload(api, "owner", (FIXTURES / "forms_and_messages.bpmn").read_bytes(), "request.bpmn",
                        forms=[("request-start.schema.json", (FIXTURES / "forms/request-start.schema.json").read_bytes()),
                               ("request.schema.json", (FIXTURES / "forms/request.schema.json").read_bytes()),
                               ("request.uischema.json", b"{}")])
    assert with_forms.status_code == 201 and with_forms.json[0]["forms"] == [
        "request-start.schema.json", "request.schema.json", "request.uischema.json"]


def test_instance_list_filters_and_pages(api, engine, clock):
    for administration in ("SOF", "SOF", "MF"):
        ApiInitiative(api, engine, clock, administration=administration)
    everything = api.as_("ivar").get("/api/instances", query_string={"page_size": 2}).json
    assert everything["total"] == 3 and len(everything["items"]) == 2
    second = api.as_("ivar").get("/api/instances", query_string={"page_size": 2, "page": 2}).json
    assert len(second["items"]) == 1
    mf = api.as_("ivar").get("/api/instances", query_string={"administration": "MF"}).json
    assert mf["total"] == 1 and mf["items"][0]["phase"] == "utforska_ide"
    assert api.as_("ivar").get("/api/instances", query_string={"q": "lånecykel"}).json["total"] == 3
    assert api.as_("ivar").get("/api/instances", query_string={"phase": "skala"}).json["total"] == 0
    assert api.as_("ivar").get("/api/instances", query_string={"started_from": "2027-01-01T00:00:00Z"}).json[
        "total"] == 0


def test_admin_operations_versions_and_migration(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.to_exploration()
    admin = api.as_("admin")
    version = flow.detail()["version"]
    stale = admin.post(f"/api/instances/{flow.id}/suspend", json={"version": version - 1})
    assert stale.status_code == 409 and "reload" in stale.json["message"]
    assert admin.post(f"/api/instances/{flow.id}/suspend", json={"version": version}).json["status"] == "suspended"
    assert admin.post(f"/api/instances/{flow.id}/suspend", json={}).status_code == 409
    assert admin.post(f"/api/instances/{flow.id}/resume", json={}).json["status"] == "running"

    upload(api, "owner", RENAMED)
    moved = admin.post(f"/api/instances/{flow.id}/migrate", json={"to_version": 2})
    assert moved.status_code == 200 and moved.json["definition_version"] == 2
    assert flow.task("ada", "utforska_behov")["name"] == "Utforska behovet och idén"
    start = BPMN.index(b'<bpmn:userTask id="utforska_behov"')
    end = BPMN.index(b"</bpmn:userTask>", start)
    unsafe = (BPMN[:start] + b"<bpmn:manualTask" + BPMN[start + len(b"<bpmn:userTask"):end] + b"</bpmn:manualTask>"
              + BPMN[end + len(b"</bpmn:userTask>"):])
    assert upload(api, "owner", unsafe).status_code == 201, "fixture diagram must deploy"
    refused = admin.post(f"/api/instances/{flow.id}/migrate", json={"to_version": 3})
    assert refused.status_code == 409 and refused.json["status"] == 409
    (detail,) = refused.json["details"]
    assert (detail["element_id"], detail["element_name"], detail["element_type"]) == (
        "utforska_behov", "Utforska behovet och idén", "UserTask")
    assert "ManualTask" in detail["message"]
    assert admin.get(f"/api/instances/{flow.id}").json["definition_version"] == 2
    history = [h["action"] for h in admin.get(f"/api/instances/{flow.id}/history").json]
    assert history[-3:] == ["suspended", "resumed", "migrated"]
    assert admin.post(f"/api/instances/{flow.id}/terminate", json={}).json["status"] == "terminated"


def test_inbox_claims_forms_and_field_errors(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.to_exploration()
    task = flow.task("ada", "utforska_behov")
    form = api.as_("ada").get(f"/api/tasks/{task['id']}/form").json
    assert form["schema"]["required"][0] == "need_analysis" and "ui:order" in form["ui_schema"]
    claimed = api.as_("ada").post(f"/api/tasks/{task['id']}/claim").json
    assert claimed["assignee"] == "ada"
    assigned = api.as_("ivar").post(f"/api/tasks/{task['id']}/assign", json={"assignee": "bo"}).json
    assert assigned["assignee"] == "bo"
    assert [t["id"] for t in api.as_("bo").get("/api/tasks", query_string={"scope": "mine"}).json] == [task["id"]]
    assert api.as_("ada").post(f"/api/tasks/{task['id']}/claim").status_code == 409
    api.as_("ivar").post(f"/api/tasks/{task['id']}/unclaim")
    bad = api.as_("ada").post(f"/api/tasks/{task['id']}/complete",
                              json={"data": {"need_analysis": 5, "hypothesis": "h", "estimated_value": -3}})
    assert bad.status_code == 422
    assert {d["field"] for d in bad.json["details"]} >= {"/need_analysis", "/estimated_effects"}
    good = {"need_analysis": "n", "hypothesis": "h", "estimated_value": 1, "estimated_effects": "e"}
    assert api.as_("ada").post(f"/api/tasks/{task['id']}/complete", json={"data": good}).status_code == 200
    again = api.as_("ada").post(f"/api/tasks/{task['id']}/complete", json={"data": good})
    assert again.status_code == 409 and "already completed" in again.json["message"]
    assert [t["element_id"] for t in api.as_("ivar").get("/api/tasks").json] == ["bedom_kriterier"]


def test_jobs_incidents_and_timers(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.screen()
    flow.complete("frida", "beslut_tid", {"time_decision": "hold", "time_rationale": "Vänta.",
                                           "hold_until": "2026-03-01"})
    timers = api.as_("admin").get("/api/timers").json
    assert [(t["element_id"], t["due_at"]) for t in timers] == [("vanta_beslut_tid", "2026-03-01T00:00:00+00:00")]
    engine.operations.register("innovation.score", lambda params, ctx: (_ for _ in ()).throw(RuntimeError("down")),
                               RetryPolicy(attempts=1))
    second = ApiInitiative(api, engine, clock, owner="bo")
    second.to_exploration()
    second.explore()
    incidents = api.as_("admin").get("/api/jobs", query_string={"state": "failed"}).json
    assert len(incidents) == 1 and "down" in incidents[0]["last_error"]
    from innovation.domain.scoring import assess
    engine.operations.register("innovation.score", lambda params, ctx: assess(params["criteria"]).to_dict())
    retried = api.as_("admin").post(f"/api/jobs/{incidents[0]['id']}/retry")
    assert retried.status_code == 200 and retried.json["state"] == "pending"
    second.settle()
    assert second.task("bo", "utforma_upplagg")
    assert api.as_("admin").get("/api/jobs", query_string={"state": "failed"}).json == []


def test_public_database_hides_personal_data_and_stats(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.to_pilot()
    assert api.as_(None).get("/api/public/initiatives").json == []  # not published yet
    flow.publish()
    public = api.as_(None).get("/api/public/initiatives", query_string={"phase": "utveckla_pilot"}).json
    assert len(public) == 1 and public[0]["idea_owner"] is None
    assert "ada.lind" not in str(public) and public[0]["contact"]["email"] == "innovation.sof@helsingborg.se"
    assert api.as_(None).get("/api/public/initiatives", query_string={"kind": "behovsdriven"}).json == []
    assert api.as_(None).get("/api/public/initiatives/nope").status_code == 404
    stats = api.as_("admin").get("/api/stats").json
    assert stats["by_phase"] == {"utveckla_pilot": 1} and stats["funds"]["SOF"]["granted"] == 200_000
    assert set(stats["median_days_in_phase"]) == {"utforska_ide", "utforska_upplagg"}


def test_incident_cancel_health_metrics_and_queues(api, engine, clock):
    engine.operations.register("innovation.score", lambda params, ctx: (_ for _ in ()).throw(RuntimeError("down")),
                               RetryPolicy(attempts=1))
    flow = ApiInitiative(api, engine, clock)
    flow.to_exploration()
    flow.explore()
    (incident,) = api.as_("admin").get("/api/jobs", query_string={"state": "failed"}).json
    metrics = api.as_("admin").get("/api/metrics").data.decode()
    assert "innovation_incidents_open 1" in metrics and "innovation_jobs_failed_total 1" in metrics
    cancelled = api.as_("admin").post(f"/api/jobs/{incident['id']}/cancel", json={"reason": "Ersätts manuellt."})
    assert cancelled.status_code == 200 and cancelled.json["state"] == "cancelled"
    assert flow.detail()["status"] == "error"
    assert api.as_("admin").post(f"/api/jobs/{incident['id']}/cancel", json={}).status_code == 409
    health = api.as_("admin").get("/api/health")
    assert health.status_code == 200 and health.json["database"]["ok"] is True
    assert api.as_("admin").get("/api/queues").json["mode"] in ("rq", "embedded")
    for path in ("/api/health", "/api/metrics", "/api/queues"):
        assert api.as_("ivar").get(path).status_code == 403
