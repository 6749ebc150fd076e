"""Deploy: versioning, identical redeploys, and refusal of every kind of broken diagram."""
from __future__ import annotations

import pytest

from engine.errors import DeploymentRejected
from engine.validation import MAX_BPMN_BYTES
from tests.conftest import FIXTURES

NS = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
      'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"')


def diagram(body: str, process_id: str = "p") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions {NS} id="d" targetNamespace="t">'
            f'<bpmn:process id="{process_id}" isExecutable="true">{body}</bpmn:process></bpmn:definitions>').encode()


def rejected(engine, xml: bytes) -> list[dict]:
    with pytest.raises(DeploymentRejected) as caught:
        engine.deploy(xml, deployed_by="owner")
    return [p.to_dict() for p in caught.value.details]


def test_versions_and_identical_redeploy(engine, deploy):
    first = deploy("loop.bpmn")
    again = deploy("loop.bpmn")
    assert first["version"] == 1 and first["created"]
    assert again["id"] == first["id"] and not again["created"]
    changed = (FIXTURES / "loop.bpmn").read_bytes().replace(b'name="Take a step"', b'name="Take one step"')
    second = engine.deploy(changed, deployed_by="owner")[0]
    assert second["version"] == 2 and second["sha256"] != first["sha256"]
    assert [d["version"] for d in engine.definitions("loop")] == [1, 2]


def test_running_instances_stay_on_their_version(engine, deploy):
    deploy("loop.bpmn")
    old = engine.start("loop", {"limit": 2}, actor="a")
    changed = (FIXTURES / "loop.bpmn").read_bytes().replace(b"count = count + 1", b"count = count + 2")
    engine.deploy(changed, deployed_by="owner")
    new = engine.start("loop", {"limit": 2}, actor="a")
    for instance in (old, new):
        engine.complete_task(engine.tasks(instance_id=instance["id"])[0]["id"], {}, actor="a")
    assert engine.instance(old["id"])["data"]["count"] == 1
    assert engine.instance(old["id"])["definition_version"] == 1
    assert engine.instance(new["id"])["status"] == "completed"
    assert engine.instance(new["id"])["definition_version"] == 2


def test_every_problem_is_listed_with_its_element(engine):
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
    problems = rejected(engine, xml)
    by_element = {}
    for p in problems:
        by_element.setdefault(p.get("element_id"), []).append(p["message"])
    assert "f2" in by_element and "refused" in by_element["f2"][0]
    assert any("__class__" in m for m in by_element["script"])
    assert any("five minutes" in m for m in by_element["wait"])
    assert any("nobody.home" in m and "not registered" in m for m in by_element["svc"])
    assert any("missing.schema.json" in m and "does not exist" in m for m in by_element["form_task"])
    assert any("not a valid JSON Schema" in m for m in by_element["bad_form"])
    assert next(p for p in problems if p.get("element_id") == "script")["element_name"] == "Escape"
    assert engine.definitions() == []


def test_sandbox_escapes_are_refused(engine):
    for code in ("__import__('os').system('id')", "().__class__.__base__.__subclasses__()"):
        xml = diagram('<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
                      f'<bpmn:scriptTask id="t" name="Sneaky"><bpmn:script>x = {code}</bpmn:script></bpmn:scriptTask>'
                      '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/><bpmn:endEvent id="e"/>')
        (problem,) = rejected(engine, xml)
        assert problem["element_id"] == "t" and "starts with \"_\"" in problem["message"]


def test_schema_and_structure_errors(engine):
    schema_error = diagram('<bpmn:startEvent id="s"/><bpmn:notATask id="x"/>')
    (problem,) = rejected(engine, schema_error)
    assert "BPMN schema" in problem["message"] and "notATask" in problem["message"]
    unconditioned = diagram(
        '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="gw"/>'
        '<bpmn:exclusiveGateway id="gw" default="f2"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="e"/><bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="e"/>'
        '<bpmn:endEvent id="e"/>')
    (problem,) = rejected(engine, unconditioned)
    assert problem["element_id"] == "f3" and "without condition" in problem["message"]


def test_unsafe_or_malformed_files_are_refused_before_parsing(engine):
    dtd = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]>'
           + diagram('<bpmn:startEvent id="s"/>').split(b"?>", 1)[1])
    assert "DTD" in rejected(engine, dtd)[0]["message"]
    assert "limit" in rejected(engine, b" " * (MAX_BPMN_BYTES + 1))[0]["message"]
    assert "not well-formed" in rejected(engine, b"<bpmn:definitions")[0]["message"]
    assert "no executable process" in rejected(
        engine, diagram('<bpmn:startEvent id="s"/>').replace(b'isExecutable="true"', b'isExecutable="false"')
    )[0]["message"]
