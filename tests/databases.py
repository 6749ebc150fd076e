"""Throw-away databases for tests and benchmarks (never for real data).

Migrating costs about 0.6 s and deploying processes/innovation.bpmn about 0.15 s, so a test
run builds each starting state once per kind of database: SQLite into a file that every test
gets a copy of, PostgreSQL as recorded rows put back into the run's one database before each
test. Putting a state back (DELETE, INSERT, setval) takes about 20 ms on these small tables,
where TRUNCATE (new files for every table and index) took about 0.4 s and creating a
database from a template about 0.2 s.
"""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import sqlalchemy as sa

from cli.database import upgrade


def recreate(database_url: str) -> None:
    """An empty database at the latest schema; a PostgreSQL database is dropped and created
    again, so nothing an older schema or an interrupted run left behind can leak in."""
    drop(database_url)
    create(database_url)
    upgrade(database_url)


def create(database_url: str) -> None:
    """A database without tables (a SQLite file comes into being when first opened)."""
    url = sa.make_url(database_url)
    if url.get_backend_name() == "postgresql":
        _as_admin(url, f'CREATE DATABASE "{url.database}"')


def drop(database_url: str) -> None:
    """Remove a test or benchmark database (PostgreSQL database, or SQLite file)."""
    url = sa.make_url(database_url)
    if url.get_backend_name() == "postgresql":
        _as_admin(url, f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
    elif url.database:
        Path(url.database).unlink(missing_ok=True)


def _as_admin(url: sa.URL, statement: str) -> None:
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(statement))
    finally:
        admin.dispose()


class SqliteStates:
    """SQLite files, one per named state, each built once (migrated, then ``builders[state]``)
    and copied for every test that asks for that state. ``made[state]`` is what the builder
    returned."""

    def __init__(self, folder: Path, builders: dict):
        self.folder, self.builders, self.files, self.made = folder, builders, {}, {}

    def fresh(self, state: str, target: Path) -> str:
        if state not in self.files:
            path = self.folder / f"{state}.db"
            upgrade(f"sqlite:///{path}")
            if state != "migrated":
                self.made[state] = self.builders[state](f"sqlite:///{path}")
            with sqlite3.connect(path) as conn:  # everything in the one file a copy takes
                conn.execute("PRAGMA journal_mode=DELETE")
            self.files[state] = path
        shutil.copy(self.files[state], target)
        return f"sqlite:///{target}"


class PostgresStates:
    """One migrated PostgreSQL database put back into a named state before each test.

    A state is built once (``builders[state]`` on the emptied database) and recorded: its
    rows and sequence positions. Putting it back deletes every row (children first),
    inserts the recorded rows and sets the sequences where they were. ``made[state]`` is
    what the builder returned.
    """

    def __init__(self, database_url: str, builders: dict):
        """``database_url`` names a database just migrated: that is state ``migrated``."""
        self.url, self.builders, self.made = database_url, builders, {}
        self.db = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
        with self.db.connect() as conn:
            schema = sa.MetaData()
            schema.reflect(conn)
            self.tables = [t for t in schema.sorted_tables if t.name != "alembic_version"]  # parents first
            self.sequences = list(conn.scalars(sa.text(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()")))
        self.states = {"migrated": self._record()}

    def fresh(self, state: str) -> str:
        if state not in self.states:
            self._restore(self.states["migrated"])
            self.made[state] = self.builders[state](self.url)
            self.states[state] = self._record()
        self._restore(self.states[state])
        return self.url

    def _record(self) -> tuple[dict, dict]:
        with self.db.connect() as conn:
            rows = {t.name: [dict(r) for r in conn.execute(sa.select(t)).mappings()] for t in self.tables}
            positions = {s: tuple(conn.execute(sa.text(f'SELECT last_value, is_called FROM "{s}"')).one())
                         for s in self.sequences}
        return rows, positions

    def _restore(self, recorded) -> None:
        rows, positions = recorded
        with self.db.begin() as conn:
            for table in reversed(self.tables):
                conn.execute(table.delete())
            for table in self.tables:
                if rows[table.name]:
                    conn.execute(table.insert(), rows[table.name])
            for sequence, (value, called) in positions.items():
                conn.execute(sa.text("SELECT setval(:s, :v, :c)"), {"s": f'"{sequence}"', "v": value, "c": called})

    def dispose(self) -> None:
        self.db.dispose()
