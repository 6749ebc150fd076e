"""The pages show the score the city's way ("uppfyller N av 9", or of 8, with the
recommendation), the assessment history and the decision log; a coordinator assesses
again on a page before beslut pengar, and aborts with one of the city's categories."""
from __future__ import annotations

import re

from innovation.driver import criteria
from tests.api.flows import ApiInitiative
from tests.ui.conftest import text


def test_the_task_page_shows_n_of_9_and_the_recommendation(page, api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.to_exploration()
    flow.explore()
    task = flow.task("ada", "utforma_upplagg")  # the first task after the assessment
    body = text(page("ada").get(f"/tasks/{task['id']}"))
    assert "uppfyller 9 av 9" in body and "Rekommendation: Troligen en möjlig innovation" in body
    assert "Poäng (av 27)" not in body and "27" not in body
    assert "Väntar vid: Utforma upplägg" in body and "utforma_upplagg" not in body  # names, not element ids
    assert "Har teknisk höjd (om teknik inblandat)" in body  # the city's words, from CRITERIA
    english = text(page("ada").get(f"/tasks/{task['id']}?lang=en"))
    assert "meets 9 of 9" in english and "Likely a possible innovation" in english


def test_the_criteria_form_offers_not_applicable_for_technical_height_only(page, api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.to_exploration()
    flow.complete("ada", "utforska_behov", {"need_analysis": "n", "hypothesis": "h", "estimated_value": 1,
                                            "estimated_effects": "e"})
    task = flow.task("ivar", "bedom_kriterier")
    html = page("ivar").get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert html.count('value="ej_tillampligt"') == 1 and 'name="/criteria/technical_height/score"' in html
    assert "Löser ett behov inom ett strategiskt område (utmanar kärnverksamheten" in html
    form = {f"/criteria/{key}/score": "2" for key in criteria()["criteria"]}
    form["/criteria/technical_height/score"] = "ej_tillampligt"
    done = page("ivar").post(f"/tasks/{task['id']}", data=form)
    assert done.status_code == 302, text(done)
    flow.settle()
    assessment = flow.detail()["assessment"]
    assert (assessment["criteria_met"], assessment["applicable"]) == (8, 8)


def test_a_coordinator_assesses_again_on_the_instance_page(page, api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.to_exploration()
    flow.explore()
    ivar = page("ivar")
    assert f"/monitor/instances/{flow.id}/assess" in ivar.get(f"/monitor/instances/{flow.id}").get_data(as_text=True)
    shown = ivar.get(f"/monitor/instances/{flow.id}/assess")
    assert shown.status_code == 200 and "uppfyller 9 av 9" in text(shown)
    form = {f"/criteria/{key}/score": "1" for key in criteria()["criteria"]}
    form["/criteria/technical_height/score"] = "ej_tillampligt"
    saved = ivar.post(f"/monitor/instances/{flow.id}/assess", data=form)
    assert saved.status_code == 302
    body = text(ivar.get(f"/monitor/instances/{flow.id}"))
    assert "Den nya bedömningen är sparad." in body
    assert "uppfyller 0 av 8" in body and "Svagt underlag" in body and "uppfyller 9 av 9" in body  # history
    bad = ivar.post(f"/monitor/instances/{flow.id}/assess", data={"/criteria/strategic_need/score": "2"})
    assert bad.status_code == 422
    assert page("frida").get(f"/monitor/instances/{flow.id}/assess").status_code == 403


def test_after_the_money_decision_the_page_refuses_a_new_assessment(page, api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.to_pilot()
    ivar = page("ivar")
    assert f"/monitor/instances/{flow.id}/assess" not in ivar.get(f"/monitor/instances/{flow.id}").get_data(
        as_text=True)  # no way offered
    refused = ivar.get(f"/monitor/instances/{flow.id}/assess")
    assert refused.status_code == 302
    assert "before beslut pengar" in text(ivar.get(refused.headers["Location"]))


def test_the_instance_page_shows_the_decision_log_with_the_abort_category(page, api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.to_pilot()
    ivar = page("ivar")
    ivar.post(f"/monitor/instances/{flow.id}/abort", data={"category": "ej_implementerad",
                                                           "reason": "Ingen verksamhet tar över."})
    flow.settle()
    body = text(ivar.get(f"/monitor/instances/{flow.id}")).replace("\u00a0", " ")
    assert "Beslutshistorik" in body
    assert "Beslut pengar för SOF: Beviljat – SOF 200 000 kr – Ja. (frida" in body
    assert ("Avbrott för SOF: Avbryts – Inte implementerad i någon av stadens verksamheter – "
            "Ingen verksamhet tar över. (ivar") in body
    lessons = flow.task("ivar", "dokumentera_lardomar")
    form = ivar.get(f"/tasks/{lessons['id']}").get_data(as_text=True)
    assert re.search(r'value="ej_implementerad"[^>]*checked', form)  # prefilled from the abort, to confirm
    assert "Ingen verksamhet tar över.</textarea>" in form
