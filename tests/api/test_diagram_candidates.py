"""Who may act on a task comes from the deployed diagram: its lanes' candidate groups, a
task's own candidate groups, an assignee expression. A user outside the candidates gets a
403 that says who the task is for; a candidate completes it; deploy refuses unknown groups."""
from __future__ import annotations

import io

from tests.conftest import FIXTURES

DIAGRAM = (FIXTURES / "assignment.bpmn").read_bytes()


def _start(api, engine, data):
    engine.deploy(DIAGRAM, deployed_by="owner", filename="granskning.bpmn")
    return engine.start("granskning", data, actor="admin")["id"]


def _open_task(engine, instance_id):
    (task,) = engine.tasks(instance_id=instance_id)
    return task


def _inbox(api, user):
    return {t["element_id"] for t in api.as_(user).get("/api/tasks").json}


def _complete(api, user, task):
    return api.as_(user).post(f"/api/tasks/{task['id']}/complete", json={"data": {}})


def test_the_lane_and_the_task_in_the_diagram_say_who_may_act(api, engine):
    instance_id = _start(api, engine, {"review_group": "process_owner", "owner": "bo"})
    granska = _open_task(engine, instance_id)  # lane Granskare: coordinator, by the diagram only
    assert "granska" in _inbox(api, "ivar") and "granska" not in _inbox(api, "owner")
    refused = _complete(api, "owner", granska)
    assert refused.status_code == 403
    assert refused.json["message"] == "owner is not a coordinator, who act on task granska (the diagram)"
    assert _complete(api, "ivar", granska).status_code == 200

    besluta = _open_task(engine, instance_id)  # its own candidateGroups="${review_group}, admin"
    listed = next(t for t in api.as_("owner").get("/api/tasks").json if t["id"] == besluta["id"])
    assert (listed["candidate_groups"], listed["candidate_users"]) == (["process_owner", "admin"], None)
    assert "besluta" not in _inbox(api, "ivar") and {"besluta"} <= _inbox(api, "owner") & _inbox(api, "admin")
    assert "is not a process_owner or admin" in _complete(api, "ivar", besluta).json["message"]
    assert _complete(api, "owner", besluta).status_code == 200

    utfora = _open_task(engine, instance_id)  # camunda:assignee="${owner}": bo, an idea owner
    assert utfora["assignee"] == "bo" and "utfora" in _inbox(api, "bo")
    assert _complete(api, "ada", utfora).status_code == 403
    unfit = api.as_("ivar").post(f"/api/tasks/{utfora['id']}/assign", json={"assignee": "ada"})
    assert unfit.status_code == 422 and unfit.json["details"][0]["field"] == "/assignee"
    assert api.as_("bo").post(f"/api/tasks/{utfora['id']}/unclaim").status_code == 200
    assert "utfora" in _inbox(api, "bo")  # given back, the named assignee is still a candidate
    assert _complete(api, "bo", utfora).status_code == 200
    assert engine.instance(instance_id)["status"] == "completed"
    denied = [e["details"]["reason"] for e in engine.history(instance_id) if e["action"] == "access_denied"]
    assert len(denied) == 3 and "ada is not a process_owner nor bo" in denied[2]  # each refusal audited


def test_a_lane_of_the_innovation_model_follows_its_role_in_the_diagram(api, engine):
    """Idébärare is an idea owner's lane in LANE_ROLES; a diagram that gives it to coordinators wins."""
    engine.deploy(DIAGRAM.replace(b'name="Granskare"', 'name="Idébärare"'.encode()), deployed_by="owner",
                  filename="granskning.bpmn")
    granska = _open_task(engine, engine.start("granskning", {"review_group": "admin"}, actor="ada")["id"])
    assert granska["lane"] == "Idébärare" and "granska" not in _inbox(api, "ada")
    assert "ada is not a coordinator" in _complete(api, "ada", granska).json["message"]
    assert _complete(api, "ivar", granska).status_code == 200


def test_deploy_refuses_a_group_that_is_not_a_role(api):
    broken = DIAGRAM.replace(b'value="process_owner"', b'value="granskare"')
    response = api.as_("owner").post("/api/definitions", data={"file": (io.BytesIO(broken), "granskning.bpmn")},
                                     content_type="multipart/form-data")
    assert response.status_code == 422, response.json
    (problem,) = response.json["details"]
    assert problem["element_id"] == "bana_agare"
    assert problem["message"] == ("candidateGroups names the unknown group 'granskare'; known groups: admin, "
                                  "coordinator, decision_maker, idea_owner, manager, process_owner")
