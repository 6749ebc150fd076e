"""A whole initiative driven only through the HTTP API by the three roles."""
from __future__ import annotations

from tests.api.flows import ApiInitiative


def test_submission_to_realised(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.to_pilot()
    flow.evaluate("continue", [("SOF", 50_000)])
    flow.evaluate("scale", [("SOF", 60_000)])
    flow.scale_up()
    assert flow.detail()["initiative_status"] == "realised"  # in use: realised, its benefit still followed up
    flow.follow_up()
    flow.follow_up()
    detail = flow.detail()
    assert (detail["status"], detail["end_element"], detail["initiative_status"]) == (
        "completed", "slut_realiserad", "realised")
    public = api.as_(None).get(f"/api/public/initiatives/{flow.id}").json
    assert public["status"] == "realised" and public["effect_goals"][0]["latest_value"] == 4.5  # the last follow-up
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
