"""Deploy-time checks that used to pass and then fail at run time (no database needed).

Each problem names its element by id, name and BPMN type and says what to write instead.
"""
from __future__ import annotations

from xml.sax.saxutils import escape

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from engine.operations import OperationRegistry
from engine.validation import MAX_GATEWAY_BRANCHES, FormSource, _spiff_problem, validate
from tests.unit.engine.test_validation import diagram


def problems(body: str) -> list[dict]:
    return [p.to_dict() for p in validate(diagram(body), FormSource(), OperationRegistry()).problems]


def only_problem(body: str) -> dict:
    (problem,) = problems(body)
    return problem


def between(element: str) -> str:
    """A process start -> element -> end (the element's id is x)."""
    return ('<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="x"/>'
            f'{element}<bpmn:sequenceFlow id="f2" sourceRef="x" targetRef="e"/><bpmn:endEvent id="e"/>')


def timer(kind: str, text: str) -> str:
    return between(f'<bpmn:intermediateCatchEvent id="x" name="Wait"><bpmn:timerEventDefinition>'
                   f'<bpmn:{kind}>{escape(text)}</bpmn:{kind}></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>')


def script(code: str) -> str:
    return between(f'<bpmn:scriptTask id="x" name="Compute"><bpmn:script>{escape(code)}</bpmn:script></bpmn:scriptTask>')


@pytest.mark.parametrize("kind, text", [
    ("timeDuration", "PT5M"), ("timeDuration", "P7D"), ("timeDuration", "P1Y2M3DT4H5M6.5S"),
    ("timeDate", "2026-12-15"), ("timeDate", "2026-12-15T09:30:00+01:00"), ("timeDate", "2026-W51-2"),
    ("timeCycle", "R3/PT10M"), ("timeCycle", "R/2026-12-15T09:00:00Z/P1D"),
    ("timeDuration", '"PT5M"'), ("timeDuration", "days_duration(interval)"),
])
def test_iso_values_bare_or_quoted_and_expressions_deploy(kind, text):
    assert problems(timer(kind, text)) == []


@pytest.mark.parametrize("kind, text, says", [
    ("timeDuration", "5", "gave int 5"),
    ("timeDate", "20261215", "gave int 20261215"),
    ("timeDuration", "None", "gave NoneType"),
    ("timeDate", '"P2D"', "not a valid ISO 8601 date"),
    ("timeCycle", "PT10M", "not a valid ISO 8601 cycle"),
    ("timeDate", "2026-13-45", "not a valid ISO 8601 date"),
    ("timeDuration", "P1W2D", "not a valid ISO 8601 duration"),
    ("timeCycle", "0 0 9 * * ?", "neither an ISO 8601 value nor an expression"),
])
def test_timer_literals_that_cannot_work_are_refused(kind, text, says):
    problem = only_problem(timer(kind, text))
    assert (problem["element_id"], problem["element_name"], problem["element_type"]) == (
        "x", "Wait", "intermediateCatchEvent")
    assert says in problem["message"] and "such as" in problem["message"]


def test_conditional_event_conditions_are_compiled():
    problem = only_problem(between(
        '<bpmn:intermediateCatchEvent id="x" name="Until approved"><bpmn:conditionalEventDefinition>'
        '<bpmn:condition>approved ==</bpmn:condition></bpmn:conditionalEventDefinition>'
        '</bpmn:intermediateCatchEvent>'))
    assert problem["element_id"] == "x" and "event condition 'approved =='" in problem["message"]
    assert problems(between(
        '<bpmn:intermediateCatchEvent id="x"><bpmn:conditionalEventDefinition>'
        '<bpmn:condition>approved == True</bpmn:condition></bpmn:conditionalEventDefinition>'
        '</bpmn:intermediateCatchEvent>')) == []


@pytest.mark.parametrize("operator", ["+", "-", "*", "/", "//", "%", "**", "<<", ">>", "&", "|", "^"])
def test_every_in_place_operator_deploys_on_names_and_says_what_to_write_on_items(operator):
    assert problems(script(f"n = 6\nn {operator}= 2")) == []
    problem = only_problem(script(f"d = {{'k': 6}}\nd['k'] {operator}= 2"))
    assert f"write 'd['k'] = d['k'] {operator} 2' instead" in problem["message"]


def test_script_task_without_a_script_is_refused():
    for task in ('<bpmn:scriptTask id="x" name="Compute"/>',
                 '<bpmn:scriptTask id="x" name="Compute"><bpmn:script>  </bpmn:script></bpmn:scriptTask>'):
        problem = only_problem(between(task))
        assert (problem["element_id"], problem["element_type"]) == ("x", "scriptTask")
        assert "make it a plain task" in problem["message"]


@pytest.mark.parametrize("code", ["import math", "from datetime import date", "import os.path as p"])
def test_imports_are_refused_with_what_is_available(code):
    problem = only_problem(script(f"{code}\nx = 1"))
    assert problem["element_id"] == "x" and f"'{code}' is not available" in problem["message"]
    assert "math, random and string are there without importing" in problem["message"]


def test_every_structural_problem_is_listed_with_id_name_and_type():
    listed = problems(
        '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="nowhere"/>'
        '<bpmn:intermediateCatchEvent id="m" name="Wait for reply"><bpmn:messageEventDefinition messageRef="reply"/>'
        '</bpmn:intermediateCatchEvent><bpmn:sequenceFlow id="f2" sourceRef="m" targetRef="g"/>'
        '<bpmn:eventBasedGateway id="g"/><bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="t"/>'
        '<bpmn:task id="t" name="Plain"/><bpmn:sequenceFlow id="f4" sourceRef="t" targetRef="e"/>'
        '<bpmn:endEvent id="e" name="Failed"><bpmn:errorEventDefinition errorRef="oops"/></bpmn:endEvent>'
        '<bpmn:callActivity id="c" name="Call other" calledElement="elsewhere"/>'
        '<bpmn:intermediateThrowEvent id="sig" name="Shout"><bpmn:signalEventDefinition signalRef="loud"/>'
        '</bpmn:intermediateThrowEvent><bpmn:dataObjectReference id="dr" name="Notes" dataObjectRef="ghost"/>')
    assert sorted((p["element_type"], p["element_id"], p.get("element_name")) for p in listed) == [
        ("callActivity", "c", "Call other"), ("dataObjectReference", "dr", "Notes"), ("endEvent", "e", "Failed"),
        ("intermediateCatchEvent", "m", "Wait for reply"), ("intermediateThrowEvent", "sig", "Shout"),
        ("sequenceFlow", "f1", None), ("sequenceFlow", "f3", None)]
    for problem in listed:
        assert "<Element" not in problem["message"] and "0x" not in problem["message"]
        assert "Error(" not in problem["message"]


def test_problems_spiffworkflow_finds_carry_id_name_and_type():
    problem = only_problem(between('<bpmn:task id="x" name="Loop"><bpmn:standardLoopCharacteristics/></bpmn:task>'))
    assert (problem["element_type"], problem["element_id"], problem["element_name"]) == ("task", "x", "Loop")
    assert problem["message"] == "A loopMaximum or loopCondition must be specified for Loop Tasks"


def _fan_out(branches: int) -> str:
    flows = "".join(f'<bpmn:sequenceFlow id="a{i}" sourceRef="split" targetRef="join"/>' for i in range(branches))
    return ('<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="split"/>'
            f'<bpmn:parallelGateway id="split" name="Fan out"/><bpmn:parallelGateway id="join"/>{flows}'
            '<bpmn:sequenceFlow id="fe" sourceRef="join" targetRef="e"/><bpmn:endEvent id="e"/>')


def test_parallel_gateways_wider_than_the_limit_are_refused():
    assert problems(_fan_out(MAX_GATEWAY_BRANCHES)) == []
    listed = problems(_fan_out(MAX_GATEWAY_BRANCHES + 1))
    assert [(p["element_id"], p["element_type"]) for p in listed] == [("split", "parallelGateway"),
                                                                      ("join", "parallelGateway")]
    assert f"{MAX_GATEWAY_BRANCHES + 1} outgoing flows; the limit is {MAX_GATEWAY_BRANCHES}" in listed[0]["message"]


def test_reprs_in_what_spiffworkflow_reports_become_names():
    """SpiffWorkflow formats some findings with ``%r``; the element's repr becomes its tag."""
    task = etree.fromstring(diagram('<bpmn:task id="t" name="Write"><bpmn:dataOutputAssociation id="a">'
                                    '<bpmn:targetRef>x</bpmn:targetRef></bpmn:dataOutputAssociation></bpmn:task>'))
    node = task.find(".//{*}task")
    inner = node.find(".//{*}targetRef")
    for raised in (ValidationException(f"Cannot resolve dataOutputAssociation {inner}", node),
                   ValidationException("%r" % KeyError(f"no {inner}"), node)):
        problem = _spiff_problem(raised)
        assert (problem.element_type, problem.element_id, problem.element_name) == ("task", "t", "Write")
        assert "targetRef" in problem.message and "<Element" not in problem.message and "0x" not in problem.message
