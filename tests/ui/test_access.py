"""Login, the session, CSRF, language and the role rules every page shares with the API."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine.tables import AuditEntry
from tests.ui.conftest import text


def test_login_keeps_only_the_username_in_a_signed_session(page, password):
    secret = password("ada")
    anonymous = page()
    assert anonymous.get("/login").status_code == 200
    wrong = anonymous.sign_in("ada", "not-the-password")
    assert wrong.status_code == 401 and "Fel användarnamn eller lösenord." in text(wrong)
    assert 'aria-invalid="true"' in wrong.get_data(as_text=True)
    ada = page()
    assert ada.sign_in("ada", secret).status_code == 302
    cookie = ada.client.get_cookie("session")
    assert secret not in cookie.value and cookie.http_only and cookie.same_site == "Lax"
    with ada.client.session_transaction() as session:
        assert session["username"] == "ada" and set(session) <= {"username", "version", "lang", "csrf", "_flashes"}
    assert ada.get("/inbox").status_code == 200
    assert ada.post("/logout").status_code == 302
    assert ada.get("/inbox").headers["Location"].startswith("/login?next=/inbox")


def test_posts_need_the_csrf_token(page, app):
    ada = page("ada")
    assert ada.client.post("/logout").status_code == 400
    assert app.test_client().post("/login", data={"username": "ada", "password": "x"}).status_code == 400


@pytest.mark.parametrize("target, landing", [("/monitor/instances", "/monitor/instances"),
                                             ("//evil.example/x", "/"), ("https://evil.example/", "/")])
def test_login_returns_only_to_this_site(page, password, target, landing):
    response = page().sign_in("admin", password("admin"), next=target)
    assert response.headers["Location"] == landing


@pytest.mark.parametrize("user, path", [
    ("ada", "/monitor/instances"), ("ada", "/modeler"), ("frida", "/monitor/activity"),
    ("ivar", "/monitor/dashboard"), ("ivar", "/modeler"), ("owner", "/monitor/dashboard"),
])
def test_pages_refuse_roles_the_api_refuses_and_audit_it(page, engine, user, path):
    response = page(user).get(path)
    assert response.status_code == 403 and "Något gick fel (403)" in text(response)
    with engine.db.unit_of_work() as uow:
        denied = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "access_denied")).all()
    assert [(e.actor, e.details["path"]) for e in denied] == [(user, path)]


def test_only_process_owners_deploy(page):
    response = page("admin").post_json("/modeler/deploy", {"xml": "<x/>"})
    assert response.status_code == 403


def test_swedish_by_default_english_on_request(page):
    visitor = page()
    assert '<html lang="sv">' in visitor.get("/public/initiatives").get_data(as_text=True)
    english = visitor.get("/public/initiatives?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "The innovation database" in english
    assert '<html lang="en">' in visitor.get("/login").get_data(as_text=True)
    assert 'href="/public/initiatives?lang=sv"' in visitor.get("/public/initiatives").get_data(as_text=True)


def test_every_page_has_a_skip_link_landmarks_and_a_title(page):
    body = page("admin").get("/monitor/instances").get_data(as_text=True)
    assert '<a class="skip-link" href="#main">' in body and '<main id="main"' in body
    assert re.search(r"<title>Instanser – ", body) and 'aria-current="page"' in body


def test_front_end_files_come_from_the_lock_files_packages_only(page):
    visitor = page()
    assert visitor.get("/ui/vendor/bpmn-js/dist/bpmn-modeler.production.min.js").status_code == 200
    assert visitor.get("/ui/vendor/playwright-core/package.json").status_code == 404
    assert "default-src 'self'" in visitor.get("/public/initiatives").headers["Content-Security-Policy"]
