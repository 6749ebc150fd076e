"""Shared fixtures: every engine test runs on SQLite and on a real PostgreSQL server.

Under CI=true a PostgreSQL server that cannot be reached fails the run; elsewhere those
tests are skipped with the reason.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine import ManualClock
from tests.databases import PostgresStates, SqliteStates, drop, recreate
from tests.people import add_people

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/innovation_test"


def postgres_url() -> str:
    """This test process's own PostgreSQL database, named after DATABASE_URL's plus the pid.

    Created fresh at the first use and dropped at the end, so concurrent runs and anything
    an older schema or an interrupted run left behind cannot interfere.
    """
    url = sa.make_url(os.environ.get("DATABASE_URL", "") if os.environ.get("DATABASE_URL", "").startswith(
        "postgresql") else DEFAULT_PG)
    return url.set(database=f"{url.database}_{os.getpid()}").render_as_string(hide_password=False)


def postgres_unavailable(url: str, exc: Exception) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL is required under CI=true and is unreachable at {url}: {exc}")
    pytest.skip(f"PostgreSQL unreachable at {url}: {exc}")


def deploy_innovation(url: str, people: bool = False) -> dict | None:
    """processes/innovation.bpmn deployed as the ``engine`` fixture's clock would (at its
    start); with ``people``, also the users of tests/people.py, whose tokens are returned."""
    from application.assembly import build_engine
    eng = build_engine(url, clock=ManualClock())
    eng.deploy_file(ROOT / "processes" / "innovation.bpmn", deployed_by="process-owner")
    issued = add_people(eng) if people else None
    eng.db.dispose()
    return issued


DATABASE_STATE = pytest.StashKey[str]()
DATABASE_MADE = pytest.StashKey[object]()
# The starting states of a test database, each built once per run and kind; a builder may
# return what the tests need to know of it (the people's tokens).
STATES = {"migrated": None, "innovation": deploy_innovation,
          "people": lambda url: deploy_innovation(url, people=True)}


@pytest.fixture(scope="session")
def postgres_states():
    """The run's PostgreSQL database, migrated once, and its recorded states."""
    url = postgres_url()
    try:
        recreate(url)
    except sa.exc.OperationalError as exc:
        postgres_unavailable(url, exc)
    states = PostgresStates(url, STATES)
    yield states
    states.dispose()
    drop(url)


@pytest.fixture(scope="session")
def sqlite_states(tmp_path_factory) -> SqliteStates:
    """SQLite files of every state, built once per run, copied per test."""
    return SqliteStates(tmp_path_factory.mktemp("states"), STATES)


def fresh_database(request, state: str) -> str:
    """A database of the test's kind (its parameter) in ``state``, for this test alone.

    A test has one database: asking for two states would hand both fixtures the same file
    or PostgreSQL database, the later state overwriting the earlier, so it is refused.
    """
    chosen = request.node.stash.setdefault(DATABASE_STATE, state)
    if chosen != state:
        pytest.fail(f"{request.node.name} asks for database states {chosen!r} and {state!r}; use one fixture")
    if request.param == "sqlite":
        states = request.getfixturevalue("sqlite_states")
        url = states.fresh(state, request.getfixturevalue("tmp_path") / "engine.db")
    else:
        states = request.getfixturevalue("postgres_states")
        url = states.fresh(state)
    request.node.stash[DATABASE_MADE] = states.made.get(state)
    return url


def made_with_database(request):
    """What the builder of the test's database state returned (see STATES)."""
    return request.node.stash[DATABASE_MADE]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request) -> str:
    """A migrated, empty database of each kind."""
    return fresh_database(request, "migrated")


@pytest.fixture(params=["sqlite", "postgresql"])
def innovation_database_url(request) -> str:
    """A database of each kind with processes/innovation.bpmn deployed (version 1); for a
    test that asks for the API's people (``tokens``), with them too, built once per run
    rather than per test."""
    return fresh_database(request, "people" if "tokens" in request.fixturenames else "innovation")


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
def engine(innovation_database_url, clock):
    """The innovation engine on processes/innovation.bpmn (tests/engine/ and tests/workers/ override it)."""
    from application.assembly import build_engine
    eng = build_engine(innovation_database_url, clock=clock)
    yield eng
    eng.db.dispose()


@pytest.fixture(scope="session")
def web_service():
    """The web service (API and pages) as the composition root builds it from the environment,
    once per test process; the ``app`` fixture (tests/api/conftest.py) points it at each
    test's engine. Building it (flask-smorest's OpenAPI document, werkzeug's compiled routes)
    took 0.15–0.3 s per test, and a real service, too, serves every request from one app."""
    from server import create_app
    return create_app(engine=NO_ENGINE)


NO_ENGINE = object()  # the web service between tests: a request would fail, not reach an old database


def _browser_unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser test cannot run under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def node() -> str:
    """Node with the npm packages the browser tests drive Debian's Chromium with, and one
    Chromium for the whole run: the scripts connect to it (BROWSER_WS_ENDPOINT) instead of
    each starting their own.

    Skipped with the reason when something is missing, except under CI=true, where a
    browser test must run.
    """
    found = shutil.which("node")
    if found is None:
        _browser_unavailable("node is not on PATH")
    for package in ("bpmn-js", "playwright-core", "axe-core"):
        if not (ROOT / "web" / "node_modules" / package / "package.json").is_file():
            _browser_unavailable(f"web/node_modules/{package} is missing (run: npm ci --prefix web)")
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not os.access(chromium, os.X_OK):
        _browser_unavailable(f"Chromium not found at {chromium} (apt-get install chromium, or set CHROMIUM)")
    server = subprocess.Popen([found, str(ROOT / "tests" / "browser" / "server.mjs")], cwd=ROOT, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    endpoint = server.stdout.readline().strip()  # the script gives up after 20 s itself
    if not endpoint.startswith("ws://"):
        server.kill()
        _browser_unavailable(f"Chromium did not start: {server.communicate()[1][-2000:]}")
    os.environ["BROWSER_WS_ENDPOINT"] = endpoint
    yield found
    del os.environ["BROWSER_WS_ENDPOINT"]
    server.stdin.close()  # the server closes the browser and exits
    try:
        server.wait(15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
