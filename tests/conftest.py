"""Shared fixtures: every engine test runs on SQLite and on a real PostgreSQL server.

Under CI=true a PostgreSQL server that cannot be reached fails the run; elsewhere those
tests are skipped with the reason.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from cli.database import upgrade
from engine.clock import ManualClock
from engine.tables import Base
from api.users import UsersBase
from innovation.adapters.tables import InnovationBase

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/innovation_test"


def postgres_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgresql") else DEFAULT_PG


def _ensure_postgres(url: str) -> None:
    target = sa.engine.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database})
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


_migrated: dict[str, bool] = {}


def _truncate(url: str) -> None:
    db = sa.create_engine(url)
    try:
        with db.begin() as conn:
            tables = [t.name for meta in (UsersBase.metadata, InnovationBase.metadata, Base.metadata) for t in reversed(meta.sorted_tables)]
            if db.dialect.name == "postgresql":
                conn.execute(sa.text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
            else:
                for name in tables:
                    conn.execute(sa.text(f"DELETE FROM {name}"))
    finally:
        db.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory) -> str:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'engine.db'}"
        upgrade(url)
        return url
    url = postgres_url()
    if url not in _migrated:
        try:
            _ensure_postgres(url)
            upgrade(url)
        except sa.exc.OperationalError as exc:
            if os.environ.get("CI") == "true":
                pytest.fail(f"PostgreSQL is required under CI=true and is unreachable: {exc}")
            pytest.skip(f"PostgreSQL unreachable at {url}: {exc}")
        _migrated[url] = True
    _truncate(url)
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
