from __future__ import annotations

import pytest

from tests.conftest import NO_ENGINE, made_with_database


@pytest.fixture
def tokens(engine, request):
    """The users of tests/people.py with their roles, and their API tokens by user name.

    They come with the engine's database (state "people", see tests/conftest.py), which a
    test asking for this fixture gets instead of the bare innovation state.
    """
    return made_with_database(request)


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

    def put(self, path, **kw):
        return self.flask.put(path, headers=self._headers(kw.pop("headers", None)), **kw)

    def delete(self, path, **kw):
        return self.flask.delete(path, headers=self._headers(kw.pop("headers", None)), **kw)


@pytest.fixture
def app(web_service, engine):
    """The web service on this test's engine."""
    web_service.extensions["engine"] = engine
    yield web_service
    web_service.extensions["engine"] = NO_ENGINE


@pytest.fixture
def api(app, tokens):
    return Client(app.test_client(), tokens)
