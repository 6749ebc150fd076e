"""Who acts where, over the HTTP API: coordinators and managers per administration, decision
makers standing in for a missing manager, idea owners on their own initiatives only, and a
resident's idea worked by the internal owner a coordinator assigned."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from application import accounts
from engine.tables import AuditEntry
from tests.api.flows import ApiInitiative


@pytest.fixture
def person(api, engine):
    """Add a user with grants and a token: ``person("maja", ("manager", "SOF"))``."""
    def add(username: str, *grants):
        with engine.db.unit_of_work(write=True) as uow:
            accounts.add_user(uow.session, username)
            for role, administration in grants:
                accounts.grant(uow.session, username, role, administration)
            api.tokens[username] = accounts.issue_token(uow.session, username)
            uow.commit()
    return add


def inbox(api, user: str, **query) -> list[str]:
    return [t["element_id"] for t in api.as_(user).get("/api/tasks", query_string=query).json]


def denials(engine) -> list[dict]:
    with engine.db.unit_of_work() as uow:
        return [e.details for e in uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "access_denied"))]


def test_a_coordinator_of_ff_cannot_abort_an_sof_initiative(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)  # SOF
    refused = api.as_("fredrik").post(f"/api/instances/{flow.id}/abort", json={"category": "annat", "reason": "Fel förvaltning."})
    assert refused.status_code == 403
    assert refused.json["message"] == ("aborting an initiative: the initiative belongs to SOF; you coordinate FF")
    assert denials(engine)[-1]["path"] == f"/api/instances/{flow.id}/abort"
    assert flow.detail()["status"] == "running" and inbox(api, "ivar", instance_id=flow.id) == ["granska_initiativ"]
    assert api.as_("ivar").post(f"/api/instances/{flow.id}/abort", json={"category": "battre_losning", "reason": "Dubblett."}).status_code == 200
    assert api.as_("admin").post(f"/api/instances/{flow.id}/abort", json={"category": "annat", "reason": "x"}).status_code == 409  # gone


def test_coordinators_see_and_work_only_their_administrations(api, engine, clock):
    sof = ApiInitiative(api, engine, clock)
    ff = ApiInitiative(api, engine, clock, administration="FF")
    listed = api.as_("fredrik").get("/api/instances").json
    assert [i["id"] for i in listed["items"]] == [ff.id] and listed["total"] == 1
    assert {i["id"] for i in api.as_("admin").get("/api/instances").json["items"]} == {sof.id, ff.id}
    assert {i["id"] for i in api.as_("owner").get("/api/instances").json["items"]} == {sof.id, ff.id}
    assert api.as_("fredrik").get(f"/api/instances/{sof.id}").status_code == 403
    assert api.as_("fredrik").get(f"/api/instances/{sof.id}/history").status_code == 403
    assert api.as_("fredrik").get("/api/instances/no-such-id").status_code == 404
    assert inbox(api, "fredrik") == ["granska_initiativ"] and inbox(api, "ivar") == ["granska_initiativ"]
    screening = sof.task("ivar", "granska_initiativ")
    for path in ("claim", "unclaim"):
        assert api.as_("fredrik").post(f"/api/tasks/{screening['id']}/{path}").status_code == 403
    assert api.as_("fredrik").post(f"/api/tasks/{screening['id']}/assign", json={"assignee": "fredrik"}).status_code == 403
    refused = api.as_("ivar").post(f"/api/tasks/{screening['id']}/assign", json={"assignee": "fredrik"})
    assert refused.status_code == 422 and "belongs to SOF" in refused.json["details"][0]["message"]
    completed = api.as_("fredrik").post(f"/api/tasks/{screening['id']}/complete", json={"data": {}})
    assert completed.status_code == 403 and "belongs to SOF" in completed.json["message"]


def test_an_idea_owners_inbox_holds_only_their_own_tasks(api, engine, clock):
    adas = ApiInitiative(api, engine, clock, owner="ada")
    bos = ApiInitiative(api, engine, clock, owner="bo")
    for flow in (adas, bos):
        flow.to_exploration()
    mine = api.as_("ada").get("/api/tasks").json
    assert [(t["element_id"], t["instance_id"]) for t in mine] == [("utforska_behov", adas.id)]
    assert [t["instance_id"] for t in api.as_("bo").get("/api/tasks", query_string={"scope": "available"}).json] == [
        bos.id]
    other = bos.task("bo", "utforska_behov")
    assert api.as_("ada").get(f"/api/tasks/{other['id']}/form").status_code == 403
    assert api.as_("ada").post(f"/api/tasks/{other['id']}/claim").status_code == 403


def test_the_nearest_manager_decides_time_and_decision_makers_stand_in_where_there_is_none(api, engine, clock,
                                                                                       person):
    person("maja", ("manager", "SOF"))
    sof = ApiInitiative(api, engine, clock, decider="maja")
    mf = ApiInitiative(api, engine, clock, administration="MF", decider="mf_boss")
    sof.screen()
    mf.screen()
    assert inbox(api, "maja") == ["beslut_tid"] and inbox(api, "maja", instance_id=mf.id) == []
    assert inbox(api, "frida", instance_id=sof.id) == []  # SOF has a manager: not the decision makers' task
    gate = sof.task("maja", "beslut_tid")
    refused = api.as_("frida").post(f"/api/tasks/{gate['id']}/complete",
                                    json={"data": {"time_decision": "go", "time_rationale": "x"}})
    assert refused.status_code == 403 and refused.json["message"] == (
        "task beslut_tid is for the manager of SOF; SOF has one, so its decision_makers do not stand in")
    assert api.as_("ivar").post(f"/api/tasks/{gate['id']}/assign", json={"assignee": "frida"}).status_code == 422
    assert api.as_("ivar").post(f"/api/tasks/{gate['id']}/assign", json={"assignee": "mf_boss"}).status_code == 422
    sof.gate_time("go")
    mf.gate_time("go")  # MF has no manager: its decision maker decides
    assert inbox(api, "ada", instance_id=mf.id) == ["utforska_behov"]
    sof.publish()
    assert sof.public()["status"] == "active"


def test_a_hold_at_the_time_gate_is_lifted_early_by_the_manager(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.screen()
    flow.gate_time("hold", hold_until="2027-06-01")
    assert flow.detail()["initiative_status"] == "on_hold"
    assert [t["element_id"] for t in api.as_("admin").get("/api/timers").json] == ["vanta_beslut_tid"]
    hold = flow.task("frida", "vilande_tid")
    refused = api.as_("mf_boss").post(f"/api/tasks/{hold['id']}/complete", json={"data": {"resume_rationale": "x"}})
    assert refused.status_code == 403
    flow.complete("frida", "vilande_tid", {"resume_rationale": "Budgeten blev klar."})
    assert api.as_("admin").get("/api/timers").json == []
    flow.gate_time("go")
    assert flow.detail()["initiative_status"] == "active"


def test_a_residents_idea_is_worked_by_the_internal_owner_the_coordinator_assigns(api, engine, clock):
    flow = ApiInitiative(api, engine, clock, owner="ada", submitter="resident")
    flow.screen()
    assert inbox(api, "frida", instance_id=flow.id) == []  # no working time to grant
    task = flow.task("ivar", "tilldela_idebarare")
    for who, reason in (("nobody", "'nobody' is not a user"), ("frida", "frida does not hold the role idea_owner")):
        refused = api.as_("ivar").post(f"/api/tasks/{task['id']}/complete", json={"data": {"internal_owner": who}})
        assert refused.status_code == 422, refused.json
        (detail,) = refused.json["details"]
        assert (detail["field"], detail["message"], detail["params"]) == \
            ("/internal_owner", reason + ": the internal owner must be a user who may work as idea owner", {"user": who})
    flow.complete("ivar", "tilldela_idebarare", {"internal_owner": "bo"})
    assert inbox(api, "bo") == ["utforska_behov"] and inbox(api, "ada") == []
    explore = flow.task("bo", "utforska_behov")
    assert api.as_("ada").post(f"/api/tasks/{explore['id']}/claim").status_code == 403
    flow.owner = "bo"
    flow.explore()
    assert inbox(api, "bo", instance_id=flow.id) == ["utforma_upplagg"]


def test_a_screening_rejects_with_a_category_and_the_initiative_is_aborted(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    missing = api.as_("ivar").post(f"/api/tasks/{flow.task('ivar', 'granska_initiativ')['id']}/complete", json={
        "data": {"screening_decision": "reject", "kind": "idedriven", "administration": "SOF",
                 "screening_rationale": "Inget nytt."}})
    assert missing.status_code == 422 and "screening_category" in str(missing.json["details"])
    flow.screen("reject", screening_category="battre_losning")
    flow.lessons("Hänvisad till befintlig tjänst.")  # confirms the screening's reason as the abort's
    assert (flow.detail()["end_element"], flow.detail()["initiative_status"]) == ("slut_avbruten", "aborted")
    assert [(d["gate"], d["decision"], d["category"]) for d in flow.detail()["decisions"]] == [
        ("granskning", "kill", None), ("avbrott", "kill", "battre_losning")]


def test_the_screening_moves_an_initiative_to_another_administrations_people(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)  # submitted for SOF
    flow.screen(administration="FF")
    assert flow.detail()["administration"] == "FF"
    assert inbox(api, "frida", instance_id=flow.id) == []
    assert api.as_("ivar").get(f"/api/instances/{flow.id}").status_code == 403
    assert api.as_("fredrik").get(f"/api/instances/{flow.id}").status_code == 200
