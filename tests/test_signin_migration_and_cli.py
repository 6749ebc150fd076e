"""Migration 0012 on SQLite and PostgreSQL (tokens issued before it get a name, a scope and an
expiry and keep working), and the `innovation users` commands for passwords, tokens and the
single sign-on mappings."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command

from application import accounts
from application.assembly import build_engine
from cli.database import alembic_config, upgrade
from tests.conftest import postgres_url
from tests.databases import drop, recreate
from tests.test_cli import cli  # noqa: F401  (the command line on a SQLite file)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request, tmp_path):
    """A database of its own (not the shared test database: this one goes down and up)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    request.getfixturevalue("postgres_states")  # skips or fails like the other PostgreSQL cases
    url = sa.make_url(postgres_url())
    url = url.set(database=url.database + "_migration").render_as_string(hide_password=False)
    yield url
    drop(url)


def test_tokens_issued_before_0012_get_a_name_a_scope_and_an_expiry(fresh_url):
    recreate(fresh_url) if fresh_url.startswith("postgresql") else upgrade(fresh_url)
    command.downgrade(alembic_config(fresh_url), "0011")
    token = "ein-alter-token-aus-der-zeit-vor-0012"
    before = datetime.now(UTC)
    db = sa.create_engine(fresh_url)
    with db.begin() as conn:
        conn.execute(sa.text("INSERT INTO users (id, username, display_name, created_at) "
                             "VALUES (1, 'skript', 'Skript', :now)"), {"now": before})
        conn.execute(sa.text("INSERT INTO api_tokens (user_id, token_sha256, created_at) VALUES (1, :sha, :now)"),
                     {"sha": accounts._digest(token), "now": before})
    db.dispose()
    upgrade(fresh_url)
    engine = build_engine(fresh_url)
    try:
        with engine.db.unit_of_work() as uow:
            principal = accounts.authenticate(uow.session, token)
            [row] = accounts.list_tokens(uow.session, principal)
            assert accounts.session_version(uow.session, "skript") == 0
            assert accounts.authenticate(uow.session, token, before + timedelta(days=91)) is None
    finally:
        engine.db.dispose()
    assert principal.username == "skript" and not principal.read_only
    assert (row["name"], row["scope"], row["state"], row["last_used_at"]) == ("token", "write", "active", None)
    assert timedelta(days=89) < row["expires_at"] - before < timedelta(days=91)


def test_bootstrap_prints_one_time_passwords_once_and_a_reset_rotates(cli, tmp_path):  # noqa: F811
    cli("db", "upgrade")
    code, out, _ = cli("users", "bootstrap")
    lines = [line.split() for line in out.splitlines()[1:]]
    passwords = {parts[0]: parts[-1] for parts in lines}
    assert code == 0 and set(passwords) == {"admin", "idebarare", "innovationsledare", "chef",
                                                 "forvaltningsledning"}
    code, again, _ = cli("users", "bootstrap")
    assert code == 0 and not any(secret in again for secret in passwords.values()) and "exist already" in again
    engine = build_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        with engine.db.unit_of_work() as uow:
            admin = accounts.check_password(uow.session, "admin", passwords["admin"])
            assert admin is not None and admin.password_temporary
            assert accounts.list_tokens(uow.session, accounts.principal_for(uow.session, "admin")) == []
        code, out, _ = cli("users", "password", "admin")
        rotated = out.split()[-1]
        with engine.db.unit_of_work() as uow:
            assert accounts.check_password(uow.session, "admin", passwords["admin"]) is None
            assert accounts.check_password(uow.session, "admin", rotated) is not None
    finally:
        engine.db.dispose()


def test_tokens_and_mappings_from_the_command_line(cli, tmp_path):  # noqa: F811
    cli("db", "upgrade")
    cli("users", "add", "robot")
    code, out, _ = cli("users", "token", "robot", "--name", "nattlig export", "--scope", "read", "--days", "7")
    token = out.strip()
    assert code == 0
    assert cli("users", "token", "robot", "--days", "400")[0] != 0
    cli("users", "map", "groups", "0b5e-guid", "decision_maker", "--administration", "SOF")
    code, out, _ = cli("users", "mappings")
    assert "0b5e-guid" in out and "decision_maker for SOF" in out
    engine = build_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        with engine.db.unit_of_work() as uow:
            robot = accounts.authenticate(uow.session, token)
            [mapping] = accounts.list_mappings(uow.session)
            assert accounts.mapped_grants(uow.session, {"groups": ["x", "0b5e-guid"]}) == {("decision_maker", "SOF")}
        assert robot.read_only
        assert cli("users", "unmap", str(mapping["id"]))[0] == 0
        with engine.db.unit_of_work() as uow:
            assert accounts.list_mappings(uow.session) == []
    finally:
        engine.db.dispose()
