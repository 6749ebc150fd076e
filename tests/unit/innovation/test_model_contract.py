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
    ALSO_ACTING,
    ASSESSMENT_FORM,
    ASSESSMENT_TASK,
    ASSESSMENT_UI_FORM,
    DECISIONS,
    FOLLOW_UP_TASK,
    FUTURE_DATES,
    GATE_TASKS,
    HOLD_ELEMENTS,
    HOLD_POINTS,
    IMPLEMENTATION_TASK,
    LANE_ROLES,
    LESSONS_TASK,
    MONEY_GATE_TASKS,
    OUTCOMES,
    OWNER_ASSIGNMENT,
    PAST_DATES,
    PHASE_SUBPROCESSES,
    PROCESS_KEY,
    RECEIVING_TASKS,
    SCALE_PROPOSAL_TASK,
    SCOPED_ROLES,
    SCREENING_TASK,
    SETUP_TASK,
    SPENDING_TASKS,
    STAND_INS,
    SUBMITTER_FIELD,
    Lane,
    Role,
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
    # every decision the form offers (that is logged) is one the record knows (directly or through the form's word)
    assert offered and logged <= offered
    assert {DECISIONS.get(word, word) for word in logged} <= {d.value for d in Decision}


def lane_of(element_id: str) -> str:
    refs = PROCESS.xpath(".//bpmn:lane[bpmn:flowNodeRef=$id]", namespaces=NS, id=element_id)
    assert refs, f"{element_id} is in no lane"
    return refs[0].get("name")


@pytest.mark.parametrize("task_id", sorted(SPENDING_TASKS))
def test_each_spending_task_reports_lines_per_administration(task_id):
    field = form_of(element(task_id))["properties"][SPENDING_TASKS[task_id]]
    assert field["type"] == "array" and set(field["items"]["required"]) == {"administration", "amount"}


@pytest.mark.parametrize("task_id,name", [(t, n) for rules in (FUTURE_DATES, PAST_DATES)
                                          for t, names in sorted(rules.items()) for n in names])
def test_checked_dates_are_date_fields_of_their_task(task_id, name):
    assert form_of(element(task_id))["properties"][name]["format"] == "date"


def test_hold_elements_exist():
    for element_id in HOLD_ELEMENTS:
        assert etree.QName(element(element_id)).localname in ("userTask", "intermediateCatchEvent", "boundaryEvent")


@pytest.mark.parametrize("task_id", RECEIVING_TASKS)
def test_the_receiving_administration_acts_in_the_management_lane(task_id):
    assert etree.QName(element(task_id)).localname == "userTask"
    assert lane_of(task_id) == Lane.FORVALTNINGSLEDNING


def test_the_scale_proposal_names_the_receiving_administration_and_the_planned_benefit():
    fields = form_of(element(SCALE_PROPOSAL_TASK))["properties"]
    assert "administration" in fields["receiving_organisation"]["required"]
    assert {"yearly_value", "yearly_cost"} <= set(fields["benefit_realisation"]["required"])


def test_implementation_and_follow_up_record_their_numbers():
    assert {"in_use_from", "verksamhet", "managed_by"} <= set(form_of(element(IMPLEMENTATION_TASK))["properties"])
    follow_up = form_of(element(FOLLOW_UP_TASK))
    assert {"realised_yearly_value", "realised_yearly_cost", "effects"} <= set(follow_up["required"])


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


def test_scoped_roles_hold_the_lanes_that_decide_per_administration():
    assert {LANE_ROLES[Lane.FORVALTNINGSLEDNING], LANE_ROLES[Lane.INNOVATIONSLEDARE],
            LANE_ROLES[Lane.NARMASTE_CHEF]} == set(SCOPED_ROLES)
    assert STAND_INS == {Role.MANAGER: Role.DECISION_MAKER}


def test_the_time_gate_is_the_nearest_managers_and_the_screening_the_coordinators():
    assert lane_of("beslut_tid") == Lane.NARMASTE_CHEF
    assert lane_of(SCREENING_TASK) == lane_of(OWNER_ASSIGNMENT.task) == Lane.INNOVATIONSLEDARE
    assert lane_of("utforska_behov") == Lane.IDEBARARE


def test_the_screening_settles_kind_and_administration_with_the_start_forms_choices():
    screening = form_of(element(SCREENING_TASK))
    start = json.loads((ROOT / "forms" / "initiative-start.schema.json").read_text(encoding="utf-8"))
    for field in ("kind", "administration"):
        assert screening["properties"][field]["oneOf"] == start["properties"][field]["oneOf"]
        assert field in screening["required"]


def test_the_start_form_says_who_submitted_and_the_screening_routes_on_it():
    start = json.loads((ROOT / "forms" / "initiative-start.schema.json").read_text(encoding="utf-8"))
    submitter = start["properties"][SUBMITTER_FIELD]
    assert {c["const"] for c in submitter["oneOf"]} == {"employee", "resident"} and SUBMITTER_FIELD in start["required"]
    conditions = [c.text for c in PROCESS.iter(f"{{{NS['bpmn']}}}conditionExpression")]
    assert all(any(f'{SUBMITTER_FIELD} == "{who}"' in c for c in conditions) for who in ("employee", "resident"))


def test_the_owner_assignment_task_carries_the_owner_field():
    task = element(OWNER_ASSIGNMENT.task)
    assert etree.QName(task).localname == "userTask"
    assert OWNER_ASSIGNMENT.field in form_of(task)["required"]


def test_time_comes_before_exploring_and_criteria_after():
    flows = {(f.get("sourceRef"), f.get("targetRef")) for f in PROCESS.iter(f"{{{NS['bpmn']}}}sequenceFlow")}

    def reaches(start: str, goal: str, avoiding=()) -> bool:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            if node == goal:
                return True
            if node in seen or node in avoiding:
                continue
            seen.add(node)
            todo += [target for source, target in flows if source == node]
        return False
    assert reaches("start_ide", "utforska_behov")
    # exploring needs working time granted (beslut tid) or, for a resident's idea, an internal owner
    assert not reaches(SCREENING_TASK, "utforska_behov", avoiding=("beslut_tid", OWNER_ASSIGNMENT.task))
    assert reaches("utforska_behov", "bedom_kriterier") and not reaches("bedom_kriterier", "beslut_tid")


def test_the_hold_at_the_time_gate_can_be_lifted_early():
    hold = element("vilande_tid")
    assert etree.QName(hold).localname == "userTask"
    [timer] = PROCESS.xpath(".//bpmn:boundaryEvent[@attachedToRef='vilande_tid']", namespaces=NS)
    assert timer.get("cancelActivity") in (None, "true") and timer.find("bpmn:timerEventDefinition", NS) is not None


def test_every_lane_says_its_role_in_the_diagram():
    """Who works in a lane is part of the diagram (engine/assignment.py reads it); LANE_ROLES
    only covers versions deployed before the lanes carried their roles, so the two agree."""
    for lane in PROCESS.iter(f"{{{NS['bpmn']}}}lane"):
        groups = lane.find("bpmn:extensionElements/spiffworkflow:properties/"
                           "spiffworkflow:property[@name='candidateGroups']", NS)
        assert groups is not None, f"lane {lane.get('id')} names no candidateGroups"
        assert groups.get("value") == LANE_ROLES[lane.get("name")], lane.get("id")
