"""Who a user task is for comes from the deployed diagram: a lane's candidate groups, a
task's own candidate groups and users, an assignee expression evaluated on the task's data."""
from __future__ import annotations

import pytest

from engine.core import Engine
from engine.errors import DeploymentRejected, ProcessFailure
from engine.tables import HumanTask
from tests.conftest import FIXTURES

DIAGRAM = (FIXTURES / "assignment.bpmn").read_bytes()
ROLES = ("idea_owner", "coordinator", "decision_maker", "process_owner", "admin")


@pytest.fixture
def engine(database_url, clock, operations):
    eng = Engine(database_url, operations=operations, clock=clock, groups=ROLES)
    yield eng
    eng.db.dispose()


def _open(engine, instance_id):
    (task,) = engine.tasks(instance_id=instance_id)
    return task


def test_the_candidates_come_from_the_lanes_and_tasks_of_the_diagram(engine):
    engine.deploy(DIAGRAM, deployed_by="owner", filename="granskning.bpmn")
    instance = engine.start("granskning", {"review_group": "process_owner", "owner": "kim"}, actor="a")
    granska = _open(engine, instance["id"])
    assert (granska["candidate_groups"], granska["candidate_users"], granska["assignee"]) == (
        ["coordinator"], None, None)  # the lane's role
    engine.complete_task(granska["id"], {}, actor="a")
    besluta = _open(engine, instance["id"])
    assert besluta["candidate_groups"] == ["process_owner", "admin"]  # the task's own list replaces the lane's
    engine.complete_task(besluta["id"], {"owner": "lena"}, actor="a")
    utfora = _open(engine, instance["id"])
    assert (utfora["candidate_groups"], utfora["candidate_users"], utfora["assignee"]) == (
        ["process_owner"], ["lena"], "lena")  # the assignee on the data when it became ready
    with engine.db.unit_of_work() as uow:
        row = uow.session.get(HumanTask, utfora["id"])
        assert (row.candidate_groups, row.candidate_users) == (",process_owner,", ",lena,")


def test_the_candidates_are_fixed_when_the_task_becomes_ready(engine):
    engine.deploy(DIAGRAM, deployed_by="owner", filename="granskning.bpmn")
    instance = engine.start("granskning", {"review_group": "coordinator", "owner": "kim"}, actor="a")
    engine.complete_task(_open(engine, instance["id"])["id"], {}, actor="a")
    engine.complete_task(_open(engine, instance["id"])["id"], {}, actor="a")
    utfora = _open(engine, instance["id"])
    engine.assign_task(utfora["id"], None, actor="manager")  # given back: kim stays a candidate
    engine.assign_task(utfora["id"], "kim", actor="manager")
    again = _open(engine, instance["id"])
    assert (again["assignee"], again["candidate_users"]) == ("kim", ["kim"])


def test_an_expression_that_gives_no_name_fails_at_the_task(engine):
    engine.deploy(DIAGRAM, deployed_by="owner", filename="granskning.bpmn")
    instance = engine.start("granskning", {"review_group": 7, "owner": "kim"}, actor="a")
    with pytest.raises(ProcessFailure, match="besluta") as caught:
        engine.complete_task(_open(engine, instance["id"])["id"], {}, actor="a")
    assert "a name, a comma list or a list of names" in str(caught.value.details[0].message)
    assert _open(engine, instance["id"])["element_id"] == "granska"  # nothing saved


def test_unknown_groups_are_refused_at_the_lane_and_the_task(engine):
    broken = DIAGRAM.replace(b'value="coordinator"', b'value="coordinater"').replace(
        b'${review_group}, admin', b'${review_group}, boss, ${a +}')
    with pytest.raises(DeploymentRejected) as caught:
        engine.deploy(broken, deployed_by="owner", filename="granskning.bpmn")
    found = {(p.element_id, p.message.split(";")[0]) for p in caught.value.details}
    assert found == {
        ("bana_granskare", "candidateGroups names the unknown group 'coordinater'"),
        ("besluta", "candidateGroups names the unknown group 'boss'"),
        ("besluta", next(p.message.split(";")[0] for p in caught.value.details if "${a +}" in p.message)),
    }
    assert "known groups: admin, coordinator, decision_maker, idea_owner, process_owner" in \
        caught.value.details[0].message


def test_without_a_list_of_groups_any_name_is_a_group(database_url, clock, operations):
    engine = Engine(database_url, operations=operations, clock=clock)
    try:
        engine.deploy(DIAGRAM.replace(b'value="coordinator"', b'value="granskare"'), deployed_by="o",
                      filename="granskning.bpmn")
        instance = engine.start("granskning", {}, actor="a")
        assert _open(engine, instance["id"])["candidate_groups"] == ["granskare"]
    finally:
        engine.db.dispose()


def test_a_task_inside_a_subprocess_in_a_lane_gets_the_lanes_candidates(engine):
    nested = DIAGRAM.replace(b'<bpmn:userTask id="granska" name="Granska" />', b'''<bpmn:subProcess id="fas">
      <bpmn:startEvent id="fas_start" /><bpmn:userTask id="granska" name="Granska" /><bpmn:endEvent id="fas_slut" />
      <bpmn:sequenceFlow id="g1" sourceRef="fas_start" targetRef="granska" />
      <bpmn:sequenceFlow id="g2" sourceRef="granska" targetRef="fas_slut" />
    </bpmn:subProcess>''').replace(b'<bpmn:flowNodeRef>granska</bpmn:flowNodeRef>',
                                   b'<bpmn:flowNodeRef>fas</bpmn:flowNodeRef>').replace(
        b'targetRef="granska" />\n    <bpmn:sequenceFlow id="f2" sourceRef="granska"',
        b'targetRef="fas" />\n    <bpmn:sequenceFlow id="f2" sourceRef="fas"')
    engine.deploy(nested, deployed_by="owner", filename="granskning.bpmn")
    task = _open(engine, engine.start("granskning", {"review_group": "admin"}, actor="a")["id"])
    assert (task["element_id"], task["lane"], task["candidate_groups"]) == ("granska", "Granskare", ["coordinator"])


def test_a_missing_variable_in_an_assignee_fails_at_the_task_that_would_open(engine):
    engine.deploy(DIAGRAM, deployed_by="owner", filename="granskning.bpmn")
    instance = engine.start("granskning", {"review_group": "admin"}, actor="a")
    engine.complete_task(_open(engine, instance["id"])["id"], {}, actor="a")
    besluta = _open(engine, instance["id"])
    with pytest.raises(ProcessFailure) as caught:
        engine.complete_task(besluta["id"], {}, actor="a")
    assert caught.value.details[0].element_id == "utfora" and "owner" in caught.value.details[0].message
    engine.complete_task(besluta["id"], {"owner": "kim"}, actor="a")  # with the variable it opens
    assert _open(engine, instance["id"])["assignee"] == "kim"
