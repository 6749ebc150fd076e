"""The migrations build exactly the schema the models declare, on each kind of database.

Every other database test starts from a copy or a restored state of one migrated
database, so this is where running ``upgrade`` on an empty database is tested; comparing
the result with the SQLAlchemy models also catches a model changed without a migration.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from application.accounts import UsersBase
from application.notifications import NotificationsBase
from cli.database import upgrade
from engine import Base
from innovation.adapters.tables import InnovationBase
from tests.conftest import postgres_unavailable, postgres_url
from tests.databases import create, drop

MODELS = [Base.metadata, InnovationBase.metadata, UsersBase.metadata, NotificationsBase.metadata]


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """A database with no tables at all, of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    url = sa.make_url(postgres_url())
    url = url.set(database=f"{url.database}_migrations").render_as_string(hide_password=False)
    try:
        drop(url)
        create(url)
    except sa.exc.OperationalError as exc:
        postgres_unavailable(url, exc)
    yield url
    drop(url)


def test_upgrade_builds_the_schema_of_the_models(empty_database):
    db = sa.create_engine(empty_database)
    try:
        with db.connect() as conn:
            assert sa.inspect(conn).get_table_names() == []
        upgrade(empty_database)
        with db.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), MODELS)
            tables = set(sa.inspect(conn).get_table_names())
    finally:
        db.dispose()
    assert differences == [], "models and migrations differ (write a migration):\n" + "\n".join(map(str, differences))
    assert tables == {t for metadata in MODELS for t in metadata.tables} | {"alembic_version"}
