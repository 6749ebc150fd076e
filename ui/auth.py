"""Login with an API token, the signed session, CSRF and role checks for every page.

The login page takes the token once, resolves it with ``application.accounts`` and
keeps only the username in Flask's signed session; each request reloads the user's
current roles, so a revoked role stops working at once. Role checks are the application's
(``application.access``), the same the API applies; a refusal is a 403 page and is
written to the audit log.
"""
from __future__ import annotations

import hmac
import secrets
from functools import wraps
from urllib.parse import urlencode, urlsplit

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import BadRequest

from application import access, accounts
from application.access import INSTANCE_READERS, MODEL_READERS, OPERATORS, STARTERS
from innovation.model import Role
from ui import i18n
from ui.blueprint import bp, error_page, public
from ui.i18n import t

NAV = (  # (endpoint, label key, roles that see it; None: everyone logged in)
    ("ui.inbox", "nav.inbox", None),
    ("ui.new_initiative", "nav.new", STARTERS),
    ("ui.instances", "nav.instances", INSTANCE_READERS),
    ("ui.activity", "nav.activity", MODEL_READERS),
    ("ui.dashboard", "nav.dashboard", OPERATORS),
    ("ui.modeler", "nav.modeler", MODEL_READERS),
)


def engine():
    return current_app.extensions["engine"]


def require(*roles: str):
    """Only a signed-in user holding one of ``roles`` may open the page."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            access.demand(g.principal, roles, f"{request.method} {request.path}")
            return view(*args, **kwargs)
        return wrapper
    return decorate


@bp.errorhandler(access.AccessDenied)
def access_denied(denial: access.AccessDenied):
    access.audit_refusal(engine(), g.principal, denial, method=request.method, path=request.path)
    return error_page(403, denial.reason)


@bp.app_template_global()
def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def _check_csrf() -> None:
    sent = request.form.get("csrf") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf")
    if not expected or not hmac.compare_digest(sent, expected):
        raise BadRequest(t("error.csrf"))


@bp.before_request
def before():
    """Language, CSRF on every POST, and the logged-in user (or the login page)."""
    if request.endpoint in ("ui.static", "ui.vendor"):
        return None
    if request.args.get("lang") in ("sv", "en"):
        session["lang"] = request.args["lang"]
    if request.method == "POST":
        _check_csrf()
    g.principal = None
    username = session.get("username")
    if username:
        with engine().db.unit_of_work() as uow:
            g.principal = accounts.principal_for(uow.session, username)
        if g.principal is None:
            session.pop("username", None)
    view = current_app.view_functions.get(request.endpoint)
    if g.principal is None and not getattr(view, "ui_public", False):
        return redirect(url_for("ui.login", next=request.full_path.rstrip("?") if request.method == "GET" else None))
    return None


@bp.app_context_processor
def template_globals():
    principal = g.get("principal")
    nav = [(endpoint, label) for endpoint, label, roles in NAV
           if principal is not None and (roles is None or principal.has(*roles))]
    return {"lang": i18n.lang(), "principal": principal, "nav": nav}


@bp.app_template_global()
def url_with(**changes) -> str:
    """This page's URL with some query arguments changed (filters, page, language)."""
    args = {**request.args.to_dict(), **{k: v for k, v in changes.items()}}
    query = urlencode({k: v for k, v in args.items() if v not in (None, "")})
    return request.path + ("?" + query if query else "")


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if not target or urlsplit(target).netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("ui.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    error = None
    if request.method == "POST":
        token = request.form.get("token", "").strip()
        with engine().db.unit_of_work() as uow:
            principal = accounts.authenticate(uow.session, token) if token else None
        if principal is not None:
            session.clear()
            session["username"] = principal.username
            session["lang"] = request.form.get("lang") if request.form.get("lang") in ("sv", "en") else "sv"
            flash(t("login.welcome", name=principal.display_name), "success")
            return redirect(_safe_next(request.form.get("next")))
        error = t("login.invalid")
    status = 401 if error else 200
    return render_template("ui/login.html", error=error, next=request.values.get("next", "")), status


@bp.post("/logout")
def logout():
    language = session.get("lang")
    session.clear()
    session["lang"] = language or "sv"
    flash(t("login.bye"), "success")
    return redirect(url_for("ui.public_list"))


@bp.get("/")
@public
def home():
    principal = g.principal
    if principal is None:
        return redirect(url_for("ui.public_list"))
    if principal.has(Role.ADMIN):
        return redirect(url_for("ui.instances"))
    if principal.has(Role.PROCESS_OWNER) and not principal.has(Role.IDEA_OWNER, Role.COORDINATOR,
                                                                Role.DECISION_MAKER):
        return redirect(url_for("ui.modeler"))
    return redirect(url_for("ui.inbox"))
