"""The pages' words: both catalogues hold every message the code and templates use, the pages
speak Swedish (no English sentence) for every role and English on request, counted things take
their plural form, amounts and dates are written the Swedish way, and the engine's errors,
refusals and deploy problems reach a person in their language."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from jinja2.ext import babel_extract  # noqa: F401  (the extractor named in METHODS)

from engine import EngineError
from tests.api.flows import ApiInitiative
from tests.publishing import publish
from tests.ui.conftest import text
from ui import i18n

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "ui"
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2.ext:babel_extract")]
PLACEHOLDER = re.compile(r"(?<!\$)\{(\w+)\}")  # ${…} is a JUEL example, not a placeholder


def _extracted(keywords: dict) -> set[str]:
    """The literal message ids Babel's extractor finds in ui/ (Python and Jinja) as ``keywords``' arguments."""
    return {message for _, _, message, *_ in extract_from_dir(str(UI), METHODS, keywords=keywords)
            if isinstance(message, str)}


def _plural_keys() -> set[str]:
    """Counted texts: ``plural(count, "key")`` in Python, ``| plural("key")`` in templates."""
    keys = _extracted({"plural": (2,)})
    for path in UI.rglob("*.html"):
        keys |= set(re.findall(r"""\|\s*plural\(\s*["']([\w.]+)["']""", path.read_text(encoding="utf-8")))
    return keys


def _used_keys() -> set[str]:
    """Every literal message id: ``t("key")`` and ``known("key")`` in ui/, the counted texts, the
    modeler script's ``T.name`` texts, and the message codes the engine, the innovation model and
    the application give their errors, refusals and problems."""
    used = _extracted({"t": None, "known": None}) | _plural_keys()
    for path in UI.rglob("*.js"):
        source = path.read_text(encoding="utf-8")
        used |= {"js." + key for key in re.findall(r"\bT\.([a-zA-Z_]+)|texts\.([a-zA-Z_]+)", source) for key in key if key}
    for folder in ("engine", "innovation", "application"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= {f"message.{code}" for code in
                     re.findall(r"\b(?:reason_)?code=\"(\w+)\"", path.read_text(encoding="utf-8"))}
    # codes chosen in a conditional expression rather than written as code="…"
    used |= {f"message.{code}" for code in ("script_syntax", "expression_syntax", "code_refused", "owner_not_user",
                                            "owner_not_idea_owner")}
    used |= {f"error.kind.{kind.code}" for kind in _subclasses(EngineError)}
    return {key for key in used if "." in key}  # a message id is a dotted key


def _subclasses(kind):
    return [kind, *(sub for child in kind.__subclasses__() for sub in _subclasses(child))]


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_message_used_is_in_the_catalogue_with_every_form(language):
    catalog = i18n.catalog(language)
    missing = sorted(key for key in _used_keys() if key not in catalog)
    assert missing == []
    for message in catalog:
        if not message.id:
            continue  # the header
        forms = message.string if message.pluralizable else (message.string,)
        assert len(forms) == 2 and all(forms) if message.pluralizable else all(forms), message.id


def test_counted_texts_are_plural_entries_and_the_rest_are_not():
    catalog, counted = i18n.catalog("sv"), _plural_keys()
    assert sorted(key for key in counted if not catalog[key].pluralizable) == []
    assert sorted(key for key in _used_keys() - counted if key in catalog and catalog[key].pluralizable) == []


def test_both_catalogues_hold_the_same_messages_with_the_same_placeholders():
    swedish, english = i18n.catalog("sv"), i18n.catalog("en")
    assert sorted(m.id if isinstance(m.id, str) else m.id[0] for m in swedish if m.id) == \
        sorted(m.id if isinstance(m.id, str) else m.id[0] for m in english if m.id)
    for message in swedish:
        if not message.id:
            continue
        other = english[message.id if isinstance(message.id, str) else message.id[0]]
        assert message.pluralizable == other.pluralizable, message.id
        names = {form: set(PLACEHOLDER.findall(form)) for form in (*_forms(message), *_forms(other))}
        assert len({frozenset(found) for found in names.values()}) == 1, (message.id, names)


def _forms(message):
    return message.string if message.pluralizable else (message.string,)


def test_counted_things_take_their_plural_form():
    assert [i18n.plural(n, "monitor.count") for n in (0, 1, 2)] == ["0 instanser", "1 instans", "2 instanser"]
    assert i18n.plural(1, "inbox.count") == "1 uppgift" and i18n.plural(3, "inbox.count") == "3 uppgifter"
    assert i18n.plural(1250, "public.count") == "1\u00a0250 initiativ"


def test_amounts_numbers_and_dates_the_swedish_way(app):
    assert i18n.money(1250000) == "1\u00a0250\u00a0000 kr"
    assert i18n.money(99.5) == "99,5 kr" and i18n.money(None) == "–"
    assert i18n.number(1234567.5, 1) == "1\u00a0234\u00a0567,5"
    assert i18n.when("2026-01-15T09:05:00") == "2026-01-15 10:05"  # UTC stored, the city's clock shown
    assert i18n.when("2026-07-01T09:05:00+00:00") == "2026-07-01 11:05"  # summer time
    assert i18n.day("2026-11-30") == "2026-11-30"
    with app.test_request_context("/"):
        from flask import session
        session["lang"] = "en"
        assert i18n.money(1250000) == "1,250,000 SEK" and i18n.day("2026-11-30") == "30 Nov 2026"
        assert i18n.when("2026-01-15T09:05:00") == "15/01/2026, 10:05"
        assert i18n.plural(1, "monitor.count") == "1 instance"


def test_a_message_translates_its_vocabulary_and_keeps_every_decimal():
    assert i18n.message("not_kronor", {"value": 0.001}, "fallback") == \
        "0,001 är inte ett belopp i hela kronor (0 eller mer)."
    assert i18n.message("not_in_roles", {"user": "bo", "roles": ["coordinator", "admin"], "task": "granska"}, "-") == \
        "bo har inte rollen Innovationsledare eller Administratör, som uppgiften granska kräver."
    assert i18n.message("no_such_code", {}, "the English sentence") == "the English sentence"


def test_jsonschema_messages_are_translated():
    assert i18n.engine_message("'title' is a required property") == "Fältet måste fyllas i."
    assert i18n.engine_message("0 is less than or equal to the minimum of 0") == "Ange ett tal större än 0."
    assert i18n.engine_message("something else") == "something else"


# Words of the English UI that no Swedish page may show (each is in an English text of the catalogue).
ENGLISH = ["My tasks", "Log out", "Instances", "Innovation database", "Notifications", "Tokens", "Submit",
           "instances", "needs the role", "does not exist", "Something went wrong", "Back to", "Settings", "Save",
           "Search", "Status", "Portfolio", "Modeler", " tasks", "Initiative", "Phase", "Decision", "Due",
           "Unassigned", "Claim", "Previous", "Next", "Page ", " of ", "Created", "Expires", "Name", "Administration"]
ALLOWED = {"Status"}  # the same word in Swedish

PAGES = {  # role -> pages that role opens
    "admin": ["/inbox", "/monitor/instances", "/monitor/instances/{id}", "/monitor/activity", "/monitor/dashboard",
              "/on-hold", "/tokens", "/notifications", "/admin/users", "/admin/users/ivar", "/admin/mappings",
              "/initiatives/new", "/public/initiatives", "/public/initiatives/{id}", "/public/terms"],
    "owner": ["/inbox", "/modeler", "/monitor/activity", "/on-hold", "/tokens", "/notifications", "/due-dates"],
    "ivar": ["/inbox", "/monitor/instances", "/monitor/instances/{id}", "/on-hold", "/tokens", "/notifications",
             "/tasks/{task}", "/pipeline", "/initiatives/{id}/publication"],
    "frida": ["/inbox", "/on-hold", "/notifications", "/administration"],
    "ada": ["/inbox", "/initiatives/new", "/tokens", "/notifications", "/my-initiatives", "/initiatives/{id}/public"],
    None: ["/public/initiatives", "/public/initiatives/{id}", "/public/fields", "/login"],
}


def _english_words(body: str) -> list[str]:
    return [word for word in ENGLISH if word not in ALLOWED and re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])",
                                                                         body)]


def test_every_main_page_speaks_swedish_to_every_role_and_english_on_request(page, api, engine, clock):
    initiative = ApiInitiative(api, engine, clock)
    task = initiative.task("ivar", "granska_initiativ")["id"]
    publish(engine, initiative.id)
    for user, paths in PAGES.items():
        visitor = page(user)
        for path in paths:
            url = path.format(id=initiative.id, task=task)
            response = visitor.get(url)
            assert response.status_code == 200, (user, url, response.status_code)
            body = text(response)
            assert _english_words(body) == [], (user, url, _english_words(body))
        english = text(visitor.get(paths[0].format(id=initiative.id, task=task) + "?lang=en"))
        assert '<html lang="en">' in visitor.get(paths[0].format(id=initiative.id, task=task)).get_data(as_text=True)
        assert _english_words(english), (user, "no English on ?lang=en")


def test_refusals_and_engine_errors_are_in_swedish_with_the_detail_after(page, api, engine, clock):
    ada = page("ada")
    refused = ada.get("/monitor/instances")
    assert refused.status_code == 403
    assert "Det här kräver rollen Administratör eller Innovationsledare eller Processägare" in text(refused)
    assert "needs the role" not in text(refused)
    missing = page("admin").get("/monitor/instances/finns-inte")
    assert missing.status_code == 404 and "Instansen finns-inte finns inte." in text(missing)
    initiative = ApiInitiative(api, engine, clock)
    admin = page("admin")
    admin.post(f"/monitor/instances/{initiative.id}/resume")
    flashed = text(admin.get(f"/monitor/instances/{initiative.id}"))
    assert f"Instansen {initiative.id} har status Körs; det här kräver status Pausad eller Fel." in flashed
    admin.get("/inbox?lang=en")
    admin.post(f"/monitor/instances/{initiative.id}/resume")
    assert f"Instance {initiative.id} is Running; this needs it Suspended or Error." in \
        text(admin.get(f"/monitor/instances/{initiative.id}"))


def test_the_api_keeps_english_and_carries_a_stable_code(api, engine, clock):
    initiative = ApiInitiative(api, engine, clock)
    answer = api.as_("admin").post(f"/api/instances/{initiative.id}/resume")
    assert answer.status_code == 409 and answer.json["code"] == "instance_state"
    assert answer.json["params"] == {"instance": initiative.id, "status": "running", "needs": ["suspended", "error"]}
    assert "this needs it suspended or error" in answer.json["message"]
    refused = api.as_("ada").get("/api/instances")
    assert refused.status_code == 403 and refused.json["code"] == "role_needed"


SCRIPT = "x = 1\ny = (2\n"


def test_a_script_syntax_error_is_explained_in_swedish_on_the_diagram(page):
    diagram = (ROOT / "processes" / "innovation.bpmn").read_text(encoding="utf-8")
    process_end = diagram.index("</bpmn:process>")
    broken = (diagram[:process_end] + '<bpmn:scriptTask id="Trasig" name="Räkna poäng"><bpmn:script>'
              + SCRIPT + "</bpmn:script></bpmn:scriptTask>" + diagram[process_end:])
    owner = page("owner")
    refused = owner.post_json("/modeler/deploy", {"xml": broken, "filename": "innovation.bpmn"})
    assert refused.status_code == 422
    messages = [p["message"] for p in refused.json["details"] if p.get("element_id") == "Trasig"]
    assert [p["code"] for p in refused.json["details"] if p.get("element_id") == "Trasig"] == ["script_syntax"]
    assert messages == ["Skriptet i Räkna poäng har ett syntaxfel på rad 2: '(' was never closed"]
    owner.get("/modeler?lang=en")
    english = owner.post_json("/modeler/deploy", {"xml": broken, "filename": "innovation.bpmn"}).json["details"]
    assert "The script in Räkna poäng has a syntax error on line 2: '(' was never closed" in \
        [p["message"] for p in english]
