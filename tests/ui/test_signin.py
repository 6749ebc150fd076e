"""Signing in with a password over HTTP on SQLite and PostgreSQL: sessions that end on logout,
password change and revocation; one-time passwords; failed logins audited and throttled per
account and per address in the database (so two processes agree); cookie rules; local
accounts switched off."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from application import accounts, signin
from application.settings import Settings
from engine.tables import AuditEntry
from server import create_app
from tests.ui.conftest import Page, text


def audit(engine, action: str) -> list[AuditEntry]:
    with engine.db.unit_of_work() as uow:
        return uow.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def twin(original: Page, app) -> Page:
    """Another browser holding a copy of ``original``'s session cookie."""
    copy = Page(app.test_client(), original.engine)
    copy.client.set_cookie("session", original.client.get_cookie("session").value)
    return copy


def test_logout_ends_every_copy_of_the_session(app, page, password):
    secret = password("ada")
    ada = page()
    assert ada.sign_in("ada", secret).headers["Location"] == "/"
    stolen = twin(ada, app)
    assert stolen.get("/inbox").status_code == 200
    assert ada.post("/logout").status_code == 302
    for browser in (ada, stolen):
        assert browser.get("/inbox").headers["Location"].startswith("/login")
    assert [e.actor for e in audit(app.extensions["engine"], "logout")] == ["ada"]


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app, page, password):
    secret = password("ivar")
    here, elsewhere = page(), page()
    here.sign_in("ivar", secret), elsewhere.sign_in("ivar", secret)
    wrong = here.post("/account/password", data={"current": "gissning", "new": "ett nytt långt lösenord",
                                                  "repeat": "ett nytt långt lösenord"})
    assert wrong.status_code == 422 and "Det nuvarande lösenordet stämmer inte." in text(wrong)
    short = here.post("/account/password", data={"current": secret, "new": "kort", "repeat": "kort"})
    assert short.status_code == 422 and "minst 12 tecken" in text(short)
    changed = here.post("/account/password", data={"current": secret, "new": "ett nytt långt lösenord",
                                                    "repeat": "ett nytt långt lösenord"})
    assert changed.status_code == 302
    assert here.get("/inbox").status_code == 200
    assert elsewhere.get("/inbox").headers["Location"].startswith("/login")
    assert page().sign_in("ivar", secret).status_code == 401
    assert page().sign_in("ivar", "ett nytt långt lösenord").status_code == 302


def test_a_revoked_user_is_signed_out_everywhere(page, engine, password):
    ada = page()
    ada.sign_in("ada", password("ada"))
    assert ada.get("/inbox").status_code == 200
    with engine.db.unit_of_work(write=True) as uow:  # what `innovation users signout ada` does
        accounts.end_sessions(uow.session, "ada")
        uow.commit()
    assert ada.get("/inbox").headers["Location"].startswith("/login")


def test_a_one_time_password_must_be_replaced_before_anything_else(page, password):
    secret = password("admin", temporary=True)
    admin = page()
    assert admin.sign_in("admin", secret).headers["Location"] == "/account/password"
    assert admin.get("/monitor/instances").headers["Location"] == "/account/password"
    form = admin.get("/account/password")
    assert form.status_code == 200 and "engångs" in text(form)
    admin.post("/account/password", data={"current": secret, "new": "administratörens egna", "repeat":
                                          "administratörens egna"})
    assert admin.get("/monitor/instances").status_code == 200


def test_failed_logins_are_audited_without_the_password(page, engine, password):
    password("ada")
    anonymous = page()
    assert anonymous.sign_in("ada", "hemligt-fel-lösenord").status_code == 401
    assert anonymous.sign_in("ingen-sadan", "hemligt-fel-lösenord2").status_code == 401
    failed = audit(engine, "login_failed")
    assert [(e.actor, e.details["username"], e.details["method"]) for e in failed] == [
        ("anonymous", "ada", "password"), ("anonymous", "ingen-sadan", "password")]
    assert all(e.details["reason"] == "unknown user or wrong password" and e.details["address"] for e in failed)
    assert "hemligt-fel" not in json.dumps([e.details for e in failed])


def limited(engine, **limits) -> Page:
    """A page on its own app (as another process would be) with small throttling limits."""
    app = create_app(engine, settings=Settings(database_url=engine.db.url, **limits))
    return Page(app.test_client(), engine)


def test_failures_per_account_are_throttled_across_processes(engine, password, tokens):
    secret = password("frida")
    one, two = limited(engine, login_failures_per_account=3), limited(engine, login_failures_per_account=3)
    for _ in range(3):
        assert one.sign_in("frida", "fel lösenord").status_code == 401
    throttled = two.sign_in("frida", secret)  # the other process agrees, and the right password does not help
    assert throttled.status_code == 429 and 0 < int(throttled.headers["Retry-After"]) <= 15 * 60
    assert "För många misslyckade inloggningar" in text(throttled)
    assert two.sign_in("ada", "fel lösenord").status_code == 401  # another account is not throttled
    assert audit(engine, "login_failed")[-2].details["reason"].startswith("3 failed sign-ins for this account")


def test_failures_per_address_are_throttled_behind_a_trusted_proxy(engine, tokens):
    proxy = limited(engine, login_failures_per_address=3, trusted_proxies=1)
    guesser = {"headers": {"X-Forwarded-For": "203.0.113.7"}}
    for name in ("ada", "bo", "ivar"):
        assert proxy.post("/login", data={"username": name, "password": "fel lösenord"}, **guesser).status_code == 401
    assert proxy.post("/login", data={"username": "frida", "password": "x"}, **guesser).status_code == 429
    neighbour = proxy.post("/login", data={"username": "frida", "password": "x"},
                           headers={"X-Forwarded-For": "198.51.100.1"})
    assert neighbour.status_code == 401
    assert {e.details["address"] for e in audit(engine, "login_failed")} == {"203.0.113.7", "198.51.100.1"}


def test_the_cookie_is_http_only_same_site_and_secure_behind_https(engine, password):
    secret = password("ada")
    plain, https = limited(engine), limited(engine, behind_https=True)
    for browser, secure in ((plain, False), (https, True)):
        cookie = browser.sign_in("ada", secret).headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and ("Secure" in cookie) is secure


def test_local_accounts_can_be_switched_off(engine, password):
    secret = password("ada")
    closed = limited(engine, local_accounts=False)
    assert 'name="password"' not in closed.get("/login").get_data(as_text=True)
    refused = closed.sign_in("ada", secret)
    assert refused.status_code == 401 and "Lokala konton är avstängda" in text(refused)
    assert audit(engine, "login_failed")[-1].details["reason"] == "local accounts are switched off"


@pytest.mark.parametrize("setting, value", [("LOCAL_ACCOUNTS", "false"), ("BEHIND_HTTPS", "true")])
def test_sign_in_settings_come_from_the_environment(setting, value):
    assert Settings.from_environment({setting: value}) != Settings.from_environment({})


def test_a_forged_provider_answer_is_refused_and_audited(engine, tokens):
    """The callback's state must be the one this browser was sent off with (Authlib keeps it in
    the session): an answer nobody asked for is refused before any token is fetched."""
    sso = limited(engine, oidc_issuer="http://127.0.0.1:9", oidc_client_id="c", oidc_client_secret="s")
    assert 'id="sso"' in sso.get("/login").get_data(as_text=True)
    refused = sso.get("/login/sso/callback?code=stolen&state=forged")
    assert refused.status_code == 401 and "Inloggningen via Single sign-on misslyckades" in text(refused)
    [failed] = audit(engine, "login_failed")
    assert failed.details["method"] == "oidc" and "state" in failed.details["reason"].lower()
    assert sso.get("/inbox").headers["Location"].startswith("/login")


def test_a_provider_user_never_takes_over_a_local_account(engine, tokens):
    with engine.db.unit_of_work(write=True) as uow:
        accounts.add_mapping(uow.session, "roles", "Innovation.Admin", "admin")
        with pytest.raises(signin.SignInRefused, match="'ada' already belongs to another account"):
            signin.with_provider(uow.session, "https://idp.example", {"sub": "x1", "preferred_username": "ada",
                                                                       "roles": ["Innovation.Admin"]})
        first = signin.with_provider(uow.session, "https://idp.example", {"sub": "x2", "preferred_username": "lo",
                                                                           "roles": "Innovation.Admin"})
        renamed = signin.with_provider(uow.session, "https://idp.example", {"sub": "x2", "preferred_username": "lo2",
                                                                             "name": "Lo Larsson", "roles": []})
        uow.commit()
    assert first.principal.roles == {"admin"}
    assert (renamed.principal.username, renamed.principal.display_name, renamed.principal.roles) == (
        "lo", "Lo Larsson", frozenset())
    with engine.db.unit_of_work() as uow:
        assert accounts.principal_for(uow.session, "ada").roles == {"idea_owner"}


def test_admins_read_and_change_the_claim_mappings_on_a_page(page, engine):
    admin = page("admin")
    assert page("ivar").get("/admin/mappings").status_code == 403
    refused = admin.post("/admin/mappings", data={"claim": "groups", "value": "beslut", "role": "decision_maker"})
    assert refused.status_code == 422 and "En beslutsfattare behöver en förvaltning" in text(refused)
    assert admin.post("/admin/mappings", data={"claim": "groups", "value": "beslut-mf", "role": "decision_maker",
                                               "administration": "MF"}).status_code == 302
    listed = text(admin.get("/admin/mappings"))
    assert "beslut-mf Beslutsfattare Miljöförvaltningen" in listed
    with engine.db.unit_of_work() as uow:
        [mapping] = accounts.list_mappings(uow.session)
        assert accounts.mapped_grants(uow.session, {"groups": ["beslut-mf"]}) == {("decision_maker", "MF")}
    assert admin.post(f"/admin/mappings/{mapping['id']}/remove").status_code == 302
    assert "Inga mappningar ännu." in text(admin.get("/admin/mappings"))
    assert [e.actor for e in audit(engine, "mapping_added") + audit(engine, "mapping_removed")] == ["admin", "admin"]
