"""The join rule: every branch's changes since the split reach the joined token; for a
variable two branches changed, the branch that arrives last wins and the conflict is
written to the audit log. Diagrams where branches write the same variable deploy with a
warning naming the split."""
from __future__ import annotations

import pytest

from tests.conftest import FIXTURES

GATEWAYS = pytest.mark.parametrize("process", ["parallel_join", "inclusive_join"])
FILES = {"parallel_join": "joins_parallel.bpmn", "inclusive_join": "joins_inclusive.bpmn"}
BOTH = {"use_left": True, "use_right": True}


def run(engine, process: str, steps: list[tuple[str, dict]], start: dict | None = None) -> dict:
    engine.deploy_file(FIXTURES / FILES[process], deployed_by="owner")
    instance = engine.start(process, start or BOTH, actor="a")
    for element, submitted in steps:
        (task,) = [t for t in engine.tasks(instance_id=instance["id"]) if t["element_id"] == element]
        engine.complete_task(task["id"], submitted, actor="a")
    done = engine.instance(instance["id"])
    assert done["status"] == "completed"
    return done


def conflicts(engine, instance_id: str) -> list:
    return [c for entry in engine.history(instance_id) for c in entry["details"].get("join_conflicts", [])]


@GATEWAYS
@pytest.mark.parametrize("first", ["left", "right"])
def test_a_branch_keeps_its_change_whichever_arrives_first(engine, process, first):
    """SpiffWorkflow alone gives the join the last branch's copy, so a = 1 when left is first."""
    other = "right" if first == "left" else "left"
    submitted = {"left": {"a": 2}, "right": {}}
    done = run(engine, process, [(first, submitted[first]), (other, submitted[other])])
    assert (done["data"]["a"], done["data"]["b"]) == (2, 1)
    assert conflicts(engine, done["id"]) == []


@GATEWAYS
def test_changes_to_different_variables_are_all_kept(engine, process):
    done = run(engine, process, [("left", {"a": 2, "from_left": "x"}), ("right", {"b": 3, "from_right": "y"})])
    assert {k: done["data"][k] for k in ("a", "b", "shared", "from_left", "from_right")} == {
        "a": 2, "b": 3, "shared": 0, "from_left": "x", "from_right": "y"}


@GATEWAYS
@pytest.mark.parametrize("order", [("left", "right"), ("right", "left")])
def test_the_branch_arriving_last_wins_a_conflict_and_it_is_audited(engine, process, order):
    values = {"left": 1, "right": 2}
    done = run(engine, process, [(element, {"shared": values[element]}) for element in order])
    assert done["data"]["shared"] == values[order[-1]]
    assert conflicts(engine, done["id"]) == [{"join": "join", "variable": "shared", "kept_from": order[-1]}]


@GATEWAYS
def test_the_same_value_from_both_branches_is_no_conflict(engine, process):
    done = run(engine, process, [("left", {"shared": 5}), ("right", {"shared": 5})])
    assert done["data"]["shared"] == 5 and conflicts(engine, done["id"]) == []


def test_an_inclusive_join_with_one_branch_taken_keeps_that_branch(engine):
    done = run(engine, "inclusive_join", [("left", {"a": 2})], start={"use_left": True, "use_right": False})
    assert (done["data"]["a"], done["data"]["b"]) == (2, 1)


def test_branches_writing_one_variable_deploy_with_a_warning_and_merge_by_arrival(engine):
    (deployed,) = engine.deploy_file(FIXTURES / "join_conflict.bpmn", deployed_by="owner")
    assert [(w["element_id"], w["element_name"]) for w in deployed["warnings"]] == [("split", "Estimate twice")]
    assert "writes total;" in deployed["warnings"][0]["message"]
    instance = engine.start("join_conflict", {}, actor="a")
    # The engine runs the split's outputs in order, so `dear` arrives last: 2, then * 10 after the join.
    assert (instance["data"]["total"], instance["data"]["cheap_done"]) == (20, True)
    assert conflicts(engine, instance["id"]) == [{"join": "join", "variable": "total", "kept_from": "dear"}]


def test_branches_writing_different_variables_deploy_without_warnings(engine):
    for name in FILES.values():
        assert [d["warnings"] for d in engine.deploy_file(FIXTURES / name, deployed_by="owner")] == [[]]
