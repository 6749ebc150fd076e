"""Over the HTTP API: aborts carry one of the city's categories into the decision log,
the criteria may be assessed again before beslut pengar with every assessment kept, and
the instance shows "uppfyller N av 9" (or of 8) with its recommendation."""
from __future__ import annotations

import pytest

from application import accounts as users
from innovation.driver import criteria, setup
from tests.api.flows import ApiInitiative


@pytest.fixture
def kim(engine, api):
    """A second innovationsledare, so two assessors can score one initiative."""
    with engine.db.unit_of_work(write=True) as uow:
        users.add_user(uow.session, "kim")
        users.grant(uow.session, "kim", "coordinator", "SOF")
        api.tokens["kim"] = users.issue_token(uow.session, "kim")
        uow.commit()
    return "kim"


def test_an_abort_with_a_category_is_in_the_decision_log(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.to_pilot()
    aborted = flow.abort("battre_losning", "Ett nationellt system ersätter piloten.").json
    assert aborted["decisions"][-1] == {
        "gate": "avbrott", "decision": "kill", "rationale": "Ett nationellt system ersätter piloten.",
        "decided_by": "ivar", "decided_at": aborted["decisions"][-1]["decided_at"], "administration": "SOF",
        "amounts": {}, "category": "battre_losning"}
    flow.lessons("Bevaka nationella initiativ.")
    detail = flow.detail()
    assert detail["initiative_status"] == "aborted"
    assert [(d["gate"], d["decision"], d["decided_by"], d["administration"], d["category"])
            for d in detail["decisions"]] == [
        ("granskning", "go", "ivar", "SOF", None), ("tid", "go", "frida", "SOF", None),
        ("pengar", "go", "frida", "SOF", None),
        ("avbrott", "kill", "ivar", "SOF", "battre_losning")]  # confirmed with the lessons: logged once
    assert detail["decisions"][2]["amounts"] == {"SOF": "200000.00"}


def test_a_stop_decision_gets_its_category_with_the_lessons(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.to_pilot()
    flow.evaluate("stop", [("SOF", 10_000)])
    flow.lessons("Effekten uteblev.", category="kostnad_effekt", reason="Kostnaden var för hög för effekten.")
    decisions = flow.detail()["decisions"]
    assert [(d["gate"], d["decision"], d["decided_by"], d["category"]) for d in decisions][3:] == [
        ("pilot", "kill", "ada", None), ("avbrott", "kill", "ivar", "kostnad_effekt")]


@pytest.mark.parametrize("body, field", [
    ({"reason": "Ingen effekt."}, "/category"),
    ({"category": "tråkigt", "reason": "Ingen effekt."}, "/category"),
    ({"category": "annat", "reason": ""}, "/reason"),
])
def test_an_abort_without_a_known_category_or_a_reason_is_refused(api, engine, clock, body, field):
    flow = ApiInitiative(api, engine, clock)
    response = api.as_("ivar").post(f"/api/instances/{flow.id}/abort", json=body)
    assert response.status_code == 422 and [d["field"] for d in response.json["details"]] == [field]
    assert flow.detail()["status"] == "running" and flow.detail()["decisions"] == []


def test_rescoring_before_the_money_decision_keeps_every_assessment(api, engine, clock, kim):
    flow = ApiInitiative(api, engine, clock)
    flow.to_exploration()
    flow.explore()  # ivar scores 3 on all nine
    first = flow.detail()["assessment"]
    assert (first["criteria_met"], first["applicable"], first["recommendation"], first["assessed_by"]) == (
        9, 9, "go", "ivar")
    again = criteria(1)
    again["criteria"]["technical_height"] = {"score": "ej_tillampligt", "comment": "Ingen teknik."}
    again["criteria"]["strategic_need"]["score"] = 2
    response = api.as_(kim).post(f"/api/instances/{flow.id}/assessments", json=again)
    assert response.status_code == 201, response.json
    latest = response.json["assessment"]
    assert (latest["criteria_met"], latest["applicable"], latest["recommendation"], latest["assessed_by"]) == (
        1, 8, "weak", "kim")
    assert latest["breakdown"]["technical_height"]["score"] == "ej_tillampligt"
    assert [(a["assessed_by"], a["criteria_met"], a["applicable"]) for a in response.json["assessments"]] == [
        ("ivar", 9, 9), ("kim", 1, 8)]
    history = api.as_("admin").get(f"/api/instances/{flow.id}/history").json
    assert [h["actor"] for h in history if h["action"] == "criteria_reassessed"] == ["kim"]
    assert flow.detail()["data"]["criteria"]["strategic_need"]["score"] == 3  # the process data is untouched


def test_rescoring_is_refused_after_the_money_decision_and_for_bad_input(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.to_exploration()
    flow.explore()
    bad = criteria(2)
    bad["criteria"]["data_driven"]["score"] = "ej_tillampligt"  # only teknisk höjd may not apply
    refused = api.as_("ivar").post(f"/api/instances/{flow.id}/assessments", json=bad)
    assert refused.status_code == 422
    assert {d["field"] for d in refused.json["details"]} == {"/criteria/data_driven/score"}
    missing = api.as_("ivar").post(f"/api/instances/{flow.id}/assessments", json={"criteria": {}})
    assert missing.status_code == 422 and len(missing.json["details"]) == 9
    assert api.as_("frida").post(f"/api/instances/{flow.id}/assessments", json=criteria(2)).status_code == 403
    flow.complete("ada", "utforma_upplagg", setup([("SOF", 100_000)], clock.now().date()))
    flow.complete("frida", "beslut_pengar", {"money_decision": "grant", "money_rationale": "Ja."})
    late = api.as_("ivar").post(f"/api/instances/{flow.id}/assessments", json=criteria(2))
    assert late.status_code == 409 and "before beslut pengar" in late.json["message"]
    assert len(flow.detail()["assessments"]) == 1
    assert api.as_("ivar").post("/api/instances/nope/assessments", json=criteria(2)).status_code == 404


@pytest.mark.parametrize("criteria_body", [
    {"strategic_need": {"score": 2, "comment": "nu\u0000ll"}},
    {"strategic_need": {"score": 2, "comment": "x" * 2001}},
    [1, 2],
    "alla",
])
def test_hostile_assessments_get_a_clear_error(api, engine, clock, criteria_body):
    flow = ApiInitiative(api, engine, clock)
    response = api.as_("ivar").post(f"/api/instances/{flow.id}/assessments", json={"criteria": criteria_body})
    assert response.status_code == 422 and response.json["details"], response.json
    assert flow.detail()["assessments"] == []
