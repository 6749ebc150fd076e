"""Open data: the CSV Swedish Excel opens, the JSON document, the Atom feed, the field table."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import fields, replace
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from innovation.adapters.open_data import (
    ATOM,
    CSV_HEADER,
    FIELDS,
    FORMULA_STARTS,
    LICENCE,
    atom_feed,
    csv_lines,
    csv_values,
    json_document,
    spreadsheet_cell,
)
from innovation.adapters.wordpress import to_wp_project
from innovation.domain.publication import Funds, ImpactGoal, PublicRecord, Summary
from tests.public_records import record_settings, records

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
A = {"atom": ATOM}


def _rows(records_) -> list[dict]:
    body = "".join(csv_lines([records_]))
    assert body.startswith("\ufeff") and body.count("\ufeff") == 1
    return list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"), newline=""), delimiter=";"))


def test_every_field_of_the_record_is_described_once():
    described = {f.name.split(".")[0] for f in FIELDS}
    assert described == {f.name for f in fields(PublicRecord)}
    assert len(CSV_HEADER) == len(set(CSV_HEADER))


@record_settings
@given(records())
def test_the_wordpress_keys_named_are_in_the_shape(record):
    served = to_wp_project(record, "https://x.se")
    for field in FIELDS:
        key = re.split(r"[ ,\[.]", field.wp_key)[0]
        assert key in served, field


@record_settings
@given(st.lists(records(), max_size=4))
def test_a_row_per_record_and_no_cell_starts_a_formula(generated):
    rows = _rows(generated)
    assert len(rows) == len(generated)
    for row, record in zip(rows, generated, strict=True):
        assert len(row) == len(CSV_HEADER) and None not in row  # every row as wide as the header
        assert row["id"] in (record.id, "'" + record.id)
        for value in row.values():
            number = value.replace(",", "", 1).lstrip("-").isdigit()
            assert number or not value.startswith(FORMULA_STARTS), value


def test_goals_and_funds_are_readable_columns_with_decimal_commas():
    record = PublicRecord(
        id="7", title="=cmd|' /C calc'!A0", administration="SOF", progress=-1, status="aborted",
        estimated_budget="1200000.50",
        funds_granted=(Funds("SOF", "250000.00", "2021-04-01"), Funds("SF", "50000.25", "2021-05-01")),
        funds_used=(Funds("SOF", "98500.50", "2021-12-31"),),
        impact_goals=(ImpactGoal("Tid med barnen", "timmar/vecka", 0, 5, 4.5, "Nästan", False),
                      ImpactGoal("-Färre klagomål", completed=True)),
        summary=Summary(what="@SUM(A1)", why="\tflik", how="+1"))
    (row,) = _rows([record])
    assert row["Titel"] == "'=cmd|' /C calc'!A0" and row["Vad"] == "'@SUM(A1)" and row["Varför"] == "'\tflik"
    assert row["Hur"] == "'+1" and row["Framsteg (%)"] == "-1"  # a number stays a number
    assert row["Estimerad budget (kr)"] == "1200000,50"
    assert row["Beviljade medel (kr)"] == "300000,25" and row["Använda medel (kr)"] == "98500,50"
    assert row["Beviljade medel, poster"] == "SOF 250\u00a0000,00 kr 2021-04-01 | SF 50\u00a0000,25 kr 2021-05-01"
    assert row["Effektmål"] == ("Tid med barnen: 0 → 5 timmar/vecka (senast 4,5): Nästan | "
                                "-Färre klagomål – uppnått")
    assert row["Stadsgemensamt"] == "nej"


def test_labels_are_the_callers_words():
    record = PublicRecord(id="1", title="T", administration="SOF", kind="idedriven", phase="skala")
    values = dict(zip(CSV_HEADER, csv_values(record, lambda group, value: f"{group}:{value}"), strict=True))
    assert values["Typ"] == "kind:idedriven" and values["Fas"] == "phase:skala"
    assert values["Ägare (förvaltning)"] == "administration:SOF"


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
    elif isinstance(value, int):  # whole numbers exactly, however large
        assert int(cell) == value
    else:  # a number, with a decimal comma
        assert "." not in cell and float(cell.replace(",", ".")) == value


@record_settings
@given(st.lists(records(), max_size=3))
def test_the_json_document_carries_its_licence(generated):
    document = json_document(generated, "2026-11-30T12:00:00Z")
    assert document["licence"] == LICENCE and LICENCE["id"] == "CC0-1.0"
    assert document["count"] == len(generated)
    assert [PublicRecord.from_dict(item) for item in document["initiatives"]] == generated


def _feed(changes) -> etree._Element:
    body = atom_feed(changes, base_url="https://innovation.example.se/", title="Ändringar", subtitle="Senaste",
                     rights="CC0 1.0", now=NOW)
    assert body.startswith(b"<?xml")
    return etree.fromstring(body)


@record_settings
@given(st.lists(records(), max_size=4), st.text(max_size=20))
def test_the_atom_feed_is_atom_1_0_with_an_entry_per_change(generated, hostile):
    changes = [replace(r, title=r.title + hostile) for r in generated]  # control characters too
    root = _feed(changes)
    assert root.tag == f"{{{ATOM}}}feed" and root.nsmap[None] == ATOM
    for tag in ("id", "title", "updated", "author/atom:name"):
        assert root.find(f"atom:{tag}", A) is not None, tag
    assert root.find("atom:link[@rel='self']", A).get("href") == "https://innovation.example.se/public/initiatives.atom"
    entries = root.findall("atom:entry", A)
    assert len(entries) == len(changes)
    for entry, record in zip(entries, changes, strict=True):
        for tag in ("id", "title", "updated", "link"):
            assert entry.find(f"atom:{tag}", A) is not None
        assert entry.find("atom:link", A).get("href") == f"https://innovation.example.se/public/initiatives/{record.id}"
        updated = entry.findtext("atom:updated", namespaces=A)
        assert datetime.fromisoformat(updated).tzinfo is not None


def test_an_empty_feed_is_still_valid_and_dated():
    root = _feed([])
    assert root.findtext("atom:updated", namespaces=A) == "2026-11-30T12:00:00Z" and not root.findall("atom:entry", A)


def test_the_readme_maps_every_field_as_the_code_does():
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    for field in FIELDS:
        assert f"| `{field.name}` | `{field.wp_key}` | {' / '.join(field.csv_columns)} |" in readme, field.name
