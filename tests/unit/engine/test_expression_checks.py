"""Deploy checks of expressions from other modelers, without a database: what is
translated where, what the parser sees, and what is refused (end to end:
tests/engine/test_foreign_diagrams.py)."""
from __future__ import annotations

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from engine.operations import OperationRegistry
from engine.validation import FormSource, _spiff_problem, validate
from tests.unit.engine.test_validation import diagram

FLOWS = ('<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="gw"/>'
         '<bpmn:exclusiveGateway id="gw" default="f2"/>'
         '<bpmn:sequenceFlow id="f1" sourceRef="gw" targetRef="wait">'
         '<bpmn:conditionExpression xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
         'xsi:type="bpmn:tFormalExpression" language="http://www.omg.org/spec/FEEL/20140401">status = "new"'
         '</bpmn:conditionExpression></bpmn:sequenceFlow>'
         '<bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="each"/>'
         '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>'
         '<bpmn:timeDuration>${delay}</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
         '<bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="e"/>'
         '<bpmn:userTask id="each"><bpmn:multiInstanceLoopCharacteristics isSequential="true">'
         '<bpmn:loopCardinality>${rounds + 1}</bpmn:loopCardinality>'
         '<bpmn:completionCondition>#{done}</bpmn:completionCondition>'
         '</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>'
         '<bpmn:sequenceFlow id="f4" sourceRef="each" targetRef="e"/><bpmn:endEvent id="e"/>')


def checked(body: str):
    return validate(diagram(body), FormSource(None), OperationRegistry())


def test_conditions_timers_and_loop_expressions_are_translated():
    found = checked(FLOWS)
    assert found.problems == []
    assert [(e["element_id"], e["kind"], e["language"], e["python"]) for e in found.expressions["diagram.bpmn"]] == [
        ("f1", "condition", "FEEL", "status == 'new'"),
        ("wait", "timeDuration", "JUEL", "delay"),
        ("each", "loopCardinality", "JUEL", "rounds + 1"),
        ("each", "completionCondition", "JUEL", "done"),
    ]
    assert '"status == \'new\'"' in found.processes[0].spec_json  # the parsed process runs the Python


def test_python_literal_timers_and_scripts_are_left_alone():
    found = checked('<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="w"/>'
                    '<bpmn:intermediateCatchEvent id="w"><bpmn:timerEventDefinition><bpmn:timeDuration>PT5M'
                    '</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
                    '<bpmn:sequenceFlow id="f1" sourceRef="w" targetRef="t"/>'
                    '<bpmn:scriptTask id="t"><bpmn:script>x = "${not juel}"</bpmn:script></bpmn:scriptTask>'
                    '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/><bpmn:endEvent id="e"/>')
    assert found.problems == [] and found.expressions == {"diagram.bpmn": []}


def test_a_refused_expression_is_reported_once_with_its_element():
    found = checked(FLOWS.replace("${delay}", "${delay ? 1 : 2}"))
    assert [(p.element_id, p.element_type) for p in found.problems] == [("wait", "intermediateCatchEvent")]
    assert "'${delay ? 1 : 2}' is refused: '?' at position 9" in found.problems[0].message


def test_spiffworkflow_messages_lose_their_reprs_and_name_the_type():
    for text in ("Bad <Element {http://www.omg.org/spec/BPMN/20100524/MODEL}userTask at 0x7f3a2c>",
                 "Bad <SpiffWorkflow.bpmn.specs.defaults.UserTask object at 0x7F3A2C>"):
        assert _spiff_problem(ValidationException(text)).message.lower() == "bad usertask"


def test_python_naming_true_false_or_null_is_deployed_with_a_warning():
    found = checked(FLOWS.replace("${delay}", "'PT1H'").replace("#{done}", "done == true or x != null"))
    assert found.problems == []
    (warning,) = found.warnings["diagram.bpmn"]
    assert warning.element_id == "each" and "write null as None, true as True" in warning.message
