from __future__ import annotations

import pytest

from application import accounts as users
from tests.conftest import NO_ENGINE

PEOPLE = {
    "admin": [("admin", None)],
    "owner": [("process_owner", None)],
    "ada": [("idea_owner", None)],
    "bo": [("idea_owner", None)],
    "ivar": [("coordinator", None)],
    "frida": [("decision_maker", "SOF")],
    "mf_boss": [("decision_maker", "MF")],
}


@pytest.fixture
def tokens(engine):
    issued = {}
    with engine.db.unit_of_work(write=True) as uow:
        for username, grants in PEOPLE.items():
            users.add_user(uow.session, username)
            for role, administration in grants:
                users.grant(uow.session, username, role, administration)
            issued[username] = users.issue_token(uow.session, username)
        uow.commit()
    return issued


class Client:
    """A test client acting as one user at a time: ``api.as_("ada").post(...)``."""

    def __init__(self, flask_client, tokens):
        self.flask, self.tokens, self.user = flask_client, tokens, None

    def as_(self, user: str | None) -> Client:
        other = Client(self.flask, self.tokens)
        other.user = user
        return other

    def _headers(self, headers=None):
        headers = dict(headers or {})
        if self.user:
            headers["Authorization"] = f"Bearer {self.tokens[self.user]}"
        return headers

    def get(self, path, **kw):
        return self.flask.get(path, headers=self._headers(kw.pop("headers", None)), **kw)

    def post(self, path, **kw):
        return self.flask.post(path, headers=self._headers(kw.pop("headers", None)), **kw)


@pytest.fixture
def app(web_service, engine):
    """The web service on this test's engine."""
    web_service.extensions["engine"] = engine
    yield web_service
    web_service.extensions["engine"] = NO_ENGINE


@pytest.fixture
def api(app, tokens):
    return Client(app.test_client(), tokens)
