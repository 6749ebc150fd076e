"""Migration 0015 on SQLite and PostgreSQL: coordinators granted for no administration (and
single sign-on mappings to them) become coordinators of every administration, so nobody loses
access on the upgrade; existing initiatives get their owner (who submitted them); down again,
coordinators are unscoped and the manager role is gone."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from application import accounts
from application.assembly import build_engine
from application.settings import ROOT
from cli.database import alembic_config, upgrade
from innovation.domain.administrations import ADMINISTRATIONS
from innovation.driver import start_data
from tests.databases import recreate
from tests.test_signin_migration_and_cli import fresh_url  # noqa: F401  (the fixture)

EVERY = {a.code for a in ADMINISTRATIONS}


def grants(url: str, table: str, key: str) -> set[tuple]:
    db = sa.create_engine(url)
    with db.connect() as conn:
        rows = set(conn.execute(sa.text(f"SELECT {key}, role, administration FROM {table}")).all())
    db.dispose()
    return rows


def test_coordinators_keep_every_administration_and_initiatives_get_their_owner(fresh_url):  # noqa: F811
    recreate(fresh_url) if fresh_url.startswith("postgresql") else upgrade(fresh_url)
    engine = build_engine(fresh_url)
    with engine.db.unit_of_work(write=True) as uow:
        for username, role, administration in (("ivar", "coordinator", "SOF"), ("ivar", "coordinator", "FF"),
                                               ("maja", "manager", "SOF")):
            if accounts.principal_for(uow.session, username) is None:
                accounts.add_user(uow.session, username)
            accounts.grant(uow.session, username, role, administration)
        accounts.add_mapping(uow.session, "groups", "ledare", "coordinator", "SOF")
        uow.commit()
    engine.deploy_file(ROOT / "processes" / "innovation.bpmn", deployed_by="test")
    instance = engine.start("innovation", start_data("Cykelpool"), actor="ada")["id"]
    engine.db.dispose()

    command.downgrade(alembic_config(fresh_url), "0013")
    assert grants(fresh_url, "role_grants", "user_id") == {(1, "coordinator", None)}
    assert grants(fresh_url, "role_mappings", "value") == {("ledare", "coordinator", None)}
    db = sa.create_engine(fresh_url)
    with db.begin() as conn:
        assert "owner" not in {c["name"] for c in sa.inspect(conn).get_columns("initiatives")}
        conn.execute(sa.text("INSERT INTO users (id, username, display_name, created_at, password_temporary, "
                             "session_version) VALUES (3, 'kim', 'Kim', CURRENT_TIMESTAMP, false, 0)"))
        conn.execute(sa.text("INSERT INTO role_grants (user_id, role, administration) VALUES (3, 'coordinator', NULL)"))
    db.dispose()

    upgrade(fresh_url)
    assert grants(fresh_url, "role_grants", "user_id") == {(user, "coordinator", code) for user in (1, 3)
                                                           for code in EVERY}
    assert grants(fresh_url, "role_mappings", "value") == {("ledare", "coordinator", code) for code in EVERY}
    engine = build_engine(fresh_url)
    try:
        with engine.reading() as session:
            assert accounts.principal_for(session, "kim").administrations_for("coordinator") == EVERY
        db = sa.create_engine(fresh_url)
        with db.connect() as conn:
            assert conn.execute(sa.text("SELECT owner FROM initiatives WHERE instance_id = :id"),
                                {"id": instance}).scalar() == "ada"
        db.dispose()
    finally:
        engine.db.dispose()
