"""Forms drawn from JSON Schemas and read back, and the caseworker's task page end to end."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import Flask, render_template_string
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from application import accounts
from engine.tables import AuditEntry
from innovation.adapters import ledger_store
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
    posted = MultiDict([("/start_date", "2026-01-01"), ("/estimated_cost", "1 500"),
                        ("/evaluation_interval_days", "30"), ("/test_group", ""),
                        ("_rows:/effect_goals", "0"), ("/effect_goals/0/indicator", "tid"),
                        ("/effect_goals/0/baseline", "abc"), ("_rows:/partners", "0"), ("/partners/0", ""),
                        ("_rows:/requested_funds", "3"), ("/requested_funds/3/administration", "SOF")])
    assert forms.parse(schema, posted) == {
        "start_date": "2026-01-01", "estimated_cost": 1500, "evaluation_interval_days": 30,
        "effect_goals": [{"indicator": "tid", "baseline": "abc"}], "partners": [""],
        "requested_funds": [{"administration": "SOF"}]}
    start, _ = _form("initiative-start")
    assert forms.parse(start, MultiDict([("/idea_owner/name", "Ada")]))["idea_owner"] == {
        "name": "Ada", "show_publicly": False}


def test_fields_follow_the_ui_schema_and_carry_their_errors():
    schema, ui = _form("gate-money")
    fields = forms.build(schema, ui, {"money_amount": 5}, {"/money_amount": "too small", "/money_rationale": "required"})
    assert [f.path for f in fields] == ["/money_decision", "/money_amount", "/money_hold_until", "/money_rationale"]
    decision, amount, until, rationale = fields
    assert decision.kind == "radio" and decision.options[0] == ("grant", "Bevilja hela det äskade beloppet")
    assert rationale.kind == "textarea" and rationale.attrs == {"minlength": 1, "rows": 5}
    assert rationale.error == "required" and rationale.id == "f-money_rationale"
    assert (amount.kind, amount.value, amount.error, amount.attrs) == ("integer", 5, "too small", {"min": 1, "max": 10**9})
    assert until.kind == "date"
    assert forms.summary(fields, ["general"]) == [
        (None, "", "general"), ("f-money_amount", "Beviljat belopp (hela kronor)", "too small"),
        ("f-money_rationale", "Motivering", "required")]
    setup_schema, setup_ui = _form("setup")
    (end,) = [f for f in forms.build(setup_schema, setup_ui, {}) if f.path == "/pilot_end_date"]
    assert end.attrs["data-after"] == "f-start_date"  # the page keeps the end after the start


def test_rows_are_added_and_removed():
    schema, _ = _form("setup")
    data, focus = forms.change_rows(schema, {}, add="/effect_goals")
    assert data == {"effect_goals": [{}]} and focus == "f-effect_goals-0-row"
    data, focus = forms.change_rows(schema, {"partners": ["a", "b"]}, remove="/partners/0")
    assert data == {"partners": ["b"]} and focus == "f-partners"


def test_an_empty_row_stays_when_another_is_added():
    """Adding a row posts the form; the empty partner already there is kept, not dropped."""
    schema, ui = _form("setup")
    posted = MultiDict([("_rows:/partners", "0"), ("/partners/0", ""), ("_add", "/partners")])
    data, focus = forms.change_rows(schema, forms.parse(schema, posted), add="/partners")
    assert data["partners"] == ["", ""] and focus == "f-partners-1-row"
    (partners,) = [f for f in forms.build(schema, ui, data) if f.path == "/partners"]
    assert [(row.id, [child.id for child in row.children]) for row in partners.children] == [
        ("f-partners-0-row", ["f-partners-0"]), ("f-partners-1-row", ["f-partners-1"])]


@pytest.mark.parametrize(("raw", "kind", "value"), [
    ("1 500", "integer", 1500), ("1\u00a0500", "integer", 1500), ("2,5", "number", 2.5), ("-3", "integer", -3),
    ("2,5", "integer", "2,5"), ("1e999", "number", "1e999"), ("nan", "number", "nan"), ("inf", "integer", "inf"),
    ("1_000", "integer", "1_000"), ("9" * 40, "integer", "9" * 40), ("12.0", "integer", 12)])
def test_numbers_are_read_the_swedish_or_english_way_and_nothing_else(raw, kind, value):
    assert forms._number(raw, kind) == value


def _at_money_gate(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.to_exploration()
    flow.explore()
    flow.complete("ada", "utforma_upplagg", setup([("SOF", 200_000)], clock.now().date()))
    return flow, flow.task("frida", "beslut_pengar")


def test_a_decision_maker_decides_on_its_share_beside_its_budget(page, api, engine, clock):
    flow, task = _at_money_gate(api, engine, clock)
    frida = page("frida")
    shown = frida.get(f"/tasks/{task['id']}")
    assert shown.status_code == 200
    body = text(shown)
    assert "Digital lånecykel" in body and "uppfyller 9 av 9" in body and "Beslut tid för SOF: Arbetstid beviljad" in body
    assert "Tidigare svar" in body and "Utforma upplägg" in body
    assert "Budgetläge Skol- och fritidsförvaltningen 2026" in body and "Budgetkontroll per förvaltning" in body
    html = shown.get_data(as_text=True)
    assert re.search(r"<dt>Äskat</dt><dd>200\s000 kr</dd>", html), html
    missing = frida.post(f"/tasks/{task['id']}", data={"/money_decision": "partial", "/money_rationale": "Delvis.",
                                                       "_submit": "1"})
    assert missing.status_code == 422
    html = missing.get_data(as_text=True)
    assert '<p class="error" id="f-money_amount-error">Fältet måste fyllas i.</p>' in html
    beyond = frida.post(f"/tasks/{task['id']}", data={"/money_decision": "partial", "/money_rationale": "Delvis.",
                                                      "/money_amount": "250000", "_submit": "1"})
    assert beyond.status_code == 422 and "mindre än de 200 000 kr som söktes" in text(beyond)
    done = frida.post(f"/tasks/{task['id']}", data=MultiDict([
        ("/money_decision", "grant"), ("/money_rationale", "Ja."), ("_submit", "1")]))
    assert done.status_code == 302 and done.headers["Location"] == "/inbox"
    flow.settle()
    assert flow.detail()["phase"] == "utveckla_pilot"


def test_a_refused_reservation_is_shown_with_its_reason(page, api, engine, clock):
    with engine.db.unit_of_work(write=True) as uow:
        ledger_store.set_budget(uow.session, "SOF", 2026, 50_000)
        uow.commit()
    flow, task = _at_money_gate(api, engine, clock)
    flow.complete("frida", "beslut_pengar", {"money_decision": "grant", "money_rationale": "Ja."})
    again = flow.task("frida", "beslut_pengar")
    body = text(page("frida").get(f"/tasks/{again['id']}"))
    assert "Reservationen nekades: SOF: requested 200000.00 SEK, only 50000.00 SEK available" in body


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
        "/money_decision": "reject", "/money_rationale": "Nej.", "version": "1", "_submit": "1"})
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
    """Each input has a label of its own; ids are unique; every aria-describedby names an
    element on the page; every fieldset has a legend (each list drawn with two rows)."""
    app = Flask(__name__)
    register_ui(app)
    schema, ui = _form(name)
    rows = {key: [{} if sub.get("items", {}).get("type") == "object" else ""] * 2
            for key, sub in schema.get("properties", {}).items() if sub.get("type") == "array"}
    with app.test_request_context("/"):
        html = render_template_string('{% from "ui/form.html" import schema_form %}'
                                      '{{ schema_form("/x", fields, [], "OK") }}',
                                      fields=forms.build(schema, ui, rows))
    inputs = re.findall(r'<(?:input|select|textarea) id="([^"]+)"', html)
    labelled = re.findall(r'<label for="([^"]+)"', html) + re.findall(
        r'<label><input type="(?:radio|checkbox)"[^>]*id="([^"]+)"', html)
    assert inputs and set(inputs) <= set(labelled) and len(labelled) == len(set(labelled))
    every_id = re.findall(r' id="([^"]+)"', html)
    assert len(every_id) == len(set(every_id)), sorted(i for i in every_id if every_id.count(i) > 1)
    assert all(ref in every_id for refs in re.findall(r'aria-describedby="([^"]+)"', html) for ref in refs.split())
    assert html.count("<fieldset") == len(re.findall(r"<fieldset[^>]*>\s*<legend>", html))


def test_a_camunda_form_renders_and_reads_back_typed():
    """camunda:formField fields, translated at deploy (engine/camunda.py), get the same
    labelled inputs and typed reading as a JSON Schema form."""
    from lxml import etree

    from engine.camunda import form_data, form_schema
    task = etree.fromstring((FORMS.parent / "tests" / "fixtures" / "camunda_form.bpmn").read_bytes()).find(
        ".//{http://www.omg.org/spec/BPMN/20100524/MODEL}userTask")
    schema, problems = form_schema(form_data(task))
    assert problems == []
    app = Flask(__name__)
    register_ui(app)
    with app.test_request_context("/"):
        html = render_template_string('{% from "ui/form.html" import schema_form %}'
                                      '{{ schema_form("/x", fields, [], "OK") }}', fields=forms.build(schema, {}, {}))
    for label in ("Item", "Amount (SEK)", "Urgent?", "Needed by", "Category"):
        assert re.search(rf">\s*{re.escape(label)}", html), label
    assert 'type="date"' in html and ">Office</option>" in html
    posted = MultiDict([("/item", "Laptop"), ("/amount", "12000"), ("/urgent", "true"), ("/needed_by", "2026-12-01"),
                        ("/category", "office")])
    assert forms.parse(schema, posted) == {"item": "Laptop", "amount": 12000, "urgent": True,
                                           "needed_by": "2026-12-01", "category": "office"}


def test_initiatives_on_hold_are_listed_with_reason_and_date(page, api, engine, clock):
    flow, task = _at_money_gate(api, engine, clock)
    flow.complete("frida", "beslut_pengar", {"money_decision": "hold", "money_hold_until": "2027-01-15",
                                             "money_rationale": "Inga medel förrän nästa budgetår."})
    shown = page("ivar").get("/on-hold")
    assert shown.status_code == 200
    body = text(shown)
    assert "Digital lånecykel" in body and "SOF: Inga medel förrän nästa budgetår." in body and "2027-01-15" in body
    assert page("ada").get("/on-hold").status_code == 403
    resume = flow.task("ivar", "vilande_pengar")
    assert f'href="/tasks/{resume["id"]}"' in shown.get_data(as_text=True)
    assert "Vilande till 2027-01-15." in text(page("ivar").get(f"/tasks/{resume['id']}"))


def test_a_coordinator_names_the_internal_owner_of_a_residents_idea_on_the_page(page, api, engine, clock):
    flow = ApiInitiative(api, engine, clock, submitter="resident")
    flow.screen()
    task = flow.task("ivar", "tilldela_idebarare")
    ivar = page("ivar")
    unknown = ivar.post(f"/tasks/{task['id']}", data={"/internal_owner": "nobody", "_submit": "1"})
    assert unknown.status_code == 422 and "nobody är ingen användare" in text(unknown)
    assigned = ivar.post(f"/tasks/{task['id']}", data={"/internal_owner": "bo", "_submit": "1"})
    assert assigned.status_code == 302
    assert "Utforska behov och idé" in text(page("bo").get("/inbox"))
    assert "Utforska behov och idé" not in text(page("ada").get("/inbox"))


def test_a_task_held_by_someone_else_offers_no_submit(page, api, engine, clock):
    """The server refuses a form from anyone but the holder, so the page offers none (nor a claim)."""
    with engine.db.unit_of_work(write=True) as uow:  # a second coordinator of SOF
        accounts.add_user(uow.session, "kim")
        accounts.grant(uow.session, "kim", "coordinator", "SOF")
        uow.commit()
    flow = ApiInitiative(api, engine, clock)
    task = flow.task("ivar", "granska_initiativ")
    kim = page("kim")
    assert 'name="_submit"' in kim.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert page("ivar").post(f"/tasks/{task['id']}/claim").status_code == 302
    seen = kim.get(f"/tasks/{task['id']}")
    html = seen.get_data(as_text=True)
    assert seen.status_code == 200 and 'name="_submit"' not in html and "/claim" not in html
    assert "ivar har tagit uppgiften; bara den som har uppgiften kan skicka in formuläret." in text(seen)
    refused = kim.post(f"/tasks/{task['id']}", data={"/screening_decision": "reject", "_submit": "1"})
    assert refused.status_code == 409  # what the page no longer offers, the server refuses
