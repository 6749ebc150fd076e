"""Reading who a user task is for out of the diagram (engine/assignment.py)."""
from __future__ import annotations

import pytest
from lxml import etree

from engine import assignment

HEAD = ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"><bpmn:process id="p">')


def _parts(lane_groups: str | None, task_attributes: str):
    lane = "" if lane_groups is None else (
        '<bpmn:laneSet id="s"><bpmn:lane id="l" name="L"><bpmn:extensionElements><spiffworkflow:properties>'
        f'<spiffworkflow:property name="candidateGroups" value="{lane_groups}"/>'
        '<spiffworkflow:property name="other" value="x"/>'
        '</spiffworkflow:properties></bpmn:extensionElements></bpmn:lane></bpmn:laneSet>')
    root = etree.fromstring(f'{HEAD}{lane}<bpmn:userTask id="t" {task_attributes}/></bpmn:process></bpmn:definitions>')
    return root.find(".//{*}userTask"), assignment.lanes_by_name(root).get("L")


@pytest.mark.parametrize("text, items", [
    ("a, b ,c", ["a", "b", "c"]), ("a,,b,", ["a", "b"]), ("", []), ("${x}, a", ["${x}", "a"]),
    ("${f(a, b)}, c", ["${f(a, b)}", "c"]), ("team-${x},y", ["team-${x}", "y"]), ("$a,#b", ["$a", "#b"]),
])
def test_a_comma_list_splits_outside_expressions(text, items):
    assert assignment.split(text) == items


def test_the_lane_gives_what_the_task_does_not_say_itself():
    task, lane = _parts("coordinator, admin", 'camunda:candidateUsers="kim"')
    assert assignment.rule(task, lane) == {"candidateGroups": [{"name": "coordinator"}, {"name": "admin"}],
                                           "candidateUsers": [{"name": "kim"}]}
    task, lane = _parts("coordinator", 'camunda:candidateGroups="${group}" camunda:assignee="${owner.name}"')
    rule = assignment.rule(task, lane)
    assert rule["candidateGroups"] == [{"python": "group", "original": "${group}"}]
    assert rule["assignee"]["python"] == "owner['name']"
    assert assignment.rule(*_parts(None, "")) is None


def test_evaluation_names_the_candidates_and_the_assignee_is_one_of_them():
    task, lane = _parts("coordinator", 'camunda:candidateUsers="${reviewers}" camunda:assignee="${owner}"')
    data = {"reviewers": "kim, lena", "owner": "olle"}
    result = assignment.evaluate(assignment.rule(task, lane), lambda python: eval(python, {}, dict(data)))
    assert result == {"candidate_groups": ["coordinator"], "candidate_users": ["kim", "lena", "olle"],
                      "assignee": "olle"}
    data = {"reviewers": ["kim", "kim"], "owner": None}
    result = assignment.evaluate(assignment.rule(task, lane), lambda python: eval(python, {}, dict(data)))
    assert (result["candidate_users"], result["assignee"]) == (["kim"], None)


@pytest.mark.parametrize("value, message", [(7, "gives a int"), ({"a": 1}, "gives a dict"),
                                            (["a", 1], "gives a list"), ("a, b", "names 2 users")])
def test_an_expression_must_give_names(value, message):
    task, lane = _parts(None, 'camunda:assignee="${who}"')
    with pytest.raises(TypeError, match=message):
        assignment.evaluate(assignment.rule(task, lane), lambda python: value)


def test_problems_name_unknown_groups_and_untranslatable_expressions():
    task, lane = _parts("coordinater", 'camunda:candidateGroups="admin, ${a +}, boss" camunda:assignee="${x.}"')
    known = {"admin", "coordinator"}
    assert assignment.problems(lane, known) == [
        "candidateGroups names the unknown group 'coordinater'; known groups: admin, coordinator"]
    found = assignment.problems(task, known)
    assert found[1] == "candidateGroups names the unknown group 'boss'; known groups: admin, coordinator"
    assert found[0].startswith("candidateGroups '${a +}' is refused: ") and found[0].endswith("${variable}")
    assert found[2].startswith("assignee '${x.}' is refused")
    assert assignment.problems(task, None)[1:] == [found[2]]  # without known groups any name is accepted
