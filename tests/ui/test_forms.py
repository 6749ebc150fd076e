"""Forms drawn from JSON Schemas and read back, and the caseworker's task page end to end."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import Flask, render_template_string
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from engine.tables import AuditEntry
from innovation.driver import setup
from tests.api.flows import ApiInitiative
from tests.ui.conftest import text
from ui import forms, register_ui

FORMS = Path(__file__).resolve().parents[2] / "forms"


def _form(name):
    return (json.loads((FORMS / f"{name}.schema.json").read_text()),
            json.loads((FORMS / f"{name}.uischema.json").read_text()))


def test_posted_fields_become_typed_data():
    schema, _ = _form("setup")
    posted = MultiDict([("/start_date", "2026-01-01"), ("/estimated_cost", "1 500,5"),
                        ("/evaluation_interval_days", "30"), ("/test_group", ""),
                        ("_rows:/effect_goals", "0"), ("/effect_goals/0/indicator", "tid"),
                        ("/effect_goals/0/baseline", "abc"), ("_rows:/partners", "0"), ("/partners/0", ""),
                        ("_rows:/requested_funds", "3"), ("/requested_funds/3/administration", "SOF")])
    assert forms.parse(schema, posted) == {
        "start_date": "2026-01-01", "estimated_cost": 1500.5, "evaluation_interval_days": 30,
        "effect_goals": [{"indicator": "tid", "baseline": "abc"}], "partners": [],
        "requested_funds": [{"administration": "SOF"}]}
    start, _ = _form("initiative-start")
    assert forms.parse(start, MultiDict([("/idea_owner/name", "Ada")]))["idea_owner"] == {
        "name": "Ada", "show_publicly": False}


def test_fields_follow_the_ui_schema_and_carry_their_errors():
    schema, ui = _form("gate-money")
    fields = forms.build(schema, ui, {"grants": [{"administration": "SOF", "amount": 5}]},
                         {"/grants/0/amount": "too small", "/money_rationale": "required"})
    assert [f.path for f in fields] == ["/money_decision", "/money_rationale", "/grants"]
    decision, rationale, grants = fields
    assert decision.kind == "radio" and decision.options[0] == ("grant", "Bevilja")
    assert rationale.kind == "textarea" and rationale.attrs == {"minlength": 1, "rows": 5}
    assert rationale.error == "required" and rationale.id == "f-money_rationale"
    amount = grants.children[0].children[1]
    assert (amount.path, amount.kind, amount.value, amount.error) == ("/grants/0/amount", "number", 5, "too small")
    assert forms.summary(fields, ["general"]) == [
        (None, "", "general"), ("f-money_rationale", "Motivering", "required"),
        ("f-grants-0-amount", "Belopp (kr)", "too small")]


def test_rows_are_added_and_removed():
    schema, _ = _form("setup")
    data, focus = forms.change_rows(schema, {}, add="/effect_goals")
    assert data == {"effect_goals": [{}]} and focus == "/effect_goals/0"
    data, focus = forms.change_rows(schema, {"partners": ["a", "b"]}, remove="/partners/0")
    assert data == {"partners": ["b"]} and focus == "/partners"


def _at_money_gate(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.to_exploration()
    flow.explore()
    flow.complete("ada", "utforma_upplagg", setup([("SOF", 200_000)], clock.now().date()))
    return flow, flow.task("frida", "beslut_pengar")


def test_a_decision_maker_grants_funds_through_the_form(page, api, engine, clock):
    flow, task = _at_money_gate(api, engine, clock)
    frida = page("frida")
    shown = frida.get(f"/tasks/{task['id']}")
    assert shown.status_code == 200
    body = text(shown)
    assert "Digital lånecykel" in body and "Poäng (av 27)" in body and "Beslut tid: Kör" in body
    assert "Tidigare svar" in body and "Utforma upplägg" in body
    missing = frida.post(f"/tasks/{task['id']}", data={"/money_decision": "grant", "/money_rationale": "Ja.",
                                                       "_submit": "1"})
    assert missing.status_code == 422
    html = missing.get_data(as_text=True)
    assert '<p class="error" id="f-grants-error">Fältet måste fyllas i.</p>' in html
    assert '<a href="#f-grants">Beviljade medel: Fältet måste fyllas i.</a>' in html
    added = frida.post(f"/tasks/{task['id']}", data={"/money_decision": "grant", "/money_rationale": "Ja.",
                                                     "_add": "/grants"})
    assert 'data-focus-within="f-grants-0"' in added.get_data(as_text=True)
    assert 'checked' in added.get_data(as_text=True)
    done = frida.post(f"/tasks/{task['id']}", data=MultiDict([
        ("/money_decision", "grant"), ("/money_rationale", "Ja."), ("_rows:/grants", "0"),
        ("/grants/0/administration", "SOF"), ("/grants/0/amount", "150000"), ("_submit", "1")]))
    assert done.status_code == 302 and done.headers["Location"] == "/inbox"
    flow.settle()
    assert flow.detail()["phase"] == "utveckla_pilot"


def test_claim_unclaim_and_who_may_see_a_task(page, api, engine, clock):
    flow, task = _at_money_gate(api, engine, clock)
    assert page("mf_boss").get(f"/tasks/{task['id']}").status_code == 403
    assert page("ada").post(f"/tasks/{task['id']}/claim").status_code == 403
    frida = page("frida")
    assert frida.post(f"/tasks/{task['id']}/claim").status_code == 302
    assert "Tagen av" in text(frida.get("/inbox?scope=mine")) and "frida" in text(frida.get("/inbox?scope=mine"))
    assert frida.post(f"/tasks/{task['id']}/unclaim", data={"back": "task"}).headers["Location"].endswith(task["id"])
    with engine.db.unit_of_work() as uow:
        actions = uow.session.scalars(select(AuditEntry.action).where(AuditEntry.instance_id == flow.id)).all()
    assert {"task_claimed", "task_unclaimed", "access_denied"} <= set(actions)


def test_a_stale_form_is_refused_with_a_message(page, api, engine, clock):
    flow, task = _at_money_gate(api, engine, clock)
    stale = page("frida").post(f"/tasks/{task['id']}", data={
        "/money_decision": "kill", "/money_rationale": "Nej.", "version": "1", "_submit": "1"})
    assert stale.status_code == 409 and "Initiativet ändrades medan du fyllde i" in text(stale)


def test_an_idea_owner_submits_a_new_initiative(page, engine):
    ada = page("ada")
    assert "Nytt initiativ" in text(ada.get("/initiatives/new"))
    invalid = ada.post("/initiatives/new", data={"/title": "Cykel", "/idea_owner/email": "inte-en-adress",
                                                 "_submit": "1"})
    assert invalid.status_code == 422 and "Ange en e-postadress." in text(invalid)
    done = ada.post("/initiatives/new", data={
        "/title": "Cykel", "/kind": "idedriven", "/description": "d", "/need": "n", "/strategic_area": "s",
        "/administration": "SOF", "/submitter": "employee", "/idea_owner/name": "Ada",
        "/idea_owner/email": "ada@helsingborg.se", "_submit": "1"})
    assert done.status_code == 302
    assert "Granska initiativ" in text(page("ivar").get("/inbox"))  # the screening is the coordinator's
    assert "Granska initiativ" not in text(ada.get("/inbox"))
    assert page("ivar").get("/initiatives/new").status_code == 403


@pytest.mark.parametrize("name", sorted(p.name.removesuffix(".schema.json") for p in FORMS.glob("*.schema.json")))
def test_every_form_in_forms_renders_with_labels_and_descriptions(name):
    """Each input has a label; every aria-describedby names an element on the page."""
    app = Flask(__name__)
    register_ui(app)
    schema, ui = _form(name)
    with app.test_request_context("/"):
        html = render_template_string('{% from "ui/form.html" import schema_form %}'
                                      '{{ schema_form("/x", fields, [], "OK") }}', fields=forms.build(schema, ui, {}))
    inputs = re.findall(r'<(?:input|select|textarea) id="([^"]+)"', html)
    labelled = set(re.findall(r'<label for="([^"]+)"', html)) | set(
        re.findall(r'<label><input type="(?:radio|checkbox)"[^>]*id="([^"]+)"', html))
    assert inputs and set(inputs) <= labelled
    ids = set(re.findall(r' id="([^"]+)"', html))
    assert all(ref in ids for refs in re.findall(r'aria-describedby="([^"]+)"', html) for ref in refs.split())


def test_a_coordinator_names_the_internal_owner_of_a_residents_idea_on_the_page(page, api, engine, clock):
    flow = ApiInitiative(api, engine, clock, submitter="resident")
    flow.screen()
    task = flow.task("ivar", "tilldela_idebarare")
    ivar = page("ivar")
    unknown = ivar.post(f"/tasks/{task['id']}", data={"/internal_owner": "nobody", "_submit": "1"})
    assert unknown.status_code == 422 and "nobody&#39; is not a user" in unknown.get_data(as_text=True)
    assigned = ivar.post(f"/tasks/{task['id']}", data={"/internal_owner": "bo", "_submit": "1"})
    assert assigned.status_code == 302
    assert "Utforska behov och idé" in text(page("bo").get("/inbox"))
    assert "Utforska behov och idé" not in text(page("ada").get("/inbox"))
