"""SpiffWorkflow wiring: the parser, the workflow class and its (de)serialization.

Three choices here carry the engine's guarantees:
- service tasks are asynchronous: they stop in STARTED with their evaluated request in
  ``internal_data`` and a worker completes them later (the job outbox);
- every workflow, new or restored, carries the restricted script engine (the library does
  not serialize the engine and would silently restore an unrestricted one);
- the parsed spec is stored once per definition and instance state is stored without it.
"""
from __future__ import annotations

import json
from functools import lru_cache
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
from SpiffWorkflow.bpmn.util.diff import WorkflowDiff, diff_workflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import ServiceTaskParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.serializer.task_spec import ServiceTaskConverter
from SpiffWorkflow.spiff.specs.defaults import ServiceTask as SpiffServiceTask

from engine.sandbox import ScriptLimits, restricted_script_engine

SCRIPT_ENGINE = restricted_script_engine()


def set_script_limits(limits: ScriptLimits) -> None:
    """Replace the time and size limits every workflow's diagram code runs under."""
    SCRIPT_ENGINE.environment.limits = limits


class AsyncServiceTask(SpiffServiceTask):
    """A service task that hands its work to the job outbox instead of running inline."""

    def _execute(self, task):
        params = {name: p["value"] for name, p in self.evaluate_params(task).items()}
        task._set_internal_data(service_request={"operation": self.operation_name, "params": params})
        return None


class EngineParser(SpiffBpmnParser):
    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("serviceTask"): (ServiceTaskParser, AsyncServiceTask),
    }


class EngineWorkflow(BpmnWorkflow):
    """A BpmnWorkflow that always runs diagram code in the restricted engine."""

    def __init__(self, spec, subprocess_specs=None, script_engine=None, **kwargs):
        super().__init__(spec, subprocess_specs, script_engine=SCRIPT_ENGINE, **kwargs)

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


def next_user_task(workflow):
    """The first ready user (manual) task, or None: what a person would be asked to do next."""
    return workflow.get_next_task(state=TaskState.READY, manual=True)


def task_forms(task_spec) -> tuple[str | None, str | None]:
    """The JSON Schema and the UI schema a user task names in its spiffworkflow properties."""
    properties = task_spec.extensions.get("properties", {})
    return properties.get("formJsonSchemaFilename"), properties.get("formUiSchemaFilename")


def find_task(workflow, task_id: str):
    """The task with this id, or None if it is gone (completed history is compacted away)."""
    try:
        return workflow.get_task_from_id(UUID(task_id))
    except TaskNotFoundException:
        return None


def _build_serializer():
    config = dict(SPIFF_CONFIG)
    config[AsyncServiceTask] = ServiceTaskConverter
    config[EngineWorkflow] = EngineWorkflowConverter
    registry = BpmnWorkflowSerializer.configure(config)
    return BpmnWorkflowSerializer(registry), registry


SERIALIZER, _REGISTRY = _build_serializer()
_ENCODER = create_encoder(_REGISTRY)


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


def new_workflow(spec_json: str) -> EngineWorkflow:
    specs = _specs(spec_json)
    return EngineWorkflow(specs["spec"], specs["subprocess_specs"])


def dump_state(workflow: EngineWorkflow) -> str:
    """Instance state without the spec (the fast encoder path ``serialize_json`` uses)."""
    _REGISTRY._encoder_mode = True
    try:
        state = SERIALIZER.to_dict(workflow)
    finally:
        _REGISTRY._encoder_mode = False
    state.pop("spec")
    state.pop("subprocess_specs")
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
