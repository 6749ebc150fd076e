"""Pages in the user's words: no element id, raw form key or worker id on the task page, the
instance page or its history, for an initiative driven through several gates."""
from __future__ import annotations

import json
import re

from lxml import etree

from tests.api.flows import ApiInitiative
from tests.conftest import ROOT
from tests.ui.conftest import text
from tests.ui.test_monitor import _failing_scores

DIAGRAM = etree.parse(str(ROOT / "processes" / "innovation.bpmn"))
#: Every id of the diagram that reads as an id (snake_case), e.g. berakna_poang, beslut_tid.
IDS = sorted({e.get("id") for e in DIAGRAM.iter() if isinstance(e.tag, str) and e.get("id") and "_" in e.get("id")})


def _keys(schema: dict) -> set[str]:
    """Every property name of a form, nested ones included (requested_funds, strategic_need)."""
    found = set()
    if isinstance(schema, dict):
        for key, value in (schema.get("properties") or {}).items():
            found |= {key} | _keys(value)
        if isinstance(schema.get("items"), dict):
            found |= _keys(schema["items"])
    return found


KEYS = sorted({k for path in (ROOT / "forms").glob("*.schema.json")
               for k in _keys(json.loads(path.read_text(encoding="utf-8"))) if "_" in k})


def raw_words(shown: str) -> list[str]:
    """Element ids, form keys and worker names that a page shows as words."""
    return [w for w in IDS + KEYS + ["in-process", "job_ok", "task_completed", "embedded"]
            if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", shown)]


def _through_the_gates(api, engine, clock) -> ApiInitiative:
    """Screened, time granted, explored and assessed, set up, money granted, a pilot evaluated."""
    flow = ApiInitiative(api, engine, clock)
    flow.to_pilot()
    flow.evaluate("continue", [("SOF", 50_000)])
    flow.wait(31)
    return flow


def test_the_instance_page_and_its_history_speak_the_users_words(page, api, engine, clock):
    flow = _through_the_gates(api, engine, clock)
    for reader in ("ivar", "admin"):
        html = page(reader).get(f"/monitor/instances/{flow.id}").get_data(as_text=True)
        html = re.sub(r'<details class="technical">.*?</details>', "", html, flags=re.S)  # an admin's raw data
        shown = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
        assert raw_words(shown) == [], reader
    shown = text(page("ivar").get(f"/monitor/instances/{flow.id}"))
    assert "Poängen beräknades: 27 av 27, 9 av 9 kriterier uppfyllda." in shown
    assert "frida (närmaste chef) Beslut tid: Kör – tid beviljas" in shown
    assert "frida (beslutsfattare) Beslut pengar: Bevilja hela det äskade beloppet" in shown
    assert "ivar (innovationsledare) Granska initiativ: Ett innovationsinitiativ – gå vidare" in shown
    assert "systemet Reservera medel: klart." in shown and "Tiden gick ut: Vänta till nästa utvärdering" in shown
    assert "ada Initiativet lämnades in." in shown
    assert "Klar: Bedöm enligt kriterierna, Bekräfta kostnader, Beräkna poäng" in shown
    assert "Aktiv: Utvärdera pilot" in shown
    english = text(page("ivar").get(f"/monitor/instances/{flow.id}?lang=en"))
    assert "The score was calculated: 27 of 27, 9 of 9 criteria met." in english and "the system" in english
    assert raw_words(english) == []


def test_the_task_page_shows_earlier_answers_by_step_with_their_labels_and_formats(page, api, engine, clock):
    flow = _through_the_gates(api, engine, clock)
    task = flow.task("ada", "utvardera_pilot")
    response = page("ada").get(f"/tasks/{task['id']}")
    shown = text(response)
    assert raw_words(shown) == []
    answers = shown[shown.index("Tidigare svar"):shown.index("Var initiativet står")]
    steps = re.findall(r"(Initiativet lämnas in|Granska initiativ|Beslut tid|Utforska behov och idé|"
                       r"Bedöm enligt kriterierna|Utforma upplägg|Beslut pengar|Utvärdera pilot|"
                       r"Bekräfta kostnader) – (\w+), \d{4}-\d\d-\d\d", answers)
    assert [s for s, _ in steps] == ["Initiativet lämnas in", "Granska initiativ", "Beslut tid",
                                     "Utforska behov och idé", "Bedöm enligt kriterierna", "Utforma upplägg",
                                     "Beslut pengar", "Utvärdera pilot", "Bekräfta kostnader"]
    assert "Äskade medel Förvaltning Skol- och fritidsförvaltningen Belopp (hela kronor) 200 000 kr" in answers
    assert "Poäng 3 – Helt" in answers and "Startdatum 2026-01-05" in answers
    assert "Beslut Kör – tid beviljas" in answers and "Beslut Bevilja hela det äskade beloppet" in answers
    english = text(page("ada").get(f"/tasks/{task['id']}?lang=en"))
    assert "Requested funds Administration" in english and raw_words(english) == []


def test_a_failed_call_and_its_retry_are_told_as_sentences(page, api, engine, clock):
    _failing_scores(engine)
    flow = ApiInitiative(api, engine, clock)
    flow.to_exploration()
    flow.explore()
    [job] = flow.detail()["jobs"]
    admin = page("admin")
    admin.post(f"/monitor/jobs/{job['id']}/retry")
    flow.settle()
    shown = text(page("ivar").get(f"/monitor/instances/{flow.id}"))
    assert "systemet Beräkna poäng misslyckades (försök 1) och väntar på en administratör: ConnectionError" in shown
    assert re.search(r"admin Beräkna poäng körs igen\.", shown)
    assert "Poängen beräknades: 27 av 27" in shown and raw_words(shown) == []
