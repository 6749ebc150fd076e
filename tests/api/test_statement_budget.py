"""How many SQL statements a request costs: a pinned budget, so that a change that adds
round trips to the hot path fails here instead of showing up only in bench/api.py.

Each statement is a round trip to the database and a few hundred microseconds of
SQLAlchemy; the budgets are what the pipeline needs (README "Measured": the list). Counted
are the statements sent through the engine's pool (not BEGIN, COMMIT or a connection's
ping), on SQLite and PostgreSQL alike. If a change needs one more, raise the budget here
and say why in the commit.
"""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from innovation.driver import start_data
from tests.conftest import FIXTURES

# A completion: the token with its user and grants; the task with what the access rules
# need; the instance locked; its open tasks; the completed task closed; a new task, the
# audit row and the state written; who to tell of the new task; the process owner's default
# due dates (read whenever a task opens that its diagram gives no due date).
LOOP_COMPLETION = 10
# A start: the token; the latest definition; the instance, audit row, first task and
# initiative written (nothing read back: the instance is new); who to tell, and telling
# them; the initiative for the reply; the default due dates (the screening has none of its own).
STARTED = 11
# The screening gate: as a completion, plus the initiative record read and written, and the
# people of the two lanes its next tasks open in, and its public record (whose facts follow
# a changed initiative record once published).
SCREENED = 15


@contextmanager
def statements(engine):
    sent = []

    def note(_conn, _cursor, statement, _params, _context, _many):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            sent.append(statement.split("\n")[0][:120])

    event.listen(engine.db.engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine.db.engine, "before_cursor_execute", note)


def complete(api, user: str, task_id: str, data: dict) -> dict:
    response = api.as_(user).post(f"/api/tasks/{task_id}/complete", json={"data": data})
    assert response.status_code == 200, response.json
    return response.json


def test_a_completion_costs_the_same_statements_every_time(api, engine):
    engine.deploy_file(FIXTURES / "loop.bpmn", deployed_by="owner")
    task = engine.start("loop", {"limit": 100}, actor="admin")["tasks"][0]["id"]
    task = complete(api, "admin", task, {})["tasks"][0]["id"]  # the first step of a process reads its definition
    for _ in range(3):
        with statements(engine) as sent:
            task = complete(api, "admin", task, {})["tasks"][0]["id"]
        assert len(sent) == LOOP_COMPLETION, "\n".join(sent)


def test_starting_and_screening_an_initiative_stay_within_budget(api, engine):
    """The innovation diagram: a start (no stored rows to read back: the instance is new)
    and a gate task, whose listeners keep the initiative record and notify the lanes."""
    first = api.as_("ada").post("/api/instances", json={"data": start_data("Första")})
    assert first.status_code == 201, first.json
    with statements(engine) as sent:
        started = api.as_("ada").post("/api/instances", json={"data": start_data("Laiban")})
    assert started.status_code == 201, started.json
    assert len(sent) == STARTED, "\n".join(sent)
    screening = next(t for t in started.json["tasks"] if t["element_id"] == "granska_initiativ")
    api.as_("ivar").get("/api/tasks")  # the token's use is noted at most once a minute: not in the count
    with statements(engine) as sent:
        complete(api, "ivar", screening["id"], {"screening_decision": "accept", "kind": "idedriven",
                                                 "administration": "SOF", "screening_rationale": "Granskat."})
    assert len(sent) == SCREENED, "\n".join(sent)
