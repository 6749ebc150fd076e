"""A whole initiative driven only through the HTTP API by the three roles."""
from __future__ import annotations

from tests.api.flows import ApiInitiative


def test_submission_to_realised(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.to_pilot()
    flow.evaluate("continue", [("SOF", 50_000)])
    flow.evaluate("scale", [("SOF", 60_000)])
    flow.complete("ada", "forbered_skalning", {
        "pilot_results": "r", "development_proposal": "p",
        "receiving_organisation": {"administration": "SOF", "unit": "IT"},
        "benefit_realisation": {"yearly_value": 100, "yearly_cost": 10}})
    flow.complete("frida", "beslut_skala_upp", {"scale_decision": "scale", "scale_rationale": "Värde visat."})
    detail = flow.detail()
    assert (detail["status"], detail["end_element"], detail["initiative_status"]) == (
        "completed", "slut_realiserad", "realised")
    public = api.as_(None).get(f"/api/public/initiatives/{flow.id}").json
    assert public["status"] == "realised" and public["effect_goals"][0]["latest_value"] == 2.0
    actors = {h["actor"] for h in api.as_("admin").get(f"/api/instances/{flow.id}/history").json}
    assert {"ada", "ivar", "frida"} <= actors


def test_submission_to_aborted(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.to_pilot()
    flow.abort("kostnad_effekt", "Ingen effekt.")
    flow.lessons("Mät tidigare.")
    detail = flow.detail()
    assert (detail["end_element"], detail["initiative_status"]) == ("slut_avbruten", "aborted")
    assert api.as_(None).get(f"/api/public/initiatives/{flow.id}").json["lessons_learned"] == ["Mät tidigare."]
