"""The web UI: server-rendered pages over the application layer, as the API is.

``register_ui(app, secret_key)`` adds the pages to the app the composition root builds.
The pages sit beside the API, never on top of it: both call ``application`` for use
cases, read models and role rules, so a rule changed there changes for both.
"""
from __future__ import annotations

import secrets

from flask import Flask

from ui import auth  # noqa: F401  (login, logout, home; like the views, it adds its routes to bp)
from ui.blueprint import bp
from ui.views import dashboard, inbox, modeler, monitor, notifications, public  # noqa: F401


def register_ui(app: Flask, secret_key: str | None = None) -> None:
    """Mount the pages at / (the API keeps /api) and give the app a session key.

    The session holds the username, language and CSRF token, signed with ``secret_key``
    (the SECRET_KEY setting); without
    it a random key is made per process, so sessions end when the process restarts and do not
    carry across several worker processes (set SECRET_KEY when running more than one).
    """
    app.secret_key = app.secret_key or secret_key or secrets.token_hex(32)
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.register_blueprint(bp)
