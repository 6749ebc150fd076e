"""The web UI on the shared engine fixture and the API's users and tokens (tests/api/conftest.py)."""
from __future__ import annotations

import re

import pytest

from application import accounts
from tests.api.conftest import api, app, tokens  # noqa: F401  (the app, API client, users and tokens, reused)


class Page:
    """One browser-like session on the UI: signed in as a user, posts forms with the CSRF token."""

    def __init__(self, client, engine):
        self.client, self.engine = client, engine

    def csrf(self) -> str:
        with self.client.session_transaction() as session:
            session.setdefault("csrf", "test-csrf")
            return session["csrf"]

    def login(self, user: str) -> Page:
        """The session a sign-in leaves (user name and session version), without paying Argon2
        in every page test; the sign-in itself is tested in tests/ui/test_signin.py."""
        with self.engine.db.unit_of_work() as uow:
            version = accounts.session_version(uow.session, user)
        with self.client.session_transaction() as session:
            session.update(username=user, version=version)
        return self

    def sign_in(self, user: str, password: str, **extra):
        return self.post("/login", data={"username": user, "password": password, **extra})

    def get(self, path, **kw):
        return self.client.get(path, **kw)

    def post(self, path, data=None, **kw):
        data = dict(data or {}) if not hasattr(data, "add") else data
        if hasattr(data, "add"):
            data.add("csrf", self.csrf())
        else:
            data["csrf"] = self.csrf()
        return self.client.post(path, data=data, **kw)

    def post_json(self, path, payload):
        return self.client.post(path, json=payload, headers={"X-CSRF-Token": self.csrf()})


@pytest.fixture
def page(app, engine, tokens):
    """``page("ada")``: a fresh logged-in session; ``page(None)``: anonymous."""
    def make(user: str | None = None) -> Page:
        made = Page(app.test_client(), engine)
        return made.login(user) if user else made
    return make


@pytest.fixture
def password(engine, tokens):
    """``password("ada")``: give the user a password (Argon2, as in production) and return it."""
    def give(user: str, temporary: bool = False) -> str:
        chosen = f"{user}-lösenord-för-test"
        with engine.db.unit_of_work(write=True) as uow:
            accounts.set_password(uow.session, user, chosen, temporary=temporary)
            uow.commit()
        return chosen
    return give


def text(response) -> str:
    """The page's visible text, tags dropped, whitespace collapsed (for assertions)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
