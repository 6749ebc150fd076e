"""The names the code relies on (innovation/model.py) exist in processes/innovation.bpmn.

A gate, lane, phase, end event or message renamed in the modeler must fail here, not
silently drop a decision or an outcome from the initiative record.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from innovation.domain.vocabulary import ABORT_CATEGORY_TITLES, Decision
from innovation.model import (
    ABORT_MESSAGE,
    ABORT_VARIABLE,
    ASSESSMENT_FORM,
    ASSESSMENT_TASK,
    ASSESSMENT_UI_FORM,
    DECISIONS,
    GATE_TASKS,
    LANE_ROLES,
    LESSONS_TASK,
    OUTCOMES,
    PHASE_SUBPROCESSES,
    PROCESS_KEY,
    Lane,
    Role,
    lanes_for,
)

ROOT = Path(__file__).resolve().parents[3]
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
DIAGRAM = etree.parse(str(ROOT / "processes" / "innovation.bpmn")).getroot()
PROCESS = DIAGRAM.find(f"bpmn:process[@id='{PROCESS_KEY}']", NS)


def element(element_id: str):
    found = PROCESS.xpath(f".//*[@id='{element_id}']")
    assert found, f"{element_id} is not in processes/innovation.bpmn"
    return found[0]


def form_of(task) -> dict:
    name = task.find(".//spiffworkflow:property[@name='formJsonSchemaFilename']", NS).get("value")
    return json.loads((ROOT / "forms" / name).read_text(encoding="utf-8"))


def test_the_process_key_is_the_executable_process():
    assert PROCESS is not None and PROCESS.get("isExecutable") == "true"


def test_every_lane_of_the_diagram_has_a_role_and_every_role_lane_exists():
    names = {lane.get("name") for lane in PROCESS.iter(f"{{{NS['bpmn']}}}lane")}
    assert names == set(Lane) == set(LANE_ROLES)


@pytest.mark.parametrize("task_id", sorted(GATE_TASKS))
def test_each_gate_is_a_user_task_whose_form_carries_its_decision(task_id):
    task, gate = element(task_id), GATE_TASKS[task_id]
    assert etree.QName(task).localname == "userTask"
    fields = form_of(task)["properties"]
    assert gate.decision_field in fields and gate.rationale_field in fields
    assert gate.amounts_field is None or gate.amounts_field in fields
    offered = {choice["const"] for choice in fields[gate.decision_field]["oneOf"]}
    logged = offered if gate.logged is None else set(gate.logged)
    assert logged <= offered  # the words that are decisions (the rest are rounds) are offered
    # every decision the form offers is one the record knows (directly or through the form's word)
    assert logged and {DECISIONS.get(word, word) for word in logged} <= {d.value for d in Decision}


@pytest.mark.parametrize("phase", PHASE_SUBPROCESSES)
def test_each_phase_is_a_subprocess(phase):
    assert etree.QName(element(phase)).localname == "subProcess"


@pytest.mark.parametrize("end_event", sorted(OUTCOMES))
def test_each_outcome_is_an_end_event_of_the_process(end_event):
    assert element(end_event).getparent() is PROCESS
    assert etree.QName(element(end_event)).localname == "endEvent"


def test_the_abort_message_is_declared_and_caught():
    message = DIAGRAM.find(f"bpmn:message[@name='{ABORT_MESSAGE}']", NS)
    assert message is not None
    assert PROCESS.xpath(".//bpmn:messageEventDefinition[@messageRef=$ref]", namespaces=NS, ref=message.get("id"))


def test_every_abort_catch_keeps_the_payload_where_the_lessons_form_confirms_it():
    message = DIAGRAM.find(f"bpmn:message[@name='{ABORT_MESSAGE}']", NS)
    catches = PROCESS.xpath(".//bpmn:messageEventDefinition[@messageRef=$ref]", namespaces=NS, ref=message.get("id"))
    assert {c.find("bpmn:extensionElements/spiffworkflow:messageVariable", NS).text for c in catches} == {ABORT_VARIABLE}
    abort = form_of(element(LESSONS_TASK))["properties"][ABORT_VARIABLE]
    assert abort["required"] == ["category", "reason"]
    assert [(o["const"], o["title"]) for o in abort["properties"]["category"]["oneOf"]] == [
        (category.value, f"{sv} / {en}") for category, (sv, en) in ABORT_CATEGORY_TITLES.items()]


def test_the_assessment_task_uses_the_criteria_form():
    task = element(ASSESSMENT_TASK)
    names = {p.get("name"): p.get("value") for p in task.iterfind(".//spiffworkflow:property", NS)}
    assert (names["formJsonSchemaFilename"], names["formUiSchemaFilename"]) == (ASSESSMENT_FORM, ASSESSMENT_UI_FORM)


def test_lanes_for_follows_the_roles():
    assert lanes_for({Role.DECISION_MAKER}) == [Lane.FORVALTNINGSLEDNING]
    assert lanes_for({Role.ADMIN}) == []
