"""The translation of camunda:formField to JSON Schema, over generated fields."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from lxml import etree

from engine.camunda import CAMUNDA, form_schema

TYPES = st.sampled_from(["string", "long", "boolean", "date", "enum", "customer", ""])
CONSTRAINTS = st.lists(st.tuples(st.sampled_from(["required", "readonly", "minlength", "maxlength", "min", "max",
                                                  "validator", ""]),
                                 st.one_of(st.none(), st.text(st.characters(min_codepoint=32, max_codepoint=0xD7FF), max_size=5), st.integers(-5, 100).map(str))),
                       max_size=4)
TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=0xD7FF), max_size=8)  # what XML can hold


def _form(fields) -> etree._Element:
    form = etree.Element(f"{{{CAMUNDA}}}formData", nsmap={"camunda": CAMUNDA})
    for field_id, kind, constraints, default, values in fields:
        node = etree.SubElement(form, f"{{{CAMUNDA}}}formField", id=field_id)
        if kind:
            node.set("type", kind)
        if default is not None:
            node.set("defaultValue", default)
        for value in values:
            etree.SubElement(node, f"{{{CAMUNDA}}}value", id=value, name=value.upper())
        if constraints:
            validation = etree.SubElement(node, f"{{{CAMUNDA}}}validation")
            for name, config in constraints:
                constraint = etree.SubElement(validation, f"{{{CAMUNDA}}}constraint", name=name)
                if config is not None:
                    constraint.set("config", config)
    return form


FIELDS = st.lists(st.tuples(st.sampled_from(["a", "b", "amount", "_x", "1a", ""]), TYPES, CONSTRAINTS,
                            st.one_of(st.none(), TEXT, st.sampled_from(["true", "12", "${x}", "it"])),
                            st.lists(st.sampled_from(["it", "office"]), max_size=2, unique=True)), max_size=4)


@given(FIELDS)
def test_any_form_gives_a_valid_schema_or_named_problems(fields):
    schema, problems = form_schema(_form(fields))
    Draft202012Validator.check_schema(schema)
    assert all(isinstance(message, str) and message for _, message in problems)
    for name, field in schema["properties"].items():
        assert name.isidentifier() and not name.startswith("_")
        if "default" in field:  # a default the form offers is one the form accepts
            assert not list(Draft202012Validator(field, format_checker=Draft202012Validator.FORMAT_CHECKER)
                            .iter_errors(field["default"]))
    assert set(schema.get("required", [])) <= set(schema["properties"])


def test_types_constraints_and_labels():
    schema, problems = form_schema(_form([
        ("amount", "long", [("required", None), ("min", "1"), ("max", "9")], "5", []),
        ("kind", "enum", [("readonly", None)], "it", ["it", "office"]),
    ]))
    assert problems == []
    assert schema == {
        "type": "object", "additionalProperties": False, "required": ["amount"],
        "properties": {
            "amount": {"type": "integer", "minimum": 1, "maximum": 9, "default": 5},
            "kind": {"type": "string", "readOnly": True, "default": "it",
                     "oneOf": [{"const": "it", "title": "IT"}, {"const": "office", "title": "OFFICE"}]},
        },
    }
