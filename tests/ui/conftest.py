"""The web UI on the shared engine fixture and the API's users and tokens (tests/api/conftest.py)."""
from __future__ import annotations

import re

import pytest

from server import create_app
from tests.api.conftest import api, tokens  # noqa: F401  (the API client, users and tokens, reused)


class Page:
    """One browser-like session on the UI: logs in with a token, posts forms with the CSRF token."""

    def __init__(self, client, tokens):
        self.client, self.tokens = client, tokens

    def csrf(self) -> str:
        with self.client.session_transaction() as session:
            session.setdefault("csrf", "test-csrf")
            return session["csrf"]

    def login(self, user: str) -> "Page":
        response = self.post("/login", data={"token": self.tokens[user]})
        assert response.status_code == 302, response.text
        return self

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
def app(engine):
    app = create_app(engine)
    return app


@pytest.fixture
def page(app, tokens):
    """``page("ada")``: a fresh logged-in session; ``page(None)``: anonymous."""
    def make(user: str | None = None) -> Page:
        made = Page(app.test_client(), tokens)
        return made.login(user) if user else made
    return make


def text(response) -> str:
    """The page's visible text, tags dropped, whitespace collapsed (for assertions)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
