"""Submitted data checked against a task's JSON Schema, every problem named by its field."""
from __future__ import annotations

import json

import pytest

from engine.errors import InvalidData
from engine.forms import check
from tests.conftest import FIXTURES

SCHEMA = json.loads((FIXTURES / "forms" / "request.schema.json").read_text())


def problems(data, schema=SCHEMA) -> list[tuple[str, str]]:
    """(field, message) of every problem ``check`` reports for ``data``."""
    with pytest.raises(InvalidData) as caught:
        check(data, schema, "task fill")
    assert "data for task fill" in str(caught.value)
    return [(p.field, p.message) for p in caught.value.details]


def test_every_broken_field_is_named():
    found = dict(problems({"amount": -5, "lines": [{"cost": 3}], "extra": True, "due": "tomorrow"}))
    assert set(found) == {"/amount", "/lines/0/what", "/extra", "/due"}
    assert "minimum" in found["/amount"] and "date" in found["/due"]
    assert [field for field, _ in problems({})] == ["/amount", "/lines"]


def test_reserved_keys_are_refused_with_or_without_a_schema():
    assert problems({"len": 2}, schema=None) == [("/len", "'len' is reserved for the script engine")]
    found = problems({"amount": 1, "lines": [], "_x": 2})
    assert found[0] == ("/_x", "'_x' is reserved for the script engine")
    assert found[1][0] == "/_x" and "Additional properties" in found[1][1]


def test_valid_data_passes_and_non_objects_do_not():
    check({"amount": 12, "lines": [{"what": "racks"}], "due": "2026-05-01"}, SCHEMA, "task fill")
    check({"anything": [1, 2]}, None, "a message")
    assert problems(["not", "an", "object"]) == [("/", "must be an object")]
