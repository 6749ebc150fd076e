"""Diagrams drawn in other modelers (Camunda 7 and 8, spiff-arena) deploy and run unchanged,
or are refused with the element, what it says and what would be accepted; SQLite and
PostgreSQL. The translator itself: tests/unit/engine/test_expressions.py."""
from __future__ import annotations

import pytest

from engine.errors import Conflict, DeploymentRejected
from tests.conftest import FIXTURES

NS = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
      'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
      'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"')


def diagram(body: str, process_id: str = "p", before: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions {NS} id="d" targetNamespace="t">{before}'
            f'<bpmn:process id="{process_id}" isExecutable="true">{body}</bpmn:process></bpmn:definitions>').encode()


def gateway(first: str, second: str = "") -> bytes:
    """A start, a gateway with two conditioned flows to two user tasks, and a default."""
    def condition(text):
        return f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{text}</bpmn:conditionExpression>'
    return diagram(
        '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="gw"/>'
        '<bpmn:exclusiveGateway id="gw" default="f_other"/>'
        f'<bpmn:sequenceFlow id="f_first" sourceRef="gw" targetRef="e_first">{condition(first)}</bpmn:sequenceFlow>'
        + (f'<bpmn:sequenceFlow id="f_second" sourceRef="gw" targetRef="e_second">{condition(second)}'
           '</bpmn:sequenceFlow><bpmn:userTask id="e_second"/>' if second else "")
        + '<bpmn:sequenceFlow id="f_other" sourceRef="gw" targetRef="e_other"/>'
          '<bpmn:userTask id="e_first"/><bpmn:userTask id="e_other"/>')


def refused(engine, xml: bytes) -> list[dict]:
    with pytest.raises(DeploymentRejected) as caught:
        engine.deploy(xml, deployed_by="owner")
    details = [p.to_dict() for p in caught.value.details]
    for detail in details:  # never a Python repr, never an id of None
        assert "<Element" not in detail["message"] and " at 0x" not in detail["message"], detail
        assert '"None"' not in detail["message"] and "'None'" not in detail["message"], detail
    return details


def routed_to(engine, instance: dict) -> list[str]:
    return [task["element_id"] for task in engine.tasks(instance_id=instance["id"])]


def test_a_camunda_diagram_with_juel_deploys_unchanged_and_routes(engine, clock):
    """The issue's "done when" for expressions: Camunda Modeler's JUEL conditions and a
    JUEL timer run; the stored diagram keeps what was written, the response shows the Python."""
    xml = (FIXTURES / "camunda_juel.bpmn").read_bytes()
    (deployed,) = engine.deploy(xml, deployed_by="owner", filename="camunda_juel.bpmn")
    assert deployed["warnings"] == []
    by_element = {e["element_id"]: e for e in deployed["expressions"]}
    assert by_element["Flow_large"] == {
        "element_id": "Flow_large", "element_type": "sequenceFlow", "kind": "condition", "language": "JUEL",
        "original": "${amount > 1000}", "python": "amount > 1000"}
    assert by_element["TimerEventDefinition_1"]["python"] == "'P' + str(cooling_days) + 'D'"
    assert "${amount &gt; 1000}" in engine.definition_xml(deployed["id"])  # what the modeler shows

    large = engine.start("purchase", {"amount": 5000, "requester": {"name": "Kim"}, "cooling_days": 2}, actor="kim")
    (approve,) = engine.tasks(instance_id=large["id"])
    assert approve["element_id"] == "Task_approve"
    engine.complete_task(approve["id"], {"approved": True, "cooling_days": 2}, actor="boss")
    assert [t["element_id"] for t in engine.instance(large["id"])["timers"]] == ["Event_cooling"]
    clock.advance(days=2, minutes=1)
    engine.tick()
    assert engine.instance(large["id"])["status"] == "completed"

    rejected = engine.start("purchase", {"amount": 1001, "requester": {"name": "Kim"}, "cooling_days": 1},
                            actor="kim")
    engine.complete_task(engine.tasks(instance_id=rejected["id"])[0]["id"], {"approved": False, "cooling_days": 1},
                         actor="boss")
    assert engine.instance(rejected["id"])["status"] == "completed"
    assert engine.instance(rejected["id"])["timers"] == []

    small = engine.start("purchase", {"amount": 1000, "requester": {"name": "Kim"}, "cooling_days": 1}, actor="kim")
    assert [t["element_id"] for t in engine.instance(small["id"])["timers"]] == ["Event_auto"]
    unknown = engine.start("purchase", {"amount": 10, "requester": {"name": ""}, "cooling_days": 1}, actor="kim")
    assert [t["element_id"] for t in engine.tasks(instance_id=unknown["id"])] == ["Task_check"]


def test_feel_conditions_route_too(engine):
    engine.deploy(gateway("=amount &gt; 1000 and approved = true", "=amount &lt;= 1000 or not(approved)"),
                  deployed_by="owner")
    first = engine.start("p", {"amount": 2000, "approved": True}, actor="a")
    second = engine.start("p", {"amount": 2000, "approved": False}, actor="a")
    assert routed_to(engine, first) == ["e_first"] and routed_to(engine, second) == ["e_second"]


def test_an_unsupported_expression_is_refused_with_element_expression_and_what_is_supported(engine):
    details = refused(engine, gateway("${amount &gt; 1000 ? true : false}", "${bean.check(amount)}"))
    by_element = {d["element_id"]: d["message"] for d in details}
    assert set(by_element) == {"f_first", "f_second"}
    assert "${amount > 1000 ? true : false}" in by_element["f_first"]
    assert "conditional operator" in by_element["f_first"] and "Supported in JUEL" in by_element["f_first"]
    assert "method calls are not supported" in by_element["f_second"]
    assert engine.definitions() == []


def test_a_python_syntax_error_says_python_is_expected(engine):
    (detail,) = refused(engine, gateway("amount &gt;"))
    assert detail["element_id"] == "f_first" and "Python is expected" in detail["message"]
    assert "JUEL ${…} or FEEL =…" in detail["message"]
    groovy = diagram('<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
                     '<bpmn:scriptTask id="t" scriptFormat="groovy"><bpmn:script>def total = 1;</bpmn:script>'
                     '</bpmn:scriptTask><bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/><bpmn:endEvent id="e"/>')
    (detail,) = refused(engine, groovy)
    assert detail["element_id"] == "t" and "scripts are Python (scriptFormat 'groovy' is not supported)" in detail[
        "message"]


def test_empty_scripts_and_a_parameter_without_value_are_accepted_as_spiffworkflow_accepts_them(engine):
    xml = diagram(
        '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="fill"/>'
        '<bpmn:userTask id="fill"><bpmn:extensionElements><spiffworkflow:preScript/>'
        '<spiffworkflow:postScript></spiffworkflow:postScript></bpmn:extensionElements></bpmn:userTask>'
        '<bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="double"/>'
        '<bpmn:serviceTask id="double"><bpmn:extensionElements>'
        '<spiffworkflow:serviceTaskOperator id="test.double" resultVariable="doubled"><spiffworkflow:parameters>'
        '<spiffworkflow:parameter id="x" type="int" value="n"/><spiffworkflow:parameter id="unused" type="str"/>'
        '</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>'
        '<bpmn:sequenceFlow id="f3" sourceRef="double" targetRef="e"/><bpmn:endEvent id="e"/>')
    engine.deploy(xml, deployed_by="owner")
    instance = engine.start("p", {}, actor="a")
    engine.complete_task(engine.tasks(instance_id=instance["id"])[0]["id"], {"n": 21}, actor="a")
    engine.tick()
    view = engine.instance(instance["id"])
    assert view["status"] == "completed" and view["data"]["doubled"] == {"value": 42}


def test_layout_errors_are_warnings_and_the_process_runs(engine):
    xml = (FIXTURES / "camunda_juel.bpmn").read_bytes().replace(
        b'<dc:Bounds x="152" y="182" width="36" height="36" />', b'<dc:Bounds x="left" y="182" height="36" />'
    ).replace(b'<di:waypoint x="188" y="200" />', b'<di:waypoint x="188" />')
    (deployed,) = engine.deploy(xml, deployed_by="owner")
    messages = [w["message"] for w in deployed["warnings"]]
    assert len(messages) == 3 and all("layout (BPMNDI" in m for m in messages)
    assert any("'left' is not a valid value" in m for m in messages)
    instance = engine.start("purchase", {"amount": 10, "requester": {"name": ""}, "cooling_days": 1}, actor="a")
    assert [t["element_id"] for t in engine.tasks(instance_id=instance["id"])] == ["Task_check"]
    broken_process = xml.replace(b'<bpmn:endEvent id="Event_rejected"', b'<bpmn:notAnEvent id="Event_rejected"')
    assert any("notAnEvent" in d["message"] for d in refused(engine, broken_process))


def test_sequence_flows_without_ids_get_ids(engine):
    xml = diagram('<bpmn:startEvent id="s"/><bpmn:sequenceFlow sourceRef="s" targetRef="t"/>'
                  '<bpmn:userTask id="t"/><bpmn:sequenceFlow sourceRef="t" targetRef="e"/><bpmn:endEvent id="e"/>'
                  '<bpmn:task id="Flow_t_e"/>')  # the id it would get is taken
    (deployed,) = engine.deploy(xml, deployed_by="owner")
    assert sorted(w["message"].split("runs as ")[1][:12] for w in deployed["warnings"]) == [
        "'Flow_s_t' (", "'Flow_t_e_2'"]
    instance = engine.start("p", {}, actor="a")
    engine.complete_task(engine.tasks(instance_id=instance["id"])[0]["id"], {}, actor="a")
    assert engine.instance(instance["id"])["status"] == "completed"


def test_multiple_outgoing_flows_of_a_task_name_its_type(engine):
    xml = diagram('<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
                  '<bpmn:userTask id="t" name="Decide"/><bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e1"/>'
                  '<bpmn:sequenceFlow id="f3" sourceRef="t" targetRef="e2"/>'
                  '<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>')
    (detail,) = refused(engine, xml)
    assert detail["element_id"] == "t" and detail["element_type"] == "userTask"
    assert "tasks of type userTask: add a parallel gateway" in detail["message"]


def test_a_business_rule_task_without_a_decision_says_so(engine):
    xml = diagram('<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
                  '<bpmn:businessRuleTask id="t"/><bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>'
                  '<bpmn:endEvent id="e"/>')
    (detail,) = refused(engine, xml)
    assert detail["element_id"] == "t" and "names no decision" in detail["message"]


MESSAGE_START = diagram(
    '<bpmn:startEvent id="s"><bpmn:messageEventDefinition messageRef="m_order"/></bpmn:startEvent>'
    '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/><bpmn:userTask id="t"/>'
    '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/><bpmn:endEvent id="e"/>',
    process_id="ordering", before='<bpmn:message id="m_order" name="order_placed"/>')


def test_a_message_start_event_starts_an_instance_when_its_message_is_sent(engine):
    engine.deploy(MESSAGE_START, deployed_by="owner")
    with pytest.raises(Conflict, match="starts when message 'order_placed' is sent"):
        engine.start("ordering", {}, actor="a")
    assert engine.instances() == []
    started = engine.correlate_message("order_placed", {"item": "chair"}, actor="shop", business_key="o-1")
    assert started["business_key"] == "o-1" and started["process_key"] == "ordering"
    view = engine.instance(started["id"])
    assert view["data"]["item"] == "chair"
    assert [t["element_id"] for t in view["tasks"]] == ["t"]
    (started_entry,) = [e for e in engine.history(started["id"]) if e["action"] == "started"]
    assert started_entry["details"]["message"] == "order_placed" and started_entry["actor"] == "shop"
    other = engine.correlate_message("order_placed", {"item": "desk"}, actor="shop")
    assert other["id"] != started["id"] and len(engine.instances()) == 2
