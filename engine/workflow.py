"""SpiffWorkflow wiring: the parser, the workflow class and its (de)serialization.

Four choices here carry the engine's guarantees:
- service tasks are asynchronous: they stop in STARTED with their evaluated request in
  ``internal_data`` and a worker completes them later (the job outbox);
- every workflow, new or restored, carries the restricted script engine (the library does
  not serialize the engine and would silently restore an unrestricted one);
- the parsed spec is stored once per definition and instance state is stored without it;
- parallel and inclusive joins merge what each branch changed since the split (below).
"""
from __future__ import annotations

import json
import logging
from copy import deepcopy
from functools import lru_cache
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser.task_parsers import ConditionalGatewayParser, GatewayParser
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
from SpiffWorkflow.bpmn.specs import defaults as bpmn_defaults
from SpiffWorkflow.bpmn.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.util.diff import WorkflowDiff, diff_workflow
from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import BusinessRuleTaskParser, ServiceTaskParser, SpiffTaskParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.serializer.task_spec import ServiceTaskConverter
from SpiffWorkflow.spiff.specs.defaults import BusinessRuleTask as SpiffBusinessRuleTask
from SpiffWorkflow.spiff.specs.defaults import ServiceTask as SpiffServiceTask
from SpiffWorkflow.util.task import TaskState

from engine import assignment, camunda
from engine.sandbox import ScriptLimits, restricted_script_engine

SCRIPT_ENGINE = restricted_script_engine()
log = logging.getLogger(__name__)


def set_script_limits(limits: ScriptLimits) -> None:
    """Replace the time and size limits every workflow's diagram code runs under."""
    SCRIPT_ENGINE.environment.limits = limits


class AsyncServiceTask(SpiffServiceTask):
    """A service task that hands its work to the job outbox instead of running inline."""

    def _execute(self, task):
        params = {name: p["value"] for name, p in self.evaluate_params(task).items()}
        task._set_internal_data(service_request={"operation": self.operation_name, "params": params})
        return None


class BranchMerge:
    """Join rule for parallel and inclusive gateways: each branch's changes are merged.

    SpiffWorkflow's join gives the joined token the data of the branch that arrives last,
    so an earlier branch's change to a variable that existed before the split is lost.
    Here each branch contributes what it changed since the split (the branches' nearest
    common task, whose data is the baseline): new keys, changed values, removed keys. When
    two branches change the same key to different values, the branch that arrives at the
    join last wins; the conflict is logged and listed in the step's audit entry
    (``join_conflicts``). Arrivals are folded in one by one as they reach the join, so a
    branch's changes survive after its waiting join task is cancelled by the next arrival.
    """

    def _update_hook(self, my_task):
        if my_task.parent is not None and my_task.parent.has_state(TaskState.COMPLETED):
            for other in list(my_task.workflow.tasks.values()):
                if other.task_spec is self and other is not my_task and other.state == TaskState.WAITING:
                    _fold_arrival(my_task, other)
        return super()._update_hook(my_task)

    def _merge_branches(self, my_task) -> None:
        joined = my_task.internal_data.get("joined")
        if joined is None:
            my_task._inherit_data()
            return
        my_task.data = deepcopy(joined["data"])
        if joined["conflicts"]:
            conflicts = [{"join": self.bpmn_id, **c} for c in joined["conflicts"]]
            log.warning("join %s: branches changed the same variables; the last to arrive wins: %s",
                        self.bpmn_id, conflicts)
            my_task.workflow.top_workflow.join_conflicts.extend(conflicts)


def _fold_arrival(arriving, waiting) -> None:
    """Fold the waiting arrival (and those it already holds) into the arriving join task."""
    baseline = _common_ancestor(arriving, waiting).data
    earlier = waiting.internal_data.get("joined")
    if earlier is None:
        earlier = {"data": deepcopy(waiting.parent.data), "changed": _changes(waiting.parent.data, baseline),
                   "conflicts": []}
    data, changed, conflicts = deepcopy(earlier["data"]), dict(earlier["changed"]), list(earlier["conflicts"])
    mine = _changes(arriving.parent.data, baseline)
    element = arriving.parent.task_spec.bpmn_id or arriving.parent.task_spec.name
    for key, change in mine.items():
        if key in changed and changed[key] != change:
            conflicts.append({"variable": key, "kept_from": element})
        if change["removed"]:
            data.pop(key, None)
        else:
            data[key] = deepcopy(change["value"])
        changed[key] = change
    arriving.internal_data["joined"] = {"data": data, "changed": changed, "conflicts": conflicts}


def _changes(data: dict, baseline: dict) -> dict:
    changed = {key: {"removed": False, "value": value} for key, value in data.items()
               if key not in baseline or baseline[key] != value}
    changed.update({key: {"removed": True, "value": None} for key in baseline if key not in data})
    return changed


def _common_ancestor(a, b):
    above_b = set()
    task = b
    while task is not None:
        above_b.add(task.id)
        task = task.parent
    task = a
    while task.id not in above_b:
        task = task.parent
    return task


class ParallelGateway(BranchMerge, bpmn_defaults.ParallelGateway):
    def _run_hook(self, my_task):
        self._merge_branches(my_task)
        return True


class InclusiveGateway(BranchMerge, bpmn_defaults.InclusiveGateway):
    def _run_hook(self, my_task):
        # The library's hook merges data its own way before choosing the outgoing flows;
        # this one merges branches, then chooses the flows on the merged data.
        self._merge_branches(my_task)
        matches, defaults = self._get_matching_outputs(my_task)
        if len(matches + defaults) == 0:
            raise WorkflowTaskException("No conditions satisfied on gateway", task=my_task)
        my_task._sync_children(matches or defaults, TaskState.FUTURE)
        for child in my_task.children:
            child.task_spec._predict(child, mask=TaskState.FUTURE | TaskState.PREDICTED_MASK)
        return True


class UserTaskParser(SpiffTaskParser):
    """A user task with a Camunda form (``camunda:formField``) names the JSON Schema that
    deploy translated it into, as a spiff task names its form; who the task is for (its own
    candidates and assignee, or its lane's) is kept with it (``engine/assignment.py``)."""

    def parse_extensions(self, node=None):
        extensions = super().parse_extensions(node)
        node = self.node if node is None else node
        properties = extensions.get("properties", {})
        if "formJsonSchemaFilename" not in properties and camunda.form_data(node) is not None:
            extensions["properties"] = {**properties,
                                        "formJsonSchemaFilename": camunda.generated_form_name(node.get("id"))}
        lane = assignment.lanes_by_name(node.getroottree().getroot()).get(self.lane) if self.lane else None
        rule = assignment.rule(node, lane)
        if rule is not None:
            extensions[assignment.EXTENSION] = rule
        return extensions


CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"
DECISION_RESULTS = ("resultList", "singleResult", "singleEntry", "collectEntries")


class BusinessRuleTask(SpiffBusinessRuleTask):
    """SpiffWorkflow's business rule task, which merges the decision's outputs into the task's
    data; with Camunda's ``resultVariable`` the result goes into that variable instead,
    shaped as ``mapDecisionResult`` says (Camunda 7's rules: ``resultList`` by default)."""

    def _run_hook(self, my_task):
        target = self.extensions.get("decisionResult")
        if target is None:
            return super()._run_hook(my_task)
        rules = self.dmnEngine.decide(my_task)
        if self.dmnEngine.decision_table.hit_policy != "COLLECT":
            rules = rules[:1]
        outputs = [dict(rule.output_as_dict(my_task)) for rule in rules]
        my_task.data[target["variable"]] = _decision_result(outputs, target["mapping"], my_task)
        return super(BusinessRuleTaskMixin, self)._run_hook(my_task)


def _decision_result(outputs: list[dict], mapping: str, task):
    if mapping == "resultList":
        return outputs
    if mapping in ("singleEntry", "collectEntries") and any(len(output) > 1 for output in outputs):
        raise WorkflowTaskException(f"mapDecisionResult {mapping} takes one output per rule; the decision gives "
                                    f"{', '.join(outputs[0])}", task=task)
    if mapping == "collectEntries":
        return [value for output in outputs for value in output.values()]
    if len(outputs) > 1:
        raise WorkflowTaskException(f"the decision matched {len(outputs)} rules; mapDecisionResult {mapping} "
                                    "takes at most one", task=task)
    if not outputs:
        return None
    return outputs[0] if mapping == "singleResult" else next(iter(outputs[0].values()), None)


class DecisionTaskParser(BusinessRuleTaskParser):
    """Reads Camunda's ``decisionRef``, ``resultVariable`` and ``mapDecisionResult`` where a
    diagram has no ``spiffworkflow:calledDecisionId``."""

    def create_task(self):
        extensions = self.parse_extensions()
        return BusinessRuleTask(self.spec, self.bpmn_id,
                                dmnEngine=self.process_parser.parser.get_engine(self.get_decision_ref(self.node),
                                                                                self.node),
                                prescript=extensions.get("preScript"), postscript=extensions.get("postScript"),
                                **self.bpmn_attributes)

    def parse_extensions(self, node=None):
        extensions = super().parse_extensions(node)
        variable = self.node.get(f"{CAMUNDA}resultVariable")
        if node is None and variable:
            extensions["decisionResult"] = {"variable": variable,
                                            "mapping": self.node.get(f"{CAMUNDA}mapDecisionResult") or "resultList"}
        return extensions

    @staticmethod
    def get_decision_ref(node):
        return BusinessRuleTaskParser.get_decision_ref(node) or node.get(f"{CAMUNDA}decisionRef")


class EngineParser(SpiffBpmnParser):
    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("userTask"): (UserTaskParser, SpiffBpmnParser.OVERRIDE_PARSER_CLASSES[full_tag("userTask")][1]),
        full_tag("businessRuleTask"): (DecisionTaskParser, BusinessRuleTask),
        full_tag("serviceTask"): (ServiceTaskParser, AsyncServiceTask),
        full_tag("parallelGateway"): (GatewayParser, ParallelGateway),
        full_tag("inclusiveGateway"): (ConditionalGatewayParser, InclusiveGateway),
    }


class EngineWorkflow(BpmnWorkflow):
    """A BpmnWorkflow that always runs diagram code in the restricted engine."""

    def __init__(self, spec, subprocess_specs=None, script_engine=None, **kwargs):
        super().__init__(spec, subprocess_specs, script_engine=SCRIPT_ENGINE, **kwargs)
        self.join_conflicts: list[dict] = []  # of the current step, for its audit entry; not saved

    def do_engine_steps(self, *args, **kwargs):
        """One step's diagram code shares one time budget, so a chain of scripts cannot hold
        the transaction (on SQLite the write lock) longer than a single script may."""
        with SCRIPT_ENGINE.environment.step():
            super().do_engine_steps(*args, **kwargs)


class EngineWorkflowConverter(BpmnWorkflowConverter):
    """Restores instance state around spec objects that were built once per definition."""

    def from_dict(self, dct, specs=None):
        if specs is None:
            return super().from_dict(dct)
        workflow = self.target_class(specs["spec"], specs["subprocess_specs"], deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow

    def state_to_dict(self, workflow) -> dict:
        """``to_dict`` without the specs, which belong to the definition, not the instance
        (converting them only to drop them was four fifths of a save of the innovation diagram)."""
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        dct["typename"] = self.typename
        return dct


def start_messages(spec_json: str) -> list[str | None]:
    """Per start event of a process: the message it waits for, or None if it starts by itself."""
    return [task_spec.event_definition.name if isinstance(task_spec.event_definition, MessageEventDefinition)
            else None for task_spec in _specs(spec_json)["spec"].task_specs.values()
            if isinstance(task_spec, StartEvent)]


def next_user_task(workflow):
    """The first ready user (manual) task, or None: what a person would be asked to do next."""
    return workflow.get_next_task(state=TaskState.READY, manual=True)


def task_forms(task_spec) -> tuple[str | None, str | None]:
    """The JSON Schema and the UI schema a user task names in its spiffworkflow properties."""
    properties = task_spec.extensions.get("properties", {})
    return properties.get("formJsonSchemaFilename"), properties.get("formUiSchemaFilename")


def instance_item(task):
    """For one instance of a multi-instance task, the element of the collection it is for
    (its input data item); None for any other task."""
    item = getattr(task.parent.task_spec, "input_item", None) if task.parent is not None else None
    return task.data.get(item.bpmn_id) if item is not None else None


def task_candidates(task) -> dict:
    """Who a ready user task is for (``assignment.evaluate``), worked out on its data the
    first time it is asked and kept with the task, so they are fixed when it becomes ready."""
    kept = task.internal_data.get(assignment.EXTENSION)
    if kept is None:
        rule = task.task_spec.extensions.get(assignment.EXTENSION)
        if rule is None:
            return {"candidate_groups": None, "candidate_users": None, "assignee": None}
        try:
            kept = assignment.evaluate(rule, lambda python: SCRIPT_ENGINE.evaluate(task, python))
        except TypeError as exc:
            raise WorkflowTaskException(f"candidates of the task: {exc}", task=task) from exc
        task.internal_data[assignment.EXTENSION] = kept
    return kept


def find_task(workflow, task_id: str):
    """The task with this id, or None if it is gone (completed history is compacted away)."""
    try:
        return workflow.get_task_from_id(UUID(task_id))
    except TaskNotFoundException:
        return None


def _build_serializer():
    config = dict(SPIFF_CONFIG)
    config[AsyncServiceTask] = ServiceTaskConverter
    # Same class names as the library's, so specs stored before this rule restore into it.
    for ours in (ParallelGateway, InclusiveGateway):
        config[ours] = config.pop(getattr(bpmn_defaults, ours.__name__))
    config[BusinessRuleTask] = config.pop(SpiffBusinessRuleTask)
    config[EngineWorkflow] = EngineWorkflowConverter
    registry = BpmnWorkflowSerializer.configure(config)
    return BpmnWorkflowSerializer(registry), registry


SERIALIZER, _REGISTRY = _build_serializer()
_ENCODER = create_encoder(_REGISTRY)
_STATE = EngineWorkflowConverter(EngineWorkflow, _REGISTRY)  # registered again: the same rule, and a handle on it


def dump_spec(spec, subprocess_specs: dict) -> str:
    """The parsed process as JSON, stored once per distinct definition."""
    return json.dumps(
        {
            "spec": SERIALIZER.to_dict(spec),
            "subprocess_specs": {name: SERIALIZER.to_dict(s) for name, s in subprocess_specs.items()},
        },
        cls=_ENCODER,
        sort_keys=True,
    )


@lru_cache(maxsize=64)
def _specs(spec_json: str) -> dict:
    """Spec objects are read-only once built, so all instances of a version share them."""
    raw = json.loads(spec_json)
    return {
        "spec": SERIALIZER.from_dict(raw["spec"]),
        "subprocess_specs": {k: SERIALIZER.from_dict(v) for k, v in raw["subprocess_specs"].items()},
    }


def stored_specs(spec_json: str) -> dict:
    """The spec objects of a stored definition (shared, read-only): what a call activity of
    another deployment runs of it."""
    return _specs(spec_json)


def new_workflow(spec_json: str) -> EngineWorkflow:
    specs = _specs(spec_json)
    return EngineWorkflow(specs["spec"], specs["subprocess_specs"])


def dump_state(workflow: EngineWorkflow) -> str:
    """Instance state without the spec (the fast encoder path ``serialize_json`` uses)."""
    _REGISTRY._encoder_mode = True
    try:
        state = _STATE.state_to_dict(workflow)
    finally:
        _REGISTRY._encoder_mode = False
    state[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
    return json.dumps(state, cls=_ENCODER)


def diff_to(workflow: EngineWorkflow, spec_json: str) -> tuple[dict, WorkflowDiff, dict]:
    """SpiffWorkflow's alignment of an instance's tasks, and its subprocesses' (None where the
    other version lacks the subprocess), with the specs of another version."""
    specs = _specs(spec_json)
    top, subprocesses = diff_workflow(_REGISTRY, workflow, specs["spec"], specs["subprocess_specs"])
    return specs, top, subprocesses


def unstorable(workflow: EngineWorkflow):
    """The first (task, variable, value) the serializer cannot store, or None.

    Diagram scripts may bind any Python value (``range(3)``, ``dict(a=1).items()``); the
    instance state only holds what the encoder knows, so a failed save names the culprit.
    """
    for task in workflow.get_tasks():
        for name, value in task.data.items():
            try:
                json.dumps(value, cls=_ENCODER)
            except (TypeError, ValueError):
                return task, name, value
    return None


def load_state(state_json: str, spec_json: str) -> EngineWorkflow:
    state = json.loads(state_json)
    SERIALIZER.migrate(state)
    return _REGISTRY.restore(state, specs=_specs(spec_json))
