"""Property-based: requests generated from /api/openapi.json for every operation, as an admin and
as an idea owner, never get a 5xx, and every answer matches the document (status, content type,
body schema). Schemathesis builds the Hypothesis strategies from the document itself, valid and
invalid data alike; half the cases name ids that exist, so they reach past the 404s.

``FUZZ_EXAMPLES`` (default 2) sets the examples per operation, user and kind of data.
"""
from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.flows import ApiInitiative

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
VERBS = {"get", "post", "put", "patch", "delete"}
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)


def existing_ids(api, engine, flow) -> dict[str, str | int]:
    """Ids of rows that exist: an instance with its open task, a definition, a finished job."""
    task = api.as_("admin").get("/api/tasks", query_string={"scope": "all", "instance_id": flow.id}).json[0]
    definition = engine.definitions("innovation")[0]["id"]
    job = engine.job_list(("completed",))[0]["id"]
    return {"instance_id": flow.id, "initiative_id": flow.id, "task_id": task["id"], "definition_id": definition,
            "other_id": definition, "job_id": job, "file_name": "none.dmn"}


def known_path(operation, ids: dict) -> dict:
    return {p.name: ids[p.name] for p in operation.path_parameters if p.name in ids}


def has_inputs(operation) -> bool:
    """Whether anything besides the path varies (with fixed ids a path-only case is one request)."""
    return any(True for _ in operation.query) or bool(operation.body)


def strategy_for(operation, ids: dict):
    strategies = [operation.as_strategy(generation_mode=mode) for mode in MODES]
    if known_path(operation, ids) and has_inputs(operation):
        strategies += [operation.as_strategy(generation_mode=mode, path_parameters=known_path(operation, ids))
                       for mode in MODES]
    return st.one_of(strategies)


def test_every_operation_answers_within_the_document(api, engine, clock, tokens):
    flow = ApiInitiative(api, engine, clock)
    flow.to_exploration()
    flow.explore()
    ids = existing_ids(api, engine, flow)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", api.flask.application)
    operations = [result.ok() for result in schema.get_all_operations()]
    document = api.get("/api/openapi.json").json["paths"]
    assert len(operations) == sum(len(set(methods) & VERBS) for methods in document.values())
    for user in ("admin", "ada"):
        headers = {"Authorization": f"Bearer {tokens[user]}"}
        for operation in operations:
            @settings(max_examples=EXAMPLES * 2 * len(MODES), deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(case=strategy_for(operation, ids))
            def answers_within_the_document(case):
                response = case.call(headers=headers)
                case.validate_response(response, checks=CHECKS, headers=headers)

            answers_within_the_document()
            if known_path(operation, ids) and not has_inputs(operation):
                case = operation.Case(path_parameters=known_path(operation, ids))
                case.validate_response(case.call(headers=headers), checks=CHECKS, headers=headers)
