"""The web UI: server-rendered pages over the same engine, queries and role rules as the API.

``register_ui(app)`` adds the pages to an app built by ``api.create_app``. The pages sit
beside the API rather than on top of it: views call the engine and ``api.queries``
directly, and reuse the API's role checks, so a rule changed there changes here too.
"""
from __future__ import annotations

import os
import secrets

from flask import Flask

from ui import auth  # noqa: F401  (login, logout, home; like the views, it adds its routes to bp)
from ui.blueprint import bp
from ui.views import dashboard, inbox, modeler, monitor, public  # noqa: F401


def register_ui(app: Flask) -> None:
    """Mount the pages at / (the API keeps /api) and give the app a session key.

    The session holds the username, language and CSRF token, signed with SECRET_KEY; without
    it a random key is made per process, so sessions end when the process restarts and do not
    carry across several worker processes (set SECRET_KEY when running more than one).
    """
    app.secret_key = app.secret_key or os.environ.get("SECRET_KEY") or secrets.token_hex(32)
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.config["PUBLIC_BLUEPRINTS"] = set(app.config["PUBLIC_BLUEPRINTS"]) | {bp.name}
    app.register_blueprint(bp)
