"""Personal API tokens over HTTP on SQLite and PostgreSQL: the scope (read tokens refused on
writes), expiry, revocation by the owner or an admin on the Tokens page, last use."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from application import accounts
from engine import InvalidData
from engine.tables import AuditEntry


def issue(engine, user: str, **options) -> str:
    with engine.db.unit_of_work(write=True) as uow:
        token = accounts.issue_token(uow.session, user, options.pop("name", "script"), **options)
        uow.commit()
    return token


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_read_token_reads_and_is_refused_every_write(api, engine):
    token = issue(engine, "ivar", scope=accounts.READ)
    assert api.flask.get("/api/tasks", headers=bearer(token)).status_code == 200
    refused = api.flask.post("/api/instances", headers=bearer(token), json={"data": {}})
    assert refused.status_code == 403 and "scope write" in refused.json["message"]
    with engine.db.unit_of_work() as uow:
        [denied] = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "access_denied")).all()
    assert denied.actor == "ivar" and denied.details["path"] == "/api/instances"
    assert api.flask.post("/api/instances", headers=bearer(issue(engine, "ada")),
                          json={"data": {}}).status_code == 422  # a write token gets past, to the schema


def test_an_expired_token_is_refused(api, engine):
    issued = datetime.now(UTC) - timedelta(days=2)
    old = issue(engine, "admin", days=1, now=issued)
    fresh = issue(engine, "admin", days=1)
    assert api.flask.get("/api/stats", headers=bearer(old)).status_code == 401
    assert api.flask.get("/api/stats", headers=bearer(fresh)).status_code == 200


@pytest.mark.parametrize("options, field", [({"name": " "}, "name"), ({"scope": "admin"}, "scope"),
                                            ({"days": 366}, "days"), ({"days": 0}, "days")])
def test_a_token_needs_a_name_a_known_scope_and_a_bounded_life(engine, tokens, options, field):
    with pytest.raises(InvalidData) as refused:
        issue(engine, "ada", **options)
    assert [p.field for p in refused.value.details] == [field]


def test_revoked_by_its_owner_or_an_admin_never_by_another(api, engine, page):
    mine, theirs = issue(engine, "ada", name="mitt skript"), issue(engine, "bo", name="bos skript")
    with engine.db.unit_of_work() as uow:
        listed = {t["name"]: t["id"] for t in accounts.list_tokens(uow.session, accounts.principal_for(uow.session,
                                                                                                       "admin"))}
    assert page("ada").post(f"/tokens/{listed['bos skript']}/revoke").status_code == 404
    assert api.flask.get("/api/tasks", headers=bearer(theirs)).status_code == 200
    assert page("ada").post(f"/tokens/{listed['mitt skript']}/revoke").status_code == 302
    assert page("admin").post(f"/tokens/{listed['bos skript']}/revoke").status_code == 302
    for token in (mine, theirs):
        refused = api.flask.get("/api/tasks", headers=bearer(token))
        assert refused.status_code == 401 and "revoked" in refused.json["message"]
    with engine.db.unit_of_work() as uow:
        actions = [(e.actor, e.action) for e in uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("token%")).order_by(AuditEntry.id))]
    assert actions == [("ada", "token_revoked"), ("admin", "token_revoked")]


def test_the_tokens_page_shows_a_new_token_once_and_lists_it(api, engine, page):
    ada = page("ada")
    created = ada.post("/tokens", data={"name": "kvartalsexport", "scope": "read", "days": "30"})
    body = created.get_data(as_text=True)
    token = body.split('<code id="new-token">')[1].split("</code>")[0]
    assert api.flask.get("/api/tasks", headers=bearer(token)).status_code == 200
    assert api.flask.post("/api/instances", headers=bearer(token), json={"data": {}}).status_code == 403
    listing = ada.get("/tokens").get_data(as_text=True)
    assert token not in listing and "kvartalsexport" in listing and "Läsa</td>" in listing
    with engine.db.unit_of_work() as uow:
        [row] = [t for t in accounts.list_tokens(uow.session, accounts.principal_for(uow.session, "ada"))
                 if t["name"] == "kvartalsexport"]
    assert row["last_used_at"] is not None and row["state"] == "active"
    assert row["expires_at"] - row["created_at"] == timedelta(days=30)
    others = page("bo").get("/tokens").get_data(as_text=True)
    assert "kvartalsexport" not in others
    assert "kvartalsexport" in page("admin").get("/tokens").get_data(as_text=True)
    refused = ada.post("/tokens", data={"name": "", "scope": "read", "days": "30"})
    assert refused.status_code == 422 and 'id="token-name-error">Ge nyckeln ett namn' in refused.get_data(as_text=True)


def test_last_use_is_written_at_most_once_a_minute(engine, tokens):
    token = issue(engine, "ada")
    now = datetime.now(UTC)
    for moment, written in ((now, True), (now + timedelta(seconds=30), False), (now + timedelta(seconds=61), True)):
        with engine.db.unit_of_work(write=True) as uow:
            principal = accounts.authenticate(uow.session, token, moment)
            assert accounts.note_token_use(uow.session, principal.token, moment) is written
            uow.commit()
