"""Schema management: Alembic owns every table, for SQLite and PostgreSQL alike."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "head")


def recreate(database_url: str) -> None:
    """An empty database at the latest schema, for tests and benchmarks (never for real data).

    A PostgreSQL database is dropped and created again, so nothing left by an older schema
    or an interrupted run can leak into a measurement.
    """
    drop(database_url)
    url = sa.make_url(database_url)
    if url.get_backend_name() == "postgresql":
        _as_admin(url, f'CREATE DATABASE "{url.database}"')
    upgrade(database_url)


def scratch(name: str) -> str:
    """A recreated database for a benchmark: DATABASE_URL if it names PostgreSQL, else a
    SQLite file called ``name`` in a fresh temporary folder."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        url = f"sqlite:///{tempfile.mkdtemp()}/{name}.db"
    recreate(url)
    return url


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


def empty_tables(database_url: str, metadatas) -> None:
    """Delete every row, keeping the schema (between tests)."""
    db = sa.create_engine(database_url)
    try:
        with db.begin() as conn:
            tables = [t.name for meta in metadatas for t in reversed(meta.sorted_tables)]
            if db.dialect.name == "postgresql":
                conn.execute(sa.text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
            else:
                for name in tables:
                    conn.execute(sa.text(f"DELETE FROM {name}"))
    finally:
        db.dispose()
