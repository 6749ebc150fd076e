"""The names the code relies on (innovation/model.py) exist in processes/innovation.bpmn.

A gate, lane, phase, end event or message renamed in the modeler must fail here, not
silently drop a decision or an outcome from the initiative record.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from innovation.domain.vocabulary import Decision
from innovation.model import (
    ABORT_MESSAGE,
    ALSO_ACTING,
    DECISIONS,
    GATE_TASKS,
    HOLD_POINTS,
    LANE_ROLES,
    MONEY_GATE_TASKS,
    OUTCOMES,
    PHASE_SUBPROCESSES,
    PROCESS_KEY,
    SETUP_TASK,
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
    # every decision the form offers is one the record knows (directly or through the form's word)
    assert offered and {DECISIONS.get(word, word) for word in offered} <= {d.value for d in Decision}


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


def test_lanes_for_follows_the_roles():
    assert lanes_for({Role.DECISION_MAKER}) == [Lane.FORVALTNINGSLEDNING]
    assert lanes_for({Role.ADMIN}) == []


@pytest.mark.parametrize("task_id", sorted({*HOLD_POINTS, *ALSO_ACTING, *MONEY_GATE_TASKS, SETUP_TASK}))
def test_the_money_gates_tasks_are_user_tasks(task_id):
    assert etree.QName(element(task_id)).localname == "userTask"


def test_each_paying_administration_decides_its_own_share():
    """beslut_pengar is one task per requested administration, scoped to it, whose answer is
    built from the request (never from a field the decision maker could fill in)."""
    task = element("beslut_pengar")
    loop = task.find("bpmn:multiInstanceLoopCharacteristics", NS)
    assert loop is not None and loop.get("isSequential") != "true"
    item = loop.find("bpmn:inputDataItem", NS).get("id")
    scope = task.find(".//spiffworkflow:property[@name='scope']", NS).get("value")
    assert scope == f'{item}["administration"]'
    assert f'"administration": {item}["administration"]' in task.find(".//spiffworkflow:postScript", NS).text
    assert "administration" not in form_of(task)["properties"]


def test_each_hold_point_can_resume_early_and_by_its_date():
    for task_id in HOLD_POINTS:
        timers = PROCESS.xpath(".//bpmn:boundaryEvent[@attachedToRef=$ref]/bpmn:timerEventDefinition",
                               namespaces=NS, ref=task_id)
        assert timers and HOLD_POINTS[task_id].variable in timers[0].findtext("bpmn:timeDate", namespaces=NS)
