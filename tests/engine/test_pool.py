"""The pool tries a PostgreSQL connection only after it rested, and replaces a dead one.

The ping on every checkout was a tenth of a completion's round trips; what it guarded
against, a connection the server closed while it sat in the pool (a restart, an idle
timeout), must still not fail the next request.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from engine import uow


def _backend_pid(db) -> int:
    with db.unit_of_work() as unit:
        return unit.session.scalar(sa.text("SELECT pg_backend_pid()"))


def test_a_connection_the_server_closed_is_replaced_before_use(database_url, monkeypatch):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to close a connection")
    db = uow.Database(database_url, pool_size=1, max_overflow=0)
    try:
        first = _backend_pid(db)
        assert _backend_pid(db) == first  # in steady use: the same connection, not pinged
        admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            assert conn.scalar(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        admin.dispose()
        monkeypatch.setattr(uow, "IDLE_BEFORE_PING", 0.0)  # as if it had rested for long
        replaced = _backend_pid(db)
        assert replaced != first
        with db.unit_of_work(write=True) as unit:  # writers too get a live connection
            assert unit.session.scalar(sa.text("SELECT 1")) == 1
    finally:
        db.dispose()
