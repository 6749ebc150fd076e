from __future__ import annotations

import pytest

from engine.core import Engine
from engine.operations import BpmnError, OperationRegistry, RetryPolicy
from tests.conftest import FIXTURES


def _double(params, ctx):
    return {"value": params["x"] * 2}


def _explode(params, ctx):
    raise RuntimeError("backend down")


def _refuse(params, ctx):
    raise BpmnError("rejected", "the backend refused")


@pytest.fixture
def operations():
    registry = OperationRegistry()
    registry.register("test.double", _double)
    registry.register("test.explode", _explode, RetryPolicy(attempts=2, backoff_seconds=10))
    registry.register("test.refuse", _refuse)
    return registry


@pytest.fixture
def engine(database_url, clock, operations):
    eng = Engine(database_url, forms_dir=FIXTURES / "forms", operations=operations, clock=clock)
    yield eng
    eng.db.dispose()


@pytest.fixture
def deploy(engine):
    def _deploy(name: str):
        return engine.deploy_file(FIXTURES / name, deployed_by="owner")[0]
    return _deploy
