"""POST /api/messages/{name}: a message with no waiting instance starts the process whose
start event waits for it; the deploy response shows translated JUEL (SQLite and PostgreSQL)."""
from __future__ import annotations

from tests.api.test_resources import upload
from tests.conftest import FIXTURES
from tests.engine.test_foreign_diagrams import MESSAGE_START


def test_a_message_starts_its_process_then_reaches_nothing_else(api):
    assert upload(api, "owner", MESSAGE_START, name="ordering.bpmn").status_code == 201
    refused = api.as_("admin").post("/api/instances", json={"process_key": "ordering", "data": {}})
    assert refused.status_code == 409 and "starts when message 'order_placed' is sent" in refused.json["message"]
    started = api.as_("admin").post("/api/messages/order_placed",
                                    json={"business_key": "o-1", "data": {"item": "chair"}})
    assert started.status_code == 200, started.json
    assert started.json["process_key"] == "ordering" and started.json["data"]["item"] == "chair"
    assert [t["element_id"] for t in started.json["tasks"]] == ["t"]
    nobody = api.as_("admin").post("/api/messages/no_such_message", json={"business_key": "o-2"})
    assert nobody.status_code == 404 and "no deployed process starts on message" in nobody.json["message"]
    assert api.as_("ada").post("/api/messages/order_placed", json={}).status_code == 403


def test_the_deploy_response_lists_juel_with_its_python(api):
    response = upload(api, "owner", (FIXTURES / "camunda_juel.bpmn").read_bytes(), name="camunda_juel.bpmn")
    assert response.status_code == 201, response.json
    (definition,) = response.json
    assert {"element_id": "Flow_large", "element_type": "sequenceFlow", "kind": "condition", "language": "JUEL",
            "original": "${amount > 1000}", "python": "amount > 1000"} in definition["expressions"]
