"""Database connection and the unit of work that owns each transaction.

SQLite has no row locks, so a writing unit of work starts with ``BEGIN IMMEDIATE``: one
writer at a time, readers undisturbed (WAL). On PostgreSQL writers lock the instance row
with ``SELECT ... FOR UPDATE`` instead, so different instances proceed in parallel.
"""
from __future__ import annotations

import time

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine as SqlEngine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

IDLE_BEFORE_PING = 10.0  # seconds a pooled PostgreSQL connection may rest before it is tried on checkout


def create_database(url: str, **kwargs) -> SqlEngine:
    if url.startswith("sqlite"):
        db = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(db, "connect")
        def _configure(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # let SQLAlchemy's begin event decide
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(db, "begin")
        def _begin(connection):
            immediate = connection.get_execution_options().get("sqlite_immediate")
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return db
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    db = create_engine(url, **kwargs)

    @event.listens_for(db, "checkin")
    def _returned(_dbapi_connection, record):
        record.info["returned"] = time.monotonic()

    @event.listens_for(db, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy):
        """A connection that sat in the pool for a while may have been closed by the server
        (restart, idle timeout): try it first, and have the pool open a new one if it is gone.
        One in steady use is not pinged: that round trip on every checkout was a tenth of a
        completion's."""
        if time.monotonic() - record.info.get("returned", time.monotonic()) < IDLE_BEFORE_PING:
            return
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception as exc:
            raise DisconnectionError(f"a pooled connection is gone: {exc}") from exc
        finally:
            if not dbapi_connection.closed:
                dbapi_connection.rollback()

    return db


class Database:
    """A connection pool with a session factory for readers and one for writers."""

    def __init__(self, url: str, **kwargs):
        self.url = url
        self.engine = create_database(url, **kwargs)
        self.dialect = self.engine.dialect.name
        writer_bind = self.engine.execution_options(sqlite_immediate=True) if self.dialect == "sqlite" else self.engine
        # On PostgreSQL a reader runs each statement on its own (READ COMMITTED gives a
        # transaction of reads no common snapshot anyway): no BEGIN and ROLLBACK round trips.
        reader_bind = self.engine.execution_options(isolation_level="AUTOCOMMIT") \
            if self.dialect == "postgresql" else self.engine
        self._readers = sessionmaker(bind=reader_bind, expire_on_commit=False)
        self._writers = sessionmaker(bind=writer_bind, expire_on_commit=False)

    def unit_of_work(self, write: bool = False) -> UnitOfWork:
        return UnitOfWork(self._writers if write else self._readers)

    def dispose(self) -> None:
        self.engine.dispose()


class UnitOfWork:
    """One transaction: committed explicitly, rolled back on any exit without commit."""

    def __init__(self, factory: sessionmaker):
        self._factory = factory
        self.session: Session | None = None

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        return self

    def __exit__(self, *exc_info):
        # close() rolls back anything uncommitted and detaches objects without expiring
        # them, so what a reader loaded stays readable after the unit of work ends.
        self.session.close()

    def commit(self) -> None:
        self.session.commit()
