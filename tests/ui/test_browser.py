"""The web UI in a real browser against the running service (tests/ui/live.py), every page
checked with axe-core for WCAG 2.1 A/AA violations.

Each test runs one scenario of tests/ui/scenarios.mjs (Node + playwright-core + Debian
Chromium). Without node, web/node_modules or Chromium the tests skip with the reason, except
under CI=true, where they fail instead.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

from application import notifications
from application import portfolio as queries
from engine import assignment, versions
from engine.validation import NS, FormSource, validate
from engine.versions import canonical
from innovation.adapters.open_data import FIELDS
from innovation.domain.scoring import CRITERIA
from tests.publishing import publish
from tests.ui.live import start_live

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).resolve().parent / "scenarios.mjs"
TIMEOUT_S = 90
FLOW = "flow_tid_vagval__ide_samman"


@pytest.fixture(scope="module")
def live(node, sqlite_states, tmp_path_factory):
    service, stop = start_live(sqlite_states.fresh("migrated", tmp_path_factory.mktemp("ui") / "ui.db"))
    yield service
    stop()


def run(node: str, live, scenario: str, **config) -> dict:
    """Run one scenario; it must finish, and no page it saw may break a WCAG 2.1 A/AA rule."""
    env = {**os.environ, "UI_TEST_CONFIG": json.dumps({"url": live.url, "passwords": live.passwords, **config})}
    proc = subprocess.Popen([node, str(SCRIPT), scenario], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.terminate()  # playwright closes Chromium on SIGTERM
        out, err = proc.communicate(timeout=15)
        pytest.fail(f"{scenario} did not finish in {TIMEOUT_S} s: {err[-2000:]}")
    lines = out.strip().splitlines()
    report = json.loads(lines[-1]) if lines else {"error": err}
    assert proc.returncode == 0 and report.get("ok"), f"{scenario}: {report.get('error')}\n{err[-2000:]}"
    assert report["violations"] == [], json.dumps(report["violations"], indent=1, ensure_ascii=False)
    assert not report.get("pageErrors"), report["pageErrors"]
    return report


def test_caseworker_submits_an_initiative_and_completes_a_form(node, live):
    title = "Lånecykel på biblioteket"
    submitted = run(node, live, "submission", title=title)
    assert submitted["pages"] == ["login", "new initiative", "inbox"]
    with live.engine.db.unit_of_work() as uow:
        [started] = queries.instance_page(uow.session, q=title)["items"]
    live.to_exploration(started["id"])
    report = run(node, live, "caseworker")
    assert report["pages"] == ["login", "inbox", "task form", "task form with errors", "inbox after completing"]
    assert report["clientError"] == "Fältet måste fyllas i."
    assert report["invalidMarked"] == "true" and "error-summary" in report["focusAfterError"]
    assert report["flash"].startswith("Klart: Utforska behov och idé")
    assert started["started_by"] == "ada"
    live.wait_for(started["id"], "bedom_kriterier")


PHONE = 390


def test_task_diagram_opens_on_the_task_and_rows_survive(node, live):
    """The set-up task's diagram opens zoomed on the task (readable, not a thumbnail of the whole
    process), zooms by keys and buttons; an empty partner row stays when another is added; at
    390 px neither the task page nor the inbox is wider than the screen."""
    instance = live.start("Läsbara diagram")
    live.explore(instance)
    task = live.wait_for(instance, "utforma_upplagg")
    report = run(node, live, "readable", task=task["id"], element="utforma_upplagg")
    opened = report["opened"]
    assert opened["zoom"] >= 1 and opened["inside"], opened
    assert report["afterMinus"] < opened["zoom"] < report["afterPlus"]
    assert report["fitted"]["zoom"] < 1 and report["back"] == opened  # "back to where it stands"
    assert report["buttonOut"] < opened["zoom"]
    assert report["toolNames"] == ["Till nuvarande läge", "Zooma in", "Zooma ut", "Hela processen"]
    assert report["pages"] == ["login", "set-up task", "set-up task after zooming", "set-up task at 390 px",
                               "inbox at 390 px"]
    assert report["narrowOpened"]["zoom"] >= 1 and report["narrowOpened"]["inside"]
    assert all(isinstance(width, int) and width <= PHONE for width in report["narrow"].values()), report["narrow"]
    report = run(node, live, "rows", task=task["id"])
    assert report["pages"] == ["login", "set-up task with rows"]
    assert report["focusAfterAdd"] == "f-partners-0"
    assert report["partnerRows"] == 2 and report["partnerInputs"] == [["f-partners-0", True], ["f-partners-1", True]]
    assert report["partnersKept"] == ["", "Biblioteket"] and report["partnersAfterRemove"] == ["Biblioteket"]


def test_instance_diagram_opens_where_it_waits_and_fits_a_phone(node, live):
    """An admin's instance page opens on the waiting task and offers what a running instance
    allows; the instance page, the inbox and the modeler fit a 390 px phone."""
    instance = live.start("Smal skärm")
    live.to_exploration(instance)
    live.wait_for(instance, "utforska_behov")
    report = run(node, live, "narrowAdmin", instance=instance, current=["utforska_behov"])
    assert report["opened"]["zoom"] >= 1 and report["opened"]["inside"], report["opened"]
    assert report["buttons"] == ["Pausa", "Avsluta"], report["buttons"]
    assert all(isinstance(width, int) and width <= PHONE for width in report["narrow"].values()), report["narrow"]


def test_decision_maker_grants_funds(node, live):
    instance = live.to_money_gate("Digital lånecykel")
    task = live.wait_for(instance, "beslut_pengar")
    report = run(node, live, "decision", task=task["id"])
    assert report["pages"] == ["login", "money gate", "money gate with a server error"]
    assert report["serverError"] == "Fältet måste fyllas i." and "error-summary" in report["focusAfterError"]
    assert "Äskat" in report["budget"] and "Tillgängligt" in report["budget"]  # SOF's budget beside the form
    assert report["flash"].startswith("Klart: Beslut pengar")
    live.until(lambda: any(e["element_id"] == "utveckla_pilot"
                           for e in live.engine.instance(instance)["active_elements"]), "the pilot to start")


def test_pages_speak_the_users_words(node, live):
    """The earlier answers (every step opened) wrap inside the panel, and they, the instance
    page and its history show names, labels and sentences: no element id, form key or worker."""
    from tests.ui.test_words import raw_words
    instance = live.to_money_gate("Ord som användaren känner igen")
    task = live.wait_for(instance, "beslut_pengar")
    report = run(node, live, "words", task=task["id"], instance=instance)
    assert report["pages"] == ["login", "task with the earlier answers open", "login", "instance with its history"]
    assert report["cutOff"] == 0
    assert "Äskade medel" in report["answers"] and "200\xa0000 kr" in report["answers"]
    assert "Frida (närmaste chef)" in report["history"] and "Beslut tid: Kör – tid beviljas" in report["history"]
    assert "systemet" in report["history"] and "Poängen beräknades: 27 av 27" in report["history"]
    assert raw_words(report["answers"]) == raw_words(report["history"]) == raw_words(report["instance"]) == []


def test_admin_retries_an_incident(node, live):
    instance = live.start("Trasig poängsättning", key="incident-1")
    live.explore(instance)
    live.until(lambda: [j["state"] for j in live.engine.instance(instance)["jobs"]] == ["incident"], "the incident")
    report = run(node, live, "incident", instance=instance)
    assert report["pages"] == ["login", "instances with an incident", "instance with an incident",
                               "instance after the retry", "instances filtered", "activity heatmap",
                               "portfolio dashboard"]
    assert report["incidentShown"] >= 1 and report["failedMarked"] >= 1
    assert report["flash"] == "Anropet körs igen." and report["nextTaskShown"] >= 1
    assert report["badges"] >= 1
    assert live.engine.instance(instance)["jobs"] == []


def test_coordinator_assesses_again_and_aborts_with_a_category(node, live):
    instance = live.start("Smart snöröjning", key="rescoring-1")
    live.explore(instance)
    live.wait_for(instance, "utforma_upplagg")
    report = run(node, live, "rescoring", instance=instance, criteria=[c.key for c in CRITERIA])
    assert report["pages"] == ["login", "instance with its assessment", "criteria form",
                               "instance after the new assessment", "instance with the abort in the decision log"]
    assert report["before"].startswith("uppfyller 9 av 9")
    assert report["flash"] == "Den nya bedömningen är sparad."
    assert report["after"].startswith("uppfyller 8 av 8") and "(Ivar" in report["after"]
    assert "Avbryts – En annan, bättre lösning har hittats – Ett nationellt system ersätter idén. (Ivar" \
        in report["logged"]
    with live.engine.reading() as session:
        detail = queries.with_initiative(session, live.engine.instance(instance))
    assert [(a["assessed_by"], a["applicable"]) for a in detail["assessments"]] == [("ivar", 9), ("ivar", 8)]


def test_public_database_lists_the_initiative(node, live):
    publish(live.engine, live.start("Öppen data för cykelvägar", administration="MF"))
    report = run(node, live, "public", title="Öppen data för cykelvägar")
    assert report["pages"] == ["public list", "public list in English", "public initiative", "not found"]
    assert report["listed"] == 1 and report["listedUnderMF"] == 1 and report["lang"] == "en"
    assert "Öppen data för cykelvägar" in report["csv"]
    initiatives = report["json"]["initiatives"]  # the JSON download: the records under their licence
    assert any(item["title"] == "Öppen data för cykelvägar" for item in initiatives)
    assert all("idea_owner" in item and "@" not in json.dumps({**item, "contact": None}) for item in initiatives)
    assert {item["contact"]["email"] for item in initiatives} == {"innovation.mf@helsingborg.se"}  # a role


def test_a_coordinator_publishes_and_the_idea_owner_consents(node, live):
    instance = live.start("Laddstolpar i kvarteret")
    report = run(node, live, "publish", instance=instance, title="Laddstolpar i kvarteret – granskad")
    assert report["pages"] == ["login", "review", "review after publishing", "login", "my initiatives", "consent",
                               "consent given", "public initiative with its name", "login", "vocabularies"]
    assert report["flash"].startswith("Publicerat") and report["named"] == 1


def test_open_data_links_and_the_field_page(node, live):
    report = run(node, live, "openData")
    assert report["pages"] == ["public list with open data", "field page", "field page in English"]
    assert report["rows"] == len(FIELDS) and "http://www.w3.org/2005/Atom" in report["feed"]


def test_notifications_show_in_the_header_and_are_marked_read(node, live):
    live.to_money_gate("Cykelpool")  # frida is told of the time gate and the money gate
    report = run(node, live, "notifications")
    assert report["pages"] == ["login", "notifications", "notifications after marking one read",
                               "notification settings"]
    assert int(report["unreadBefore"]) >= 2 and int(report["unreadAfter"]) == int(report["unreadBefore"]) - 1
    assert report["flash"] == "Inställningarna är sparade."
    with live.engine.reading() as session:
        assert notifications.preferences(session, "frida")["modes"]["decision"] == "daily"


def test_each_role_lands_on_its_own_work_on_a_desktop_and_a_phone(node, live):
    """Mina initiativ, Min förvaltning, the pipeline and the portfolio as their roles see them at 1280 and 390 px
    (before the modeler tests deploy a version with a changed condition),
    overdue said in words; the process owner's default due date set on the page."""
    funded = live.to_money_gate("Skolskjuts på cykel")  # SOF's budget has a reservation; the portfolio has funds
    live.complete(funded, "beslut_pengar", {"money_decision": "grant", "money_rationale": "Ja."}, "frida")
    live.engine.set_due_default("innovation", "granska_initiativ", "PT1S", actor="owner")  # overdue at once
    try:
        late = live.start("Cykelkartan", key="own-views-late")
        screened = live.start("Läxhjälp på nätet", key="own-views-screened")
        live.complete(screened, "granska_initiativ", {"screening_decision": "accept", "kind": "idedriven",
                                                      "administration": "SOF", "screening_rationale": "Ja."}, "ivar")
        live.wait_for(screened, "beslut_tid")
        live.until(lambda: live.engine.now().timestamp() > datetime.fromisoformat(
            live.wait_for(late, "granska_initiativ")["due_at"]).timestamp(), "the screening to be overdue")
        report = run(node, live, "ownViews")
    finally:
        live.engine.set_due_default("innovation", "granska_initiativ", None, actor="owner")
    labels = ["my initiatives", "my administration", "pipeline", "portfolio"]
    assert report["pages"] == [page for label in labels
                               for page in ("login", f"{label} at 1280", f"{label} at 390")] + \
        ["login", "due dates at 390", "due dates with an error at 390"]
    assert report["landed"] == {"ada": "/my-initiatives", "frida": "/administration", "ivar": "/pipeline",
                                "admin": "/monitor/dashboard"}
    for width in (1280, 390):
        mine, decide, pipeline = (report["text"][f"{who}@{width}"] for who in ("ada", "frida", "ivar"))
        assert "Cykelkartan" in mine and "Granska initiativ – väntar på Innovationsledare" in mine
        assert "Har försenade steg" in mine and "Försenad" in mine
        assert "Läxhjälp på nätet" in decide and "Beslut tid" in decide and "Tillgängligt" in decide
        assert re.search(r"Reserverat\t[1-9]\d{0,2}(\u00a0\d{3})+ kr", decide)  # Swedish thousands: no-break spaces
        assert "Cykelkartan" not in decide  # nothing of it awaits a decision yet
        assert "Försenad" in pipeline and "har försenade steg" in pipeline
    assert all(overflow <= 0 for overflow in report["overflow"].values()), json.dumps(report["overflow"])  # fits
    assert "ISO 8601" in report["dueError"]
    assert report["dueFlash"] == "Standardtiden är sparad." and report["dueValue"] == "P10D"
    live.engine.set_due_default("innovation", "utforska_behov", None, actor="owner")

def test_process_owner_fixes_a_condition_and_deploys(node, live):
    fixed = 'time_decision in ("recycle",)'
    report = run(node, live, "modeler", flow=FLOW, fixed=fixed)
    assert report["pages"] == ["login", "modeler", "modeler review", "modeler with a problem",
                               "modeler with the problem shown", "form editor with an error"]
    assert report["diffChanged"] >= 1
    assert FLOW in report["problem"] and "syntaxfel på rad 1" in report["problem"]
    assert report["flowStroke"] == ["rgb(168, 32, 26)", "4px"]  # the refused flow is drawn red and thick
    assert report["outlined"] == 1 and report["badgeSize"]["font"] == "14.4px"  # readable at the fitted zoom
    assert report["badgeSize"]["height"] >= 20 and report["badgeSize"]["width"] >= 120, report["badgeSize"]
    assert report["shown"]["selected"] == [FLOW] and report["shown"]["inside"] and report["shown"]["zoom"] >= 1
    assert report["focusAfterShow"] == "element-picker" and report["pickerAfterShow"] == FLOW
    assert "innovation v2" in report["status"] and report["badgesLeft"] == 0
    assert report["formError"].startswith("Expecting value")
    latest = live.engine.definitions("innovation")[-1]
    assert latest["version"] == 2 and latest["deployed_by"] == "owner"
    assert fixed.replace('"', "&quot;") in live.engine.definition_xml(latest["id"]) or \
        fixed in live.engine.definition_xml(latest["id"])


def test_process_owner_edits_a_decision_table_in_dmn_js(node, live):
    """The DMN file a version runs opens in dmn-js; an edited cell goes with the next deploy
    and the new version decides by it."""
    live.engine.deploy_files([ROOT / "tests" / "fixtures" / "bundle"], deployed_by="owner")
    order = live.engine.definitions("order")[0]
    report = run(node, live, "decisionTable", definition=order["id"])
    assert report["pages"] == ["login", "modeler with a decision table"]
    assert report["kept"] == "discount.dmn" and "order v2" in report["status"]
    latest = live.engine.definitions("order")[-1]
    assert latest["version"] == 2 and "0.25" in live.engine.definition_file(latest["id"], "discount.dmn")
    assert "0.2<" in live.engine.definition_file(order["id"], "discount.dmn")  # the old version keeps its table


def _changes(before: str, after: str) -> set[str]:
    found = versions.diff(canonical(before), canonical(after))
    return {e["element_id"] for kind in ("added", "removed", "changed") for e in found[kind]}


def test_the_panel_writes_what_the_engine_reads(node, live, tmp_path):
    """Operation parameters, timer, lane, form, name, script, a lane's candidate groups and a user
    task's candidates edited in the panel; nothing else changes."""
    original = (ROOT / "processes" / "innovation.bpmn").read_text(encoding="utf-8")
    saved = tmp_path / "edited.bpmn"
    report = run(node, live, "panel", definition=live.engine.definitions("innovation")[0]["id"], saveTo=str(saved))
    assert report["pages"] == ["login", "modeler panel lane", "modeler panel user task", "modeler panel"]
    edited = saved.read_text(encoding="utf-8")
    # engine.versions.diff counts anything with an id: the operator and its new parameter, not the task
    assert _changes(original, edited) == {"innovation.score", "scale", "timer_vanta_beslut_tid", "utforska_behov",
                                          "lane_idebarare_ide", "lane_innovationsledare_ide", "beslut_tid",
                                          "initiera_pilot"}
    assert "add_days(value, days)" in report["helpers"]  # the helpers scripts may call, listed by the panel
    root = etree.fromstring(edited.encode())
    operator = root.find(".//bpmn:serviceTask[@id='berakna_poang']//spiffworkflow:serviceTaskOperator", NS)
    assert operator.get("resultVariable") == "poang"
    assert [(p.get("id"), p.get("value")) for p in operator.iterfind(".//spiffworkflow:parameter", NS)] == [
        ("criteria", "criteria"), ("scale", "27")]
    assert root.find(".//bpmn:timerEventDefinition[@id='timer_vanta_beslut_tid']/bpmn:timeDuration", NS).text == \
        '"P14D"'
    lane = root.find(".//bpmn:lane[@id='lane_innovationsledare_ide']", NS)
    assert "utforska_behov" in [ref.text for ref in lane.iterfind("bpmn:flowNodeRef", NS)]
    script = root.find(".//bpmn:scriptTask[@id='initiera_pilot']/bpmn:script", NS)
    assert script.text == "evaluation_round = 0\npilot_started = now_iso()"
    properties = root.findall(".//bpmn:userTask[@id='utforska_behov']//spiffworkflow:property", NS)
    assert [p.get("name") for p in properties] == ["formJsonSchemaFilename"]
    assert validate(edited.encode(), FormSource(live.engine.forms_dir), live.engine.operations,
                    groups=live.engine.groups).problems == []
    # who works in a lane and on a task, written as the engine reads them (engine/assignment.py)
    assert "admin, coordinator, decision_maker, idea_owner, manager, process_owner" in report["candidatesHint"]
    assert assignment.lane_properties(lane) == {"candidateGroups": "admin,coordinator"}
    task = root.find(".//bpmn:userTask[@id='beslut_tid']", NS)
    assert assignment.rule(task, None) == {
        "candidateGroups": [{"name": "decision_maker"}],
        "candidateUsers": [{"name": "kim"}, {"python": "reserv", "original": "${reserv}"}],
        "assignee": {"python": "beslutare", "original": "${beslutare}"}}


def test_modeler_saves_an_untouched_diagram_unchanged(node, live, tmp_path):
    """Open processes/innovation.bpmn (as deployed), save it from the modeler: the same diagram."""
    original = (ROOT / "processes" / "innovation.bpmn").read_text(encoding="utf-8")
    first = live.engine.definitions("innovation")[0]
    saved = tmp_path / "saved.bpmn"
    report = run(node, live, "roundtrip", definition=first["id"], saveTo=str(saved))
    assert report["filename"] == "innovation.bpmn"
    exported = saved.read_text(encoding="utf-8")
    assert canonical(exported) == canonical(original) and _changes(original, exported) == set()

