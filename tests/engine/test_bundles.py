"""Deployments of several files: DMN decisions, call activities across files and deployments,
forms from the bundle; refusals name the file, the element and what is missing, and store nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.errors import DeploymentRejected, ProcessFailure
from engine.tables import AuditEntry
from tests.conftest import FIXTURES

BUNDLE = FIXTURES / "bundle"
FILES = {p.name: p.read_bytes() for p in sorted(BUNDLE.iterdir())}
CAMUNDA = b'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '


def _without(*names: str) -> dict[str, bytes]:
    return {name: content for name, content in FILES.items() if name not in names}


def _run_order(engine, tier: str = "gold", weight: int = 2) -> dict:
    """Start an order, pack it in the called process (a user task with the bundle's form), finish."""
    started = engine.start("order", {"customer": "Ann", "tier": tier}, actor="clerk")
    assert [t["element_id"] for t in started["tasks"]] == ["pack"]
    task = engine.tasks(instance_id=started["id"])[0]
    assert engine.task_form(task["id"])["schema"]["required"] == ["weight"]
    return engine.complete_task(task["id"], {"weight": weight}, actor="clerk")


def _rejected(engine, files: dict[str, bytes]):
    before = engine.definitions()
    with pytest.raises(DeploymentRejected) as caught:
        engine.deploy_bundle(files, deployed_by="owner")
    assert engine.definitions() == before
    return caught.value


def test_a_bundle_deploys_as_one_and_runs_decision_and_call_activity(engine):
    deployed = {d["process_key"]: d for d in engine.deploy_files([BUNDLE], deployed_by="owner")}
    assert deployed["order"]["files"] == ["discount.dmn", "shipping.bpmn"]
    assert deployed["order"]["forms"] == ["order-start.schema.json", "pack.schema.json"]
    assert deployed["shipping"]["version"] == 1 and deployed["shipping"]["files"] == []
    done = _run_order(engine)
    assert done["status"] == "completed"
    assert done["data"]["discount"] == 0.2 and done["data"]["label"] == "Ann: 2 kg, 20% off"
    assert _run_order(engine, tier="bronze")["data"]["label"] == "Ann: 2 kg, 0% off"
    again = engine.deploy_files([BUNDLE], deployed_by="owner")
    assert [d["created"] for d in again] == [False, False]


def test_an_edited_decision_makes_a_new_version_of_the_diagrams_that_use_it_only(engine):
    engine.deploy_bundle(FILES, deployed_by="owner")
    edited = {**FILES, "discount.dmn": FILES["discount.dmn"].replace(b"<text>0.2</text>", b"<text>0.3</text>")}
    deployed = {d["process_key"]: d for d in engine.deploy_bundle(edited, deployed_by="owner")}
    assert (deployed["order"]["version"], deployed["order"]["created"]) == (2, True)
    assert (deployed["shipping"]["version"], deployed["shipping"]["created"]) == (1, False)
    assert _run_order(engine)["data"]["discount"] == 0.3


def test_a_call_activity_runs_the_latest_deployed_version_of_a_process_outside_the_bundle(engine):
    engine.deploy_bundle({"shipping.bpmn": FILES["shipping.bpmn"], "pack.schema.json": FILES["pack.schema.json"]},
                         deployed_by="owner")
    order = engine.deploy_bundle(_without("shipping.bpmn", "pack.schema.json"), deployed_by="owner")
    assert [(d["process_key"], d["files"]) for d in order] == [("order", ["discount.dmn"])]
    assert order[0]["forms"] == ["order-start.schema.json", "pack.schema.json"]  # the callee's form comes along
    assert _run_order(engine)["status"] == "completed"
    with engine.reading() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.element_id == "order")).one()
        assert entry.details["calls"] == {"shipping": 1} and entry.details["files"] == ["discount.dmn"]
    # a new callee version is picked up when the caller is deployed again, as a new version
    faster = FILES["shipping.bpmn"].replace(b'" kg, "', b'" kilo, "')
    engine.deploy_bundle({"shipping.bpmn": faster, "pack.schema.json": FILES["pack.schema.json"]}, deployed_by="owner")
    redeployed = engine.deploy_bundle(_without("shipping.bpmn", "pack.schema.json"), deployed_by="owner")
    assert (redeployed[0]["version"], redeployed[0]["created"]) == (2, True)
    assert "kilo" in _run_order(engine)["data"]["label"]


def test_a_pinned_version_runs_that_version(engine):
    for label in (b'" kg, "', b'" kilo, "'):
        engine.deploy_bundle({"shipping.bpmn": FILES["shipping.bpmn"].replace(b'" kg, "', label),
                              "pack.schema.json": FILES["pack.schema.json"]}, deployed_by="owner")
    pinned = FILES["order.bpmn"].replace(b"<bpmn:definitions ", b"<bpmn:definitions " + CAMUNDA).replace(
        b'calledElement="shipping"', b'calledElement="shipping" camunda:calledElementBinding="version" '
                                     b'camunda:calledElementVersion="1"')
    engine.deploy_bundle({**_without("shipping.bpmn"), "order.bpmn": pinned}, deployed_by="owner")
    assert " kg, " in _run_order(engine)["data"]["label"]
    missing = pinned.replace(b'camunda:calledElementVersion="1"', b'camunda:calledElementVersion="7"')
    problem, = _rejected(engine, {**_without("shipping.bpmn"), "order.bpmn": missing}).details
    assert (problem.file, problem.element_id) == ("order.bpmn", "ship")
    assert "version 7 of process 'shipping'" in problem.message


def test_an_unknown_callee_is_refused_with_the_call_activity_and_the_process(engine):
    problem, = _rejected(engine, _without("shipping.bpmn")).details
    assert (problem.file, problem.element_id, problem.element_type) == ("order.bpmn", "ship", "callActivity")
    assert "'shipping'" in problem.message and "neither in this deployment nor deployed" in problem.message


def test_a_missing_decision_is_refused_with_the_task_and_the_decision(engine):
    problem, = _rejected(engine, _without("discount.dmn")).details
    assert (problem.file, problem.element_id, problem.element_type) == ("order.bpmn", "price", "businessRuleTask")
    assert "decision 'discount'" in problem.message and "decisions here: none" in problem.message


@pytest.mark.parametrize(("change", "element", "says"), [
    ((b"</definitions>", b""), None, "is not well-formed XML"),
    ((b'hitPolicy="FIRST"', b'hitPolicy="SOMETIMES"'), "discount_table", "does not match the DMN 1.3 schema"),
    ((b'hitPolicy="FIRST"', b'hitPolicy="RULE ORDER"'), "discount_table", "hit policy RULE ORDER is not supported"),
    ((b'hitPolicy="FIRST"', b'hitPolicy="COLLECT" aggregation="SUM"'), "discount_table", "aggregation SUM"),
    ((b'<text>"silver"</text>', b'<text>"silver" or __import__("os")</text>'), "silver_in", "input entry"),
    ((b"<text>tier</text>", b"<text></text>"), "in_tier", "input has no expression"),
    ((b"<text>0.1</text>", b"<text>0.1 +</text>"), "silver_out", "output entry '0.1 +' is refused"),
])
def test_a_malformed_decision_is_refused_with_file_element_and_reason(engine, change, element, says):
    problems = _rejected(engine, {**FILES, "discount.dmn": FILES["discount.dmn"].replace(*change)}).details
    assert problems and all(p.file == "discount.dmn" for p in problems)
    assert any(p.element_id == element and says in p.message for p in problems), problems
    assert not any("No matching global declaration" in p.message for p in problems)


def test_a_file_of_the_wrong_kind_is_told_apart(engine):
    as_bpmn = _rejected(engine, {**_without("discount.dmn"), "discount.bpmn": FILES["discount.dmn"]}).details
    assert any(p.file == "discount.bpmn" and "is a DMN file; name it .dmn" in p.message for p in as_bpmn)
    as_dmn = _rejected(engine, {**FILES, "discount.dmn": FILES["shipping.bpmn"]}).details
    assert any(p.file == "discount.dmn" and "not a DMN file" in p.message and "name it .bpmn" in p.message
               for p in as_dmn)


def test_forms_come_from_the_bundle_else_from_forms_and_are_refused_when_neither_has_them(engine):
    problems = _rejected(engine, _without("pack.schema.json")).details
    assert [(p.file, p.element_id) for p in problems] == [("shipping.bpmn", "pack")]
    assert "'pack.schema.json' does not exist: neither in this deployment nor in forms/" in problems[0].message
    # forms/ (the engine's folder) still serves a diagram deployed on its own
    request = (FIXTURES / "forms_and_messages.bpmn").read_bytes()
    assert engine.deploy(request, deployed_by="owner", filename="request.bpmn")[0]["forms"] == [
        "request-start.schema.json", "request.schema.json", "request.uischema.json"]


def _diagram(process_id: str, body: str, executable: str = "true") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/'
            f'20100524/MODEL" id="{process_id}_defs" targetNamespace="http://bpmn.io/schema/bpmn">'
            f'<bpmn:process id="{process_id}" isExecutable="{executable}"><bpmn:startEvent id="{process_id}_start"/>'
            f'<bpmn:sequenceFlow id="{process_id}_f1" sourceRef="{process_id}_start" targetRef="{process_id}_do"/>'
            f'{body}<bpmn:sequenceFlow id="{process_id}_f2" sourceRef="{process_id}_do" targetRef="{process_id}_end"/>'
            f'<bpmn:endEvent id="{process_id}_end"/></bpmn:process></bpmn:definitions>').encode()


def _call(process_id: str, callee: str) -> bytes:
    return _diagram(process_id, f'<bpmn:callActivity id="{process_id}_do" calledElement="{callee}"/>')


def test_a_deployed_callee_brings_the_processes_it_calls(engine):
    engine.deploy(_diagram("count", '<bpmn:scriptTask id="count_do"><bpmn:script>n = n + 1</bpmn:script>'
                                    '</bpmn:scriptTask>'), deployed_by="owner", filename="count.bpmn")
    engine.deploy(_call("middle", "count"), deployed_by="owner", filename="middle.bpmn")
    engine.deploy(_call("outer", "middle"), deployed_by="owner", filename="outer.bpmn")
    done = engine.start("outer", {"n": 1}, actor="clerk")
    assert (done["status"], done["data"]["n"]) == ("completed", 2)


def test_a_callee_that_is_not_executable_is_refused_at_the_call(engine):
    problem, = _rejected(engine, {"outer.bpmn": _call("outer", "inner"),
                                  "inner.bpmn": _diagram("inner", '<bpmn:task id="inner_do"/>', "false")}).details
    assert (problem.file, problem.element_id) == ("outer.bpmn", "outer_do") and "not executable" in problem.message


def test_a_decision_that_fails_at_run_time_names_the_business_rule_task(engine):
    unknown = {**FILES, "discount.dmn": FILES["discount.dmn"].replace(b"<text>tier</text>", b"<text>level</text>")}
    engine.deploy_bundle(unknown, deployed_by="owner")
    with pytest.raises(ProcessFailure) as caught:
        engine.start("order", {"customer": "Ann", "tier": "gold"}, actor="clerk")
    assert caught.value.details[0].element_id == "price" and "'level' is not defined" in caught.value.message
    assert engine.instances() == []
