"""In-memory workflows for the engine's unit tests: validated and parsed, never stored."""
from __future__ import annotations

from engine.operations import OperationRegistry
from engine.runtime import advance
from engine.validation import FormSource, validate
from engine.workflow import new_workflow, next_user_task
from tests.conftest import FIXTURES

LOOP = (FIXTURES / "loop.bpmn").read_bytes()


def spec_json(xml: bytes) -> str:
    """The diagram's one process as deploying it would store it."""
    validated = validate(xml, FormSource(FIXTURES / "forms"), OperationRegistry())
    assert validated.problems == [], [str(p) for p in validated.problems]
    (process,) = validated.processes
    return process.spec_json


def started(spec: str, data: dict):
    """A new instance of ``spec`` with ``data``, run until it waits."""
    workflow = new_workflow(spec)
    workflow.task_tree.data.update(data)
    advance(workflow)
    return workflow


def step(workflow) -> None:
    """Complete the next user task, as a person would, and run on."""
    next_user_task(workflow).run()
    advance(workflow)
