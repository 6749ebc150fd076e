"""The web UI: server-rendered pages over the application layer, as the API is.

``register_ui(app, settings)`` adds the pages to the app the composition root builds.
The pages sit beside the API, never on top of it: both call ``application`` for use
cases, read models and role rules, so a rule changed there changes for both.
"""
from __future__ import annotations

import secrets

from flask import Flask

from application.settings import Settings
from ui import auth, i18n, sso  # noqa: F401  (sign-in, logout, home; like the views, they add their routes to bp)
from ui.blueprint import bp
from ui.views import (  # noqa: F401
    dashboard,
    inbox,
    mappings,
    modeler,
    monitor,
    notifications,
    open_data,
    overviews,
    public,
    publication,
    tokens,
    users,
)


def register_ui(app: Flask, settings: Settings | None = None) -> None:
    """Mount the pages at / (the API keeps /api), give the app a session key and its cookie
    rules, and connect the city's OpenID Connect provider when one is configured.

    The session holds the username, session version, language and CSRF token, signed with
    the SECRET_KEY setting; without it a random key is made per process, so sessions end
    when the process restarts and do not carry across several worker processes (set
    SECRET_KEY when running more than one). The cookie is HttpOnly and SameSite=Lax, and
    Secure when the service is told it runs behind HTTPS.
    """
    settings = settings or Settings()
    app.secret_key = app.secret_key or settings.secret_key or secrets.token_hex(32)
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SECURE"] = settings.behind_https
    app.config["PREFERRED_URL_SCHEME"] = "https" if settings.behind_https else "http"
    i18n.install(app)
    if settings.oidc:
        sso.register(app, settings)
    app.register_blueprint(bp)
