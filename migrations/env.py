"""Alembic environment: one migration history for the engine's and the domain's tables."""
from alembic import context
from sqlalchemy import engine_from_config, pool

from application.accounts import UsersBase
from application.notifications import NotificationsBase
from engine import Base
from innovation.adapters.tables import InnovationBase

config = context.config
target_metadata = [Base.metadata, InnovationBase.metadata, UsersBase.metadata, NotificationsBase.metadata]


def run_migrations() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.",
                                poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run(connection)


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
