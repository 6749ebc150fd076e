"""The public innovation database: list, filters, one initiative, CSV and JSON."""
from __future__ import annotations

import csv
import io

from innovation.driver import start_data
from tests.ui.conftest import text


def _submit(engine, title, administration="SOF", public_name=False):
    data = start_data(title, administration)
    data["idea_owner"]["show_publicly"] = public_name
    return engine.start("innovation", data, actor="ada")["id"]


def test_list_filters_and_detail_show_public_fields_only(page, engine):
    laiban = _submit(engine, "Laiban", public_name=True)
    _submit(engine, "Källsortering", "MF")
    visitor = page()
    listing = text(visitor.get("/public/initiatives"))
    assert "Laiban" in listing and "Källsortering" in listing and "2 initiativ" in listing
    filtered = text(visitor.get("/public/initiatives?administration=MF"))
    assert "Källsortering" in filtered and "Laiban" not in filtered
    detail = visitor.get(f"/public/initiatives/{laiban}")
    assert "Ada Lind" in text(detail) and "ada.lind@" not in detail.get_data(as_text=True)
    assert visitor.get("/public/initiatives/nope").status_code == 404


def test_exports_match_the_public_api(page, api, engine):
    _submit(engine, "Laiban")
    _submit(engine, "Källsortering", "MF")
    visitor = page()
    exported = visitor.get("/public/initiatives.json?administration=MF")
    assert exported.json == api.as_(None).get("/api/public/initiatives?administration=MF").json
    rows = list(csv.DictReader(io.StringIO(visitor.get("/public/initiatives.csv").get_data(as_text=True)
                                           .lstrip("\ufeff"))))
    assert sorted(r["title"] for r in rows) == ["Källsortering", "Laiban"]
    assert all(r["idea_owner"] == "" and "@" not in ",".join(r.values()) for r in rows)


def test_the_list_is_paged(page, engine):
    for number in range(27):
        _submit(engine, f"Idé {number:02d}")
    visitor = page()
    first = visitor.get("/public/initiatives").get_data(as_text=True)
    assert "Sida 1 av 2" in first and 'rel="next"' in first
    assert text(visitor.get("/public/initiatives?page=2")).count("Idé ") == 2
