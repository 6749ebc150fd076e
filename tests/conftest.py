"""Shared fixtures: every engine test runs on SQLite and on a real PostgreSQL server.

Under CI=true a PostgreSQL server that cannot be reached fails the run; elsewhere those
tests are skipped with the reason.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from cli.database import upgrade
from engine.clock import ManualClock
from tests.databases import Emptier, drop, recreate

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


@pytest.fixture(scope="session")
def postgres_database():
    """The run's PostgreSQL database, migrated once, and the callable that empties it."""
    url = postgres_url()
    try:
        recreate(url)
    except sa.exc.OperationalError as exc:
        postgres_unavailable(url, exc)
    empty = Emptier(url)
    yield url, empty
    empty.dispose()
    drop(url)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated once per run; each test works on a copy of it."""
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "engine.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url, empty = request.getfixturevalue("postgres_database")
    empty()
    return url


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
def engine(database_url, clock):
    """The innovation engine with processes/innovation.bpmn deployed (tests/engine/ overrides it)."""
    from innovation.bootstrap import build_engine
    eng = build_engine(database_url, clock=clock)
    eng.deploy_file(ROOT / "processes" / "innovation.bpmn", deployed_by="process-owner")
    yield eng
    eng.db.dispose()


def _browser_unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser test cannot run under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def node() -> str:
    """Node with the npm packages the browser tests drive Debian's Chromium with.

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
    return found
