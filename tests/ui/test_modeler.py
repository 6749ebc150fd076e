"""The modeler's server side: review against the running version, deploy, form validation."""
from __future__ import annotations

from dataclasses import replace

from application.settings import ROOT
from engine.queries import definition_by_id
from engine.versions import canonical
from tests.conftest import FIXTURES
from tests.ui.conftest import text

DIAGRAM = (ROOT / "processes" / "innovation.bpmn").read_text(encoding="utf-8")
CONDITION = 'time_decision == "recycle"'
FLOW = "flow_tid_vagval__granska_samman"


def test_the_modeler_opens_any_deployed_version(page, engine):
    owner = page("owner")
    body = owner.get("/modeler").get_data(as_text=True)
    assert "bpmn-modeler.production.min.js" in body and "innovation v1" in body
    assert '"innovation.score"' in body and 'id="element-picker"' in body
    definition = engine.definitions("innovation")[0]
    assert owner.get(f"/modeler/definitions/{definition['id']}.xml").get_data(as_text=True) == DIAGRAM
    assert owner.get(f"/modeler/forms/gate-time.schema.json?definition={definition['id']}").json["title"] == \
        "Beslut tid / Gate: time"


def test_review_shows_only_real_changes(page):
    owner = page("owner")
    reformatted = DIAGRAM.replace('"/>', '" />')
    same = owner.post_json("/modeler/diff", {"xml": reformatted}).json["processes"][0]
    assert (same["added"], same["removed"], same["changed"], same["forms_changed"]) == ([], [], [], [])
    edited = owner.post_json("/modeler/diff", {"xml": DIAGRAM.replace(CONDITION, 'time_decision == "again"'),
                                               "forms": {"gate-time.uischema.json": "{}"}}).json["processes"][0]
    assert [c["element_id"] for c in edited["changed"]] == [FLOW]
    assert edited["forms_changed"] == ["gate-time.uischema.json"] and edited["against"]["version"] == 1
    assert owner.post_json("/modeler/diff", {"xml": "<not xml"}).status_code == 422


def test_deploy_refuses_with_problems_at_elements_then_accepts(page, engine):
    owner = page("owner")
    refused = owner.post_json("/modeler/deploy", {"xml": DIAGRAM.replace(CONDITION, "time_decision =="),
                                                  "filename": "innovation.bpmn"})
    assert refused.status_code == 422
    assert [(p["element_id"], p["element_name"]) for p in refused.json["details"]] == [(FLOW, "Granska igen")]
    accepted = owner.post_json("/modeler/deploy", {"xml": DIAGRAM.replace(CONDITION, 'time_decision in ("recycle",)'),
                                                   "filename": "innovation.bpmn"})
    assert accepted.status_code == 201 and accepted.json["deployed"][0]["version"] == 2
    assert engine.definitions("innovation")[-1]["deployed_by"] == "owner"


def test_an_edited_form_goes_with_the_deployment(page, engine):
    owner = page("owner")
    broken = owner.post_json("/modeler/forms/validate", {"name": "gate-time.schema.json", "text": '{"type": 1'})
    assert broken.json["problems"] == [{"message": "Expecting ',' delimiter", "line": 1, "column": 11}]
    invalid = owner.post_json("/modeler/forms/validate", {"name": "gate-time.schema.json", "text": '{"type": 1}'})
    assert invalid.json["problems"][0]["message"].startswith("not a valid JSON Schema at type")
    ui = '{"ui:order": ["time_decision", "time_rationale", "hold_until"]}'
    assert owner.post_json("/modeler/forms/validate", {"name": "gate-time.uischema.json", "text": ui}).json == \
        {"problems": []}
    deployed = owner.post_json("/modeler/deploy", {"xml": DIAGRAM, "forms": {"gate-time.uischema.json": ui}})
    assert deployed.status_code == 201
    latest = engine.definitions("innovation")[-1]
    with engine.db.unit_of_work() as uow:
        assert definition_by_id(uow.session, latest["id"]).forms["gate-time.uischema.json"] == {
            "ui:order": ["time_decision", "time_rationale", "hold_until"]}


def test_canonical_form_ignores_formatting_but_not_content():
    assert canonical(DIAGRAM) == canonical(DIAGRAM.replace('"/>', '" />').replace("  <", "    <"))
    assert canonical(DIAGRAM) != canonical(DIAGRAM.replace(CONDITION, 'time_decision == "x"'))


def test_a_diagram_deployed_with_its_decision_is_deployed_again_with_it(page, engine):
    bundle = {p.name: p.read_bytes() for p in sorted((FIXTURES / "bundle").iterdir())}
    engine.deploy_bundle(bundle, deployed_by="owner")
    renamed = bundle["order.bpmn"].decode().replace('name="Look up the discount"', 'name="Find the discount"')
    deployed = page("owner").post_json("/modeler/deploy", {"xml": renamed, "filename": "order.bpmn"})
    assert deployed.status_code == 201, deployed.json
    order = next(d for d in deployed.json["deployed"] if d["process_key"] == "order")
    assert (order["version"], order["files"]) == (2, ["discount.dmn", "shipping.bpmn"])


def test_a_process_owner_saves_a_version_into_processes_only_from_a_writable_checkout(page, app, engine, tmp_path):
    [running] = engine.definitions("innovation")
    owner = page("owner")
    shown = owner.get("/modeler").get_data(as_text=True)
    assert "Spara v1 i processes/" in shown and "disabled aria-describedby=\"export-hint\"" in shown
    refused = owner.post(f"/modeler/definitions/{running['id']}/export", follow_redirects=True)
    assert "inte från en skrivbar utcheckning" in text(refused)
    assert page("ada").post(f"/modeler/definitions/{running['id']}/export").status_code == 403
    settings = app.extensions["settings"]
    app.extensions["settings"] = replace(settings, checkout_writable=True, processes_dir=tmp_path)
    try:
        assert 'disabled aria-describedby="export-hint"' not in owner.get("/modeler").get_data(as_text=True)
        saved = owner.post(f"/modeler/definitions/{running['id']}/export", follow_redirects=True)
    finally:
        app.extensions["settings"] = settings
    assert f"Versionen sparades i {tmp_path.name}/innovation.bpmn." in text(saved)
    assert (tmp_path / "innovation.bpmn").read_text(encoding="utf-8") == DIAGRAM
    assert engine.definitions("innovation")[0]["source"]["path"] == str(tmp_path / "innovation.bpmn")
