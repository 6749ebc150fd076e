"""The public innovation database: list, filters, one initiative, CSV and JSON."""
from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from innovation.driver import start_data
from tests.publishing import publish
from tests.ui.conftest import text
from ui.views.public import FORMULA_STARTS, spreadsheet_cell


def _submit(engine, title, administration="SOF", public_name=False):
    """Submitted and published as submitted."""
    data = start_data(title, administration)
    data["idea_owner"]["show_publicly"] = public_name
    instance_id = engine.start("innovation", data, actor="ada")["id"]
    publish(engine, instance_id)
    return instance_id


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
    body = visitor.get("/public/initiatives.csv").get_data(as_text=True)
    assert body.startswith("\ufeffid;title;")  # Swedish Excel: a byte order mark and semicolons
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert sorted(r["title"] for r in rows) == ["Källsortering", "Laiban"]
    assert all(r["idea_owner"] == "" and "@" not in ",".join(r.values()) for r in rows)


@pytest.mark.parametrize("title", ["=HYPERLINK(\"http://x\";\"klicka\")", "+SUM(1;2)", "-2+3", "@cmd"])  # (a title is stripped, so a leading tab is the unit test's)
def test_no_exported_cell_can_start_a_formula(page, engine, title):
    _submit(engine, title)
    body = page().get("/public/initiatives.csv").get_data(as_text=True).lstrip("\ufeff")
    (row,) = csv.DictReader(io.StringIO(body), delimiter=";")
    assert row["title"] == "'" + title  # shown as typed, never run
    assert not any(value.startswith(FORMULA_STARTS) for value in row.values())


@given(st.one_of(st.text(max_size=30), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                 st.booleans(), st.none()))
def test_a_spreadsheet_cell_never_starts_a_formula(value):
    cell = spreadsheet_cell(value)
    if isinstance(value, str):
        assert cell in (value, "'" + value) and not cell.startswith(FORMULA_STARTS)
    elif isinstance(value, bool):
        assert cell in ("ja", "nej")
    elif value is None:
        assert cell == ""
    else:  # a number, with a decimal comma
        assert "." not in cell and float(cell.replace(",", ".")) == value
