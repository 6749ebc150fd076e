"""Bundles without a database: file names from outside, the hit policies DMN tables run with,
and what a deployment of several files tells about each file."""
from __future__ import annotations

import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.bundles import MAX_NAME_LENGTH, sort_files
from engine.operations import OperationRegistry
from engine.validation import FormSource, validate_bundle
from engine.workflow import next_user_task
from tests.conftest import FIXTURES
from tests.unit.engine.workflows import started

BUNDLE = FIXTURES / "bundle"
FILES = {p.name: p.read_bytes() for p in sorted(BUNDLE.iterdir())}
NAMES = st.text(min_size=0, max_size=300) | st.sampled_from(
    ["../order.bpmn", "..\\order.bpmn", "a/b.bpmn", "C:order.bpmn", ".hidden.bpmn", "x\x00.bpmn", "x\n.dmn",
     "\ud800.bpmn", " ", "", "order.BPMN", "x" * 250 + ".bpmn", "notes.txt"])
SUFFIXES = st.sampled_from(["", ".bpmn", ".dmn", ".json", ".bpmn20.xml"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(NAMES, SUFFIXES), max_size=5))
def test_a_file_name_from_outside_is_sorted_or_refused_by_name_never_raises(names):
    files = {name + suffix: b"<x/>" for name, suffix in names}
    found = sort_files(files)
    accepted = {**found.bpmn, **found.dmn, **found.forms}
    for name in accepted:
        assert 0 < len(name) <= MAX_NAME_LENGTH and not name.startswith(".")
        assert name.isprintable() and not set(name) & set("/\\:")
    for problem in found.problems:
        shown = problem.file or ""
        assert "\x00" not in shown and len(shown) <= MAX_NAME_LENGTH + 1 and shown.isprintable()
        shown.encode("utf-8")  # no lone surrogate left: it can be stored and logged
    assert len(accepted) + len([p for p in found.problems if p.file is not None]) <= len(files)


@given(st.text(alphabet=string.printable, max_size=40))
def test_whatever_the_names_a_bundle_validates_without_raising(name):
    result = validate_bundle({name: FILES["order.bpmn"], "discount.dmn": FILES["discount.dmn"]}, FormSource(),
                             OperationRegistry())
    assert result.problems or result.processes


def test_problems_name_their_file_only_when_the_deployment_holds_several():
    broken = FILES["shipping.bpmn"].replace(b"str(weight)", b"str(weight")
    alone = validate_bundle({"shipping.bpmn": broken}, FormSource(BUNDLE), OperationRegistry()).problems
    together = validate_bundle({**FILES, "shipping.bpmn": broken}, FormSource(), OperationRegistry()).problems
    assert [(p.file, p.element_id) for p in alone] == [(None, "label")]
    assert [(p.file, p.element_id) for p in together] == [("shipping.bpmn", "label")]
    assert str(together[0]).startswith("shipping.bpmn scriptTask label (Write the label): script")


def _decision(policy: str) -> bytes:
    return FILES["discount.dmn"].replace(b'hitPolicy="FIRST"', f'hitPolicy="{policy}"'.encode())


def _order_spec(dmn: bytes) -> str:
    files = {**FILES, "discount.dmn": dmn}
    result = validate_bundle(files, FormSource(), OperationRegistry())
    assert result.problems == [], [str(p) for p in result.problems]
    return next(p for p in result.processes if p.process_key == "order").spec_json


def test_hit_policies_give_what_the_table_says():
    first = started(_order_spec(_decision("FIRST")), {"customer": "Ann", "tier": "silver"})
    assert _data(first)["discount"] == 0.1
    collect = started(_order_spec(_decision("COLLECT")), {"customer": "Ann", "tier": "silver"})
    assert _data(collect)["discount"] == [0.1, 0]  # every matching rule, in rule order
    unique = _decision("UNIQUE").replace(b"<text>-</text>", b'<text>"bronze"</text>')
    assert _data(started(_order_spec(unique), {"customer": "Ann", "tier": "gold"}))["discount"] == 0.2


def _data(workflow) -> dict:
    """The data the decision left, as the called process's first task sees it."""
    waiting = next_user_task(workflow)
    assert waiting.task_spec.bpmn_id == "pack"
    return waiting.data


@pytest.mark.parametrize(("attributes", "says"), [
    ('calledElement="shipping" camunda:calledElementBinding="versionTag"', "'versionTag' is not supported"),
    ('calledElement="shipping" camunda:calledElementBinding="version" camunda:calledElementVersion="v2"',
     "'v2' is not a version number"),
    ('calledElement="shipping" camunda:calledElementBinding="version" camunda:calledElementVersion="99999999999"',
     "is not a version number"),
    ('calledElement="shipping" camunda:calledElementBinding="version" camunda:calledElementVersion="2"',
     "version 2 of process 'shipping', which is not deployed"),
    ("", "names no process to call (calledElement)"),
])
def test_a_call_activity_binding_is_checked(attributes, says):
    order = FILES["order.bpmn"].replace(b"<bpmn:definitions ", b'<bpmn:definitions xmlns:camunda="http://camunda.org/'
                                                               b'schema/1.0/bpmn" ')
    order = order.replace(b'calledElement="shipping"', attributes.encode())
    problems = validate_bundle({**FILES, "order.bpmn": order}, FormSource(), OperationRegistry()).problems
    assert [(p.file, p.element_id) for p in problems] == [("order.bpmn", "ship")] and says in problems[0].message


CAMUNDA_ORDER = FILES["order.bpmn"].replace(
    b"<bpmn:definitions ", b'<bpmn:definitions xmlns:camunda="http://camunda.org/schema/1.0/bpmn" ').replace(
    b"<bpmn:extensionElements><spiffworkflow:calledDecisionId>discount</spiffworkflow:calledDecisionId>"
    b"</bpmn:extensionElements>", b"")


@pytest.mark.parametrize(("mapping", "policy", "result"), [
    (None, "FIRST", [{"discount": 0.1}]),
    ("resultList", "COLLECT", [{"discount": 0.1}, {"discount": 0}]),
    ("collectEntries", "COLLECT", [0.1, 0]),
    ("singleResult", "FIRST", {"discount": 0.1}),
    ("singleEntry", "UNIQUE", 0.1),
])
def test_a_camunda_business_rule_task_puts_the_result_where_camunda_would(mapping, policy, result):
    attributes = 'camunda:decisionRef="discount" camunda:resultVariable="result"' + (
        f' camunda:mapDecisionResult="{mapping}"' if mapping else "")
    order = CAMUNDA_ORDER.replace(b'<bpmn:businessRuleTask id="price"',
                                  f'<bpmn:businessRuleTask id="price" {attributes}'.encode())
    files = {**FILES, "order.bpmn": order, "discount.dmn": _decision(policy),
             "shipping.bpmn": FILES["shipping.bpmn"].replace(b"discount * 100", b"0")}
    result_of = validate_bundle(files, FormSource(), OperationRegistry())
    assert result_of.problems == [], [str(p) for p in result_of.problems]
    spec = next(p for p in result_of.processes if p.process_key == "order").spec_json
    data = _data(started(spec, {"customer": "Ann", "tier": "silver"}))
    assert data["result"] == result and "discount" not in data


def test_camunda_result_mappings_and_bindings_outside_camunda_7_are_refused():
    order = CAMUNDA_ORDER.replace(b'<bpmn:businessRuleTask id="price"', b'<bpmn:businessRuleTask id="price" '
                                  b'camunda:decisionRef="discount" camunda:mapDecisionResult="firstOne" '
                                  b'camunda:decisionRefBinding="versionTag"')
    problems = validate_bundle({**FILES, "order.bpmn": order}, FormSource(), OperationRegistry()).problems
    assert [p.element_id for p in problems] == ["price", "price"]
    assert "'firstOne' is not one of" in problems[0].message and "'versionTag' is not supported" in problems[1].message


def test_a_process_or_decision_twice_in_a_deployment_is_refused_naming_both_files():
    twice = {**FILES, "again.bpmn": FILES["shipping.bpmn"], "again.dmn": FILES["discount.dmn"]}
    problems = validate_bundle(twice, FormSource(), OperationRegistry()).problems
    assert sorted((p.file, p.element_id, p.message.split(";")[0]) for p in problems) == [
        ("again.bpmn", "shipping", "process 'shipping' is also in shipping.bpmn"),
        ("again.dmn", None, "decision 'discount' is also in discount.dmn")]


DMN_TEXT = FILES["discount.dmn"].decode()
ATTRIBUTES = sorted(set(re.findall(r' [\w:]+="[^"]*"', DMN_TEXT)))
ELEMENTS = sorted(set(re.findall(r"<(\w+)[ >]", DMN_TEXT)))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(ATTRIBUTES), max_size=4), st.lists(st.sampled_from(ELEMENTS), max_size=2),
       st.tuples(st.integers(0, len(DMN_TEXT)), st.integers(0, 40)))
def test_a_damaged_decision_is_refused_with_reasons_never_an_exception(attributes, elements, cut):
    """Attributes the DMN schema lets out but SpiffWorkflow reads, elements renamed, bytes cut."""
    text = DMN_TEXT
    for attribute in attributes:
        text = text.replace(attribute, "")
    for element in elements:
        text = re.sub(rf"(</?){element}([ >/])", rf"\1{element}x\2", text)
    text = text[:cut[0]] + text[cut[0] + cut[1]:]
    result = validate_bundle({**FILES, "discount.dmn": text.encode()}, FormSource(), OperationRegistry())
    assert result.problems or result.processes
    assert all("Traceback" not in p.message and "KeyError" not in p.message for p in result.problems)
