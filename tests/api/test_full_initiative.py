"""A whole initiative driven only through the HTTP API by the three roles."""
from __future__ import annotations

from tests.api.flows import ApiInitiative


def test_submission_to_realised(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.to_pilot()
    flow.publish()  # once, in the pilot: the facts follow from here on
    flow.evaluate("continue", [("SOF", 50_000)])
    flow.evaluate("scale", [("SOF", 60_000)])
    flow.scale_up()
    assert flow.detail()["initiative_status"] == "realised"  # in use: realised, its benefit still followed up
    flow.follow_up()
    flow.follow_up()
    detail = flow.detail()
    assert (detail["status"], detail["end_element"], detail["initiative_status"]) == (
        "completed", "slut_realiserad", "realised")
    public = flow.public()
    assert public["status"] == "realised" and public["impact_goals"][0]["latest"] == 4.5  # the last follow-up
    assert (public["progress"], public["phase_reached"]) == (100, "skala")
    assert [line["amount"] for line in public["funds_used"]] == ["50000.00", "60000.00"]
    actors = {h["actor"] for h in api.as_("admin").get(f"/api/instances/{flow.id}/history").json}
    assert {"ada", "ivar", "frida"} <= actors


def test_submission_to_aborted(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.to_pilot()
    flow.publish()
    flow.abort("kostnad_effekt", "Ingen effekt.")
    flow.lessons("Mät tidigare.")
    detail = flow.detail()
    assert (detail["end_element"], detail["initiative_status"]) == ("slut_avbruten", "aborted")
    public = flow.public()  # how far it got follows at once; the lesson waits for its review
    assert (public["status"], public["progress"], public["phase_reached"]) == ("aborted", -1, "utveckla_pilot")
    assert public["lessons_learned"] == []
    review = api.as_("ivar").get(f"/api/publications/{flow.id}").json
    assert review["candidates"]["lessons_learned"] == ["Mät tidigare."]
    flow.publish(lessons_learned=review["candidates"]["lessons_learned"])
    assert flow.public()["lessons_learned"] == ["Mät tidigare."]
