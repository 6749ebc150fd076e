"""Deploy-time validation: every problem of a diagram, each named by its element, before
anything is stored (the deploy itself is tested in tests/engine/test_deploy.py)."""
from __future__ import annotations

from engine.operations import OperationRegistry
from engine.validation import MAX_BPMN_BYTES, FormSource, validate
from tests.conftest import FIXTURES

NS = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
      'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"')


def diagram(body: str, process_id: str = "p") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions {NS} id="d" targetNamespace="t">'
            f'<bpmn:process id="{process_id}" isExecutable="true">{body}</bpmn:process></bpmn:definitions>').encode()


def problems(xml: bytes) -> list[dict]:
    found = validate(xml, FormSource(FIXTURES / "forms"), OperationRegistry())
    assert found.problems and not found.processes
    return [p.to_dict() for p in found.problems]


def test_a_valid_diagram_yields_its_process_and_forms():
    found = validate((FIXTURES / "forms_and_messages.bpmn").read_bytes(), FormSource(FIXTURES / "forms"),
                     OperationRegistry())
    assert found.problems == []
    assert [(p.process_key, p.name) for p in found.processes] == [("request", "Request with form")]
    assert sorted(found.forms) == ["request-start.schema.json", "request.schema.json", "request.uischema.json"]
    assert found.forms["request.schema.json"]["required"] == ["amount", "lines"]


def test_uploaded_forms_come_before_the_forms_folder():
    uploaded = {"request.schema.json": b'{"type": "object", "required": ["other"]}'}
    found = validate((FIXTURES / "forms_and_messages.bpmn").read_bytes(),
                     FormSource(FIXTURES / "forms", uploaded), OperationRegistry())
    assert found.forms["request.schema.json"] == {"type": "object", "required": ["other"]}
    assert FormSource(FIXTURES / "forms").read("../loop.bpmn") is None  # nothing outside the folder


def test_every_problem_is_listed_with_its_element():
    xml = diagram(
        '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="gw"/>'
        '<bpmn:exclusiveGateway id="gw" name="Choose" default="f3"/>'
        '<bpmn:sequenceFlow id="f2" name="Bad" sourceRef="gw" targetRef="script">'
        '<bpmn:conditionExpression>amount &gt;</bpmn:conditionExpression></bpmn:sequenceFlow>'
        '<bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="svc"/>'
        '<bpmn:scriptTask id="script" name="Escape"><bpmn:script>x = ().__class__.__base__.__subclasses__()</bpmn:script></bpmn:scriptTask>'
        '<bpmn:sequenceFlow id="f4" sourceRef="script" targetRef="wait"/>'
        '<bpmn:intermediateCatchEvent id="wait" name="Wait"><bpmn:timerEventDefinition>'
        '<bpmn:timeDuration>"five minutes"</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
        '<bpmn:sequenceFlow id="f5" sourceRef="wait" targetRef="e"/>'
        '<bpmn:serviceTask id="svc" name="Unknown op"><bpmn:extensionElements>'
        '<spiffworkflow:serviceTaskOperator id="nobody.home"/></bpmn:extensionElements></bpmn:serviceTask>'
        '<bpmn:sequenceFlow id="f6" sourceRef="svc" targetRef="form_task"/>'
        '<bpmn:userTask id="form_task" name="Fill in"><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="formJsonSchemaFilename" value="missing.schema.json"/>'
        '<spiffworkflow:property name="formUiSchemaFilename" value="broken.schema.json"/>'
        '</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>'
        '<bpmn:sequenceFlow id="f7" sourceRef="form_task" targetRef="bad_form"/>'
        '<bpmn:userTask id="bad_form" name="Broken form"><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="formJsonSchemaFilename" value="broken.schema.json"/>'
        '</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>'
        '<bpmn:sequenceFlow id="f8" sourceRef="bad_form" targetRef="e"/>'
        '<bpmn:endEvent id="e"/>'
    )
    found = problems(xml)
    by_element = {}
    for p in found:
        by_element.setdefault(p.get("element_id"), []).append(p["message"])
    assert "f2" in by_element and "refused" in by_element["f2"][0]
    assert any("__class__" in m for m in by_element["script"])
    assert any("five minutes" in m for m in by_element["wait"])
    assert any("nobody.home" in m and "not registered" in m for m in by_element["svc"])
    assert any("missing.schema.json" in m and "does not exist" in m for m in by_element["form_task"])
    assert any("not a valid JSON Schema" in m for m in by_element["bad_form"])
    assert next(p for p in found if p.get("element_id") == "script")["element_name"] == "Escape"


def test_sandbox_escapes_are_refused():
    for code in ("__import__('os').system('id')", "().__class__.__base__.__subclasses__()"):
        xml = diagram('<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
                      f'<bpmn:scriptTask id="t" name="Sneaky"><bpmn:script>x = {code}</bpmn:script></bpmn:scriptTask>'
                      '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/><bpmn:endEvent id="e"/>')
        (problem,) = problems(xml)
        assert problem["element_id"] == "t" and "starts with \"_\"" in problem["message"]


def test_schema_and_structure_errors():
    (problem,) = problems(diagram('<bpmn:startEvent id="s"/><bpmn:notATask id="x"/>'))
    assert "BPMN schema" in problem["message"] and "notATask" in problem["message"]
    unconditioned = diagram(
        '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="gw"/>'
        '<bpmn:exclusiveGateway id="gw" default="f2"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="e"/><bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="e"/>'
        '<bpmn:endEvent id="e"/>')
    (problem,) = problems(unconditioned)
    assert problem["element_id"] == "f3" and "without condition" in problem["message"]


def test_unsafe_or_malformed_files_are_refused_before_parsing():
    dtd = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]>'
           + diagram('<bpmn:startEvent id="s"/>').split(b"?>", 1)[1])
    assert "DTD" in problems(dtd)[0]["message"]
    assert "limit" in problems(b" " * (MAX_BPMN_BYTES + 1))[0]["message"]
    assert "not well-formed" in problems(b"<bpmn:definitions")[0]["message"]
    assert "no executable process" in problems(
        diagram('<bpmn:startEvent id="s"/>').replace(b'isExecutable="true"', b'isExecutable="false"')
    )[0]["message"]
