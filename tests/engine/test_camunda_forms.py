"""A Camunda Modeler task form (camunda:formField) checks what the task accepts, as a
spiff task's JSON Schema does; what cannot be honoured is refused at deploy."""
from __future__ import annotations

import pytest

from engine.errors import DeploymentRejected, InvalidData
from tests.conftest import FIXTURES

DIAGRAM = (FIXTURES / "camunda_form.bpmn").read_bytes()


def test_the_fields_and_their_constraints_check_the_submitted_data(engine):
    engine.deploy(DIAGRAM, deployed_by="owner", filename="purchase.bpmn")
    instance = engine.start("purchase", {}, actor="a")
    (task,) = engine.tasks(instance_id=instance["id"])
    with pytest.raises(InvalidData) as caught:
        engine.complete_task(task["id"], {"amount": 0, "category": "cars", "urgent": "yes", "extra": 1}, actor="a")
    assert {p.field for p in caught.value.details} == {"/item", "/amount", "/category", "/urgent", "/extra"}
    with pytest.raises(InvalidData, match="/item"):
        engine.complete_task(task["id"], {"item": "x" * 41, "amount": 5}, actor="a")
    engine.complete_task(task["id"], {"item": "Laptop", "amount": 12000, "urgent": True, "needed_by": "2026-12-01",
                                      "category": "it"}, actor="a")
    done = engine.instance(instance["id"])
    assert done["status"] == "completed" and done["data"]["amount"] == 12000


def _with(field_xml: str) -> bytes:
    start = DIAGRAM.index(b"<camunda:formData>") + len(b"<camunda:formData>")
    end = DIAGRAM.index(b"</camunda:formData>")
    return DIAGRAM[:start] + field_xml.encode() + DIAGRAM[end:]


@pytest.mark.parametrize("field_xml, message", [
    ('<camunda:formField id="a" type="long"><camunda:validation><camunda:constraint name="validator" '
     'config="org.example.Check"/></camunda:validation></camunda:formField>',
     "camunda:formField 'a': constraint 'validator' is not supported"),
    ('<camunda:formField id="a" type="customer"/>', "camunda:formField 'a': type 'customer' is not supported"),
    ('<camunda:formField id="a" type="string" defaultValue="${initiator}"/>', "is an expression; give a literal"),
    ('<camunda:formField id="a" type="string"><camunda:validation><camunda:constraint name="min" config="3"/>'
     '</camunda:validation></camunda:formField>', "constraint 'min' does not apply to a string field"),
    ('<camunda:formField id="a-b" type="string"/>', "form field id 'a-b' must be a plain name"),
])
def test_what_a_form_cannot_honour_is_refused_at_the_task(engine, field_xml, message):
    with pytest.raises(DeploymentRejected) as caught:
        engine.deploy(_with(field_xml), deployed_by="owner", filename="purchase.bpmn")
    (problem,) = caught.value.details
    assert problem.element_id == "request" and message in problem.message


def test_a_form_key_alone_is_refused_rather_than_accepting_anything(engine):
    start = DIAGRAM.index(b"<bpmn:extensionElements>")
    end = DIAGRAM.index(b"</bpmn:extensionElements>") + len(b"</bpmn:extensionElements>")
    with pytest.raises(DeploymentRejected) as caught:
        engine.deploy(DIAGRAM[:start] + DIAGRAM[end:], deployed_by="owner", filename="purchase.bpmn")
    (problem,) = caught.value.details
    assert problem.element_id == "request"
    assert "camunda:formKey 'ignored-when-fields-exist' names a form page this engine cannot show" in problem.message
