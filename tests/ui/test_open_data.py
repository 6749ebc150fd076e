"""Open data: CSV, JSON, the Atom feed and the field page, from published and historical records;
and no format shows a person who did not agree to be shown."""
from __future__ import annotations

import csv
import io
import json
import re

import pytest
from lxml import etree

from application import publication
from application.accounts import Principal
from innovation.adapters.open_data import ATOM, CSV_HEADER, FIELDS, FORMULA_STARTS, LICENCE
from innovation.adapters.wordpress import from_wp_project
from innovation.domain.publication import Funds, ImpactGoal, PublicRecord, Summary
from innovation.model import Role
from tests.ui.conftest import text
from tests.ui.test_public import _submit
from ui.views import open_data as downloads

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def historical(engine, *records: PublicRecord) -> None:
    with engine.db.unit_of_work(write=True) as uow:
        publication.import_historical(uow.session, records)
        uow.commit()


def record(ident: str, title: str, updated: str = "2020-01-01T10:00:00+00:00", **fields) -> PublicRecord:
    return PublicRecord(id=ident, title=title, administration=fields.pop("administration", "SLF"),
                        published_at="2019-01-01T10:00:00+00:00", updated_at=updated, **fields)


def rows(response) -> list[dict]:
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"), newline=""), delimiter=";"))


def test_downloads_hold_the_published_records_under_cc0(page, api, engine):
    _submit(engine, "Laiban")
    _submit(engine, "Källsortering", "MF")
    historical(engine, record("4127", "Digital anslagstavla", estimated_budget="1200000.50",
                              funds_granted=(Funds("SLF", "250000.00", "2019-05-01"),),
                              impact_goals=(ImpactGoal("Färre pappersanslag", "st", 40, 0, 12),)))
    visitor = page()
    exported = visitor.get("/public/initiatives.json?administration=MF")
    assert exported.headers["Link"] == f'<{LICENCE["url"]}>; rel="license"'
    assert exported.json["licence"]["id"] == "CC0-1.0" and exported.json["count"] == 1
    assert exported.json["initiatives"] == api.as_(None).get("/api/public/initiatives?administration=MF").json
    response = visitor.get("/public/initiatives.csv")
    assert response.mimetype == "text/csv" and "initiatives.csv" in response.headers["Content-Disposition"]
    assert response.get_data(as_text=True).startswith("\ufeffid;Titel;Vad;")  # Swedish Excel: BOM, semicolons
    found = {row["Titel"]: row for row in rows(response)}
    assert set(found) == {"Laiban", "Källsortering", "Digital anslagstavla"}
    old = found["Digital anslagstavla"]
    assert old["Estimerad budget (kr)"] == "1200000,50" and old["Beviljade medel (kr)"] == "250000,00"
    assert old["Effektmål"] == "Färre pappersanslag: 40 → 0 st (senast 12)"
    assert old["Från tidigare databas"] == "ja" and old["Ägare (förvaltning)"] == "Stadsledningsförvaltningen"
    assert [r["Titel"] for r in rows(visitor.get("/public/initiatives.csv?administration=MF"))] == ["Källsortering"]


def test_the_csv_is_streamed_in_batches(page, engine, monkeypatch):
    monkeypatch.setattr(downloads, "BATCH", 2)
    historical(engine, *(record(str(n), f"Initiativ {n}", f"2020-01-{n:02d}T10:00:00+00:00") for n in range(1, 8)))
    response = page().get("/public/initiatives.csv")
    assert response.is_streamed
    assert [r["Titel"] for r in rows(response)] == [f"Initiativ {n}" for n in range(7, 0, -1)]  # newest first


@pytest.mark.parametrize("title", ["=HYPERLINK(\"http://x\";\"klicka\")", "+SUM(1;2)", "-2+3", "@cmd", "\tflik",
                                   "\rretur"])
def test_no_exported_cell_can_start_a_formula(page, engine, title):
    historical(engine, record("1", title, summary=Summary(what=title, how="=1+1"), partners=("@Partner",),
                              lessons_learned=("-minus",)))
    (row,) = rows(page().get("/public/initiatives.csv"))
    assert row["Titel"] == "'" + title  # shown as typed, never run
    assert not any(value.startswith(FORMULA_STARTS) for value in row.values() if not value.lstrip("-").isdigit())


def test_the_atom_feed_lists_the_latest_changes(page, engine):
    historical(engine, record("1", "Äldre", "2020-01-01T10:00:00+00:00"),
               record("2", "Nyare <b>&", "2021-06-01T12:30:00+02:00", status="aborted", progress=-1))
    response = page().get("/public/initiatives.atom")
    assert response.mimetype == "application/atom+xml"
    root = etree.fromstring(response.get_data())
    ns = {"a": ATOM}
    assert root.tag == f"{{{ATOM}}}feed" and root.findtext("a:id", namespaces=ns) == "http://localhost/public/initiatives.atom"
    assert root.findtext("a:updated", namespaces=ns) == "2021-06-01T10:30:00Z"
    assert "CC0 1.0" in root.findtext("a:rights", namespaces=ns)
    entries = root.findall("a:entry", ns)
    assert [e.findtext("a:title", namespaces=ns) for e in entries] == ["Nyare <b>&", "Äldre"]
    assert entries[0].find("a:link", ns).get("href") == "http://localhost/public/initiatives/2"
    assert entries[0].find("a:category", ns).get("term") == "aborted"
    assert 'type="application/atom+xml"' in page().get("/public/initiatives").get_data(as_text=True)


def test_the_field_page_describes_every_field_in_both_languages(page):
    response = page().get("/public/fields")
    assert response.status_code == 200
    shown = text(response)
    for field in FIELDS:
        assert field.name in shown and field.wp_key in response.get_data(as_text=True).replace("&#34;", '"')
        assert all(column in shown for column in field.csv_columns)
    assert "Vad initiativet går ut på" in shown and "What the initiative is about" in shown
    assert "CC0 1.0" in shown and f"{len(CSV_HEADER)} kolumner" in shown
    assert "What the fields mean" in text(page().get("/public/fields?lang=en"))
    assert "/public/fields" in page().get("/public/initiatives").get_data(as_text=True)


def _formats(page, api) -> dict[str, str]:
    """Everything the public can download or read, as text."""
    visitor, anonymous = page(), api.as_(None)
    listing = anonymous.get("/api/public/wp-json/wp/v2/project?per_page=100")
    bodies = {"wordpress list": listing.get_data(as_text=True)}
    for item in listing.json:
        bodies[f"wordpress {item['id']}"] = anonymous.get(f"/api/public/wp-json/wp/v2/project/{item['id']}") \
            .get_data(as_text=True)
    for path in ("/public/initiatives.atom", "/public/initiatives.csv", "/public/initiatives.json"):
        bodies[path] = visitor.get(path).get_data(as_text=True)
    return bodies


def test_no_format_shows_a_person_who_did_not_agree(page, api, engine):
    """The contact is the innovationsledare's functional mailbox; the idea owner's e-mail is never
    shown and their name only while they consent."""
    laiban = _submit(engine, "Laiban")  # the idea owner, Ada Lind, ada.lind@helsingborg.se, did not consent
    _submit(engine, "Källsortering", "MF")
    mailboxes = {publication.contact_for(code, publication.CONTACT).email for code in ("SOF", "MF")}
    formats = _formats(page, api)
    for name, body in formats.items():
        assert "Ada Lind" not in body and "ada.lind" not in body, name
        assert {m.group(0) for m in EMAIL.finditer(body)} <= mailboxes, name
    assert "innovation.sof@helsingborg.se" in formats[f"wordpress {laiban}"]  # the contact is there, by role
    ada = Principal("ada", "Ada Lind", frozenset({Role.IDEA_OWNER}), frozenset())
    publication.set_consent(engine, ada, laiban, True)
    shown = _formats(page, api)
    assert all("Ada Lind" in shown[name] for name in ("wordpress list", f"wordpress {laiban}",
                                                      "/public/initiatives.csv", "/public/initiatives.json"))
    for name, body in shown.items():
        assert "ada.lind" not in body and {m.group(0) for m in EMAIL.finditer(body)} <= mailboxes, name
    publication.set_consent(engine, ada, laiban, False)  # withdrawn: gone from every format at once
    assert not any("Ada Lind" in body for body in _formats(page, api).values())


def test_the_wordpress_shape_of_a_published_initiative_reads_back(api, engine):
    laiban = _submit(engine, "Laiban")
    served = api.as_(None).get(f"/api/public/wp-json/wp/v2/project/{laiban}").json
    with engine.reading() as session:
        assert from_wp_project(json.loads(json.dumps(served))) == \
            PublicRecord.from_dict({**publication.public_record(session, laiban).to_dict(), "historical": True})
