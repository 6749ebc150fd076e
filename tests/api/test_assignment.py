"""Assigning a task: only to an existing user holding the lane's role (for a decision, in the
initiative's administration); otherwise 422 naming the field ``assignee``."""
from __future__ import annotations

from tests.api.flows import ApiInitiative


def assign(api, task_id: str, assignee: str, manager: str = "ivar"):
    return api.as_(manager).post(f"/api/tasks/{task_id}/assign", json={"assignee": assignee})


def test_assignment_needs_an_existing_user_with_the_lane_role(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.to_exploration()
    task = flow.task("ada", "utforska_behov")  # lane Idébärare: idea owners
    for assignee, reason in (("nobody", "does not exist"), ("ivar", "ivar is not a idea_owner, who act on task utforska_behov")):
        refused = assign(api, task["id"], assignee)
        assert refused.status_code == 422, refused.json
        assert refused.json["details"][0]["field"] == "/assignee" and reason in refused.json["details"][0]["message"]
    assert assign(api, task["id"], "bo").json["assignee"] == "bo"


def test_a_decision_goes_only_to_a_decision_maker_of_the_initiatives_administration(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)  # an SOF initiative
    flow.screen()
    task = flow.task("frida", "beslut_tid")  # SOF has no manager: its decision makers decide
    refused = assign(api, task["id"], "mf_boss")
    assert refused.status_code == 422 and "belongs to SOF" in refused.json["details"][0]["message"]
    assert assign(api, task["id"], "frida").json["assignee"] == "frida"
    assert assign(api, task["id"], "frida", manager="ada").status_code == 403
