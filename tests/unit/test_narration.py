"""Earlier answers described for the page: every field under its form's label, written as its
kind asks; any submitted JSON (external input) is described, never refused or crashed on."""
from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from application.narration import describe

FORMS = Path(__file__).resolve().parents[2] / "forms"
SETUP = json.loads((FORMS / "setup.schema.json").read_text(encoding="utf-8"))
KINDS = {"text", "money", "date", "datetime", "number", "yes_no", "choice", "group", "list"}

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner,
                                                                                max_size=3), max_leaves=12)


def _walk(field: dict):
    yield field
    for child in field.get("fields", []) + field.get("items", []):
        yield from _walk(child)


def test_a_set_up_reads_in_the_forms_words_and_formats():
    described = describe(SETUP, {"start_date": "2026-01-05", "estimated_cost": 200000,
                                 "requested_funds": [{"administration": "SOF", "amount": 150000}],
                                 "partners": ["Lunds universitet"]})
    by_label = {f["label"]: f for f in described["fields"]}
    assert by_label["Startdatum / Start date"] == {"label": "Startdatum / Start date", "kind": "date",
                                                   "value": "2026-01-05"}
    assert by_label["Uppskattad kostnad (hela kronor) / Estimated cost (whole SEK)"]["kind"] == "money"
    [line] = by_label["Äskade medel / Requested funds"]["items"]
    administration, amount = line["fields"]
    assert administration["kind"] == "choice" and "Skol- och fritidsförvaltningen" in administration["value"]
    assert amount["kind"] == "money" and amount["value"] == 150000
    assert [f["label"] for f in described["fields"]][:2] == ["Startdatum / Start date",
                                                            "Uppskattad kostnad (hela kronor) / Estimated cost (whole SEK)"]


@settings(max_examples=60, deadline=None)
@given(form=st.sampled_from(sorted(p.name for p in FORMS.glob("*.schema.json"))),
       data=st.dictionaries(st.text(max_size=12), JSON, max_size=4))
def test_any_submitted_data_is_described_under_labels(form, data):
    schema = json.loads((FORMS / form).read_text(encoding="utf-8"))
    known = set(schema.get("properties") or {})
    data = {**{key: None for key in list(known)[:2]}, **data}
    described = describe(schema, data)
    assert described["kind"] == "group"
    for field in _walk(described):
        assert field["kind"] in KINDS
    for key, field in zip([k for k in schema.get("properties", {}) if k in data], described["fields"], strict=False):
        assert field["label"] == schema["properties"][key].get("title", field["label"])
