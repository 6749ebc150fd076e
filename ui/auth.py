"""Sign-in with a password (``ui.sso`` adds the city's provider), the session, CSRF and
role checks for every page.

Flask's signed session keeps the username and the user's session version; each request
reloads the user's current roles and drops a session whose version is no longer the
user's, so logout, a password change or a revocation ends every copy of the cookie. Failed
sign-ins are throttled (``application.signin``) and audited as ``login_failed``. Role
checks are the application's (``application.access``), the same the API applies; a
refusal is a 403 page and is written to the audit log.
"""
from __future__ import annotations

import hmac
import math
import secrets
from datetime import UTC, datetime
from functools import wraps
from urllib.parse import urlencode, urlsplit

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import BadRequest

from application import access, accounts, narration, signin
from application.access import (
    DECIDERS,
    DUE_SETTERS,
    HOLD_READERS,
    INSTANCE_READERS,
    MODEL_READERS,
    OPERATORS,
    OWNERS,
    PIPELINE_READERS,
    STARTERS,
    TERM_EDITORS,
)
from application.settings import Settings
from innovation.model import LANE_ROLES, Role
from ui import i18n
from ui.blueprint import bp, error_page, public
from ui.i18n import t

NAV = (  # (endpoint, label key, roles that see it; None: everyone logged in)
    ("ui.inbox", "nav.inbox", None),
    ("ui.my_initiatives", "nav.mine", OWNERS),
    ("ui.administration", "nav.administration", DECIDERS),
    ("ui.pipeline", "nav.pipeline", PIPELINE_READERS),
    ("ui.new_initiative", "nav.new", STARTERS),
    ("ui.instances", "nav.instances", INSTANCE_READERS),
    ("ui.holds", "nav.holds", HOLD_READERS),
    ("ui.activity", "nav.activity", MODEL_READERS),
    ("ui.dashboard", "nav.dashboard", OPERATORS),
    ("ui.modeler", "nav.modeler", MODEL_READERS),
    ("ui.due_dates", "nav.due_dates", DUE_SETTERS),
    ("ui.tokens", "nav.tokens", None),
    ("ui.users", "nav.users", OPERATORS),
    ("ui.mappings", "nav.mappings", OPERATORS),
    ("ui.terms", "nav.terms", TERM_EDITORS),
)
# The page that shows each role its own work, in the order a sign-in lands on them: the first the
# user's roles open, with links to the others.
OWN_VIEWS = (
    ("ui.my_initiatives", "nav.mine", OWNERS),
    ("ui.administration", "nav.administration", DECIDERS),
    ("ui.pipeline", "nav.pipeline", (Role.COORDINATOR,)),
    ("ui.dashboard", "nav.dashboard", OPERATORS),
)
# Pages a user whose one-time password must be replaced may still open.
PASSWORD_CHANGE_OPEN = ("ui.password", "ui.logout")


def engine():
    return current_app.extensions["engine"]


def settings() -> Settings:
    return current_app.extensions.get("settings") or Settings()


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
    return error_page(403, i18n.error_text(denial))


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
    if request.args.get("lang") in i18n.LANGUAGES:
        session["lang"] = request.args["lang"]
    if request.method == "POST":
        _check_csrf()
    g.principal = None
    username = session.get("username")
    if username:
        with engine().db.unit_of_work() as uow:
            g.principal = accounts.session_principal(uow.session, username, session.get("version"))
        if g.principal is None:  # logged out, revoked or password changed elsewhere: this cookie is dead
            _end_session()
    view = current_app.view_functions.get(request.endpoint)
    if g.principal is None and not getattr(view, "ui_public", False):
        return redirect(url_for("ui.login", next=request.full_path.rstrip("?") if request.method == "GET" else None))
    if g.principal is not None and session.get("change_password") and request.endpoint not in PASSWORD_CHANGE_OPEN:
        return redirect(url_for("ui.password"))
    return None


@bp.app_context_processor
def template_globals():
    principal = g.get("principal")
    return {"lang": i18n.lang(), "principal": principal, "nav": _open_to(principal, NAV),
            "own_views": _open_to(principal, OWN_VIEWS)}


def _open_to(principal, pages) -> list[tuple[str, str]]:
    """(endpoint, label) of the pages the user's roles open."""
    return [(endpoint, label) for endpoint, label, roles in pages
            if principal is not None and (roles is None or principal.has(*roles))]


@bp.app_template_global()
def person(username: str | None) -> str:
    """A username as the person's display name (one that is no user's, e.g. the demo's, as it is)."""
    if not username:
        return "–"
    names = g.setdefault("display_names", {})
    if username not in names:
        with engine().reading() as session:
            names.update(narration.display_names(session, [username]))
        names.setdefault(username, username)
    return names[username]


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


def _end_session() -> None:
    """Forget everything but the language."""
    language = session.get("lang")
    session.clear()
    session["lang"] = language or "sv"


def start_session(signed: signin.SignedIn, method: str, next_path: str | None):
    """A fresh session (nothing of the anonymous one survives) for the user who signed in."""
    language = session.get("lang", "sv")
    session.clear()
    session.update(username=signed.principal.username, version=signed.session_version, lang=language)
    if signed.change_password:
        session["change_password"] = True
    engine().record(actor=signed.principal.username, action="login",
                    details={"method": method, "address": request.remote_addr})
    flash(t("login.welcome", name=signed.principal.display_name), "success")
    return redirect(url_for("ui.password") if signed.change_password else _safe_next(next_path))


def audit_failure(username: str, method: str, reason: str) -> None:
    """A failed sign-in in the audit log: who was tried, from where, why not; never a password."""
    engine().record(actor="anonymous", action="login_failed",
                    details={"username": username, "method": method, "address": request.remote_addr,
                             "reason": reason})


def login_page(error: str | None = None, status: int = 200, username: str = ""):
    config = settings()
    page = render_template("ui/login.html", error=error, username=username, next=request.values.get("next", ""),
                           local_accounts=config.local_accounts,
                           sso_label=config.oidc_label if config.oidc else None)
    return page, status


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if request.method == "GET":
        return login_page()
    if request.form.get("lang") in ("sv", "en"):
        session["lang"] = request.form["lang"]
    username, password = request.form.get("username", "").strip(), request.form.get("password", "")
    try:
        signed = signin.with_password(engine().db, settings(), username, password,
                                      request.remote_addr or "unknown", datetime.now(UTC))
    except signin.Throttled as refused:
        audit_failure(username, "password", refused.reason)
        page, _ = login_page(i18n.plural(math.ceil(refused.retry_after / 60), "login.throttled"), username=username)
        return page, 429, {"Retry-After": str(refused.retry_after)}
    except signin.SignInRefused as refused:
        audit_failure(username, "password", refused.reason)
        return login_page(t("login.invalid") if settings().local_accounts else t("login.local_off"), 401, username)
    return start_session(signed, "password", request.form.get("next"))


@bp.post("/logout")
def logout():
    """End this session and every other copy of it: the user's session version moves on."""
    username = g.principal.username
    with engine().db.unit_of_work(write=True) as uow:
        accounts.end_sessions(uow.session, username)
        uow.commit()
    engine().record(actor=username, action="logout", details={"address": request.remote_addr})
    _end_session()
    flash(t("login.bye"), "success")
    return redirect(url_for("ui.public_list"))


@bp.route("/account/password", methods=["GET", "POST"])
def password():
    """Change one's own password (and replace a one-time password); other sessions end."""
    errors = {}
    if request.method == "POST":
        current, new = request.form.get("current", ""), request.form.get("new", "")
        if len(new) < accounts.MIN_PASSWORD_LENGTH:
            errors["new"] = i18n.plural(accounts.MIN_PASSWORD_LENGTH, "password.short")
        elif new != request.form.get("repeat", ""):
            errors["repeat"] = t("password.mismatch")
        with engine().db.unit_of_work(write=True) as uow:
            if accounts.check_password(uow.session, g.principal.username, current) is None:
                errors["current"] = t("password.wrong")
            if not errors:
                accounts.set_password(uow.session, g.principal.username, new)
                version = accounts.session_version(uow.session, g.principal.username)
                uow.commit()
        if not errors:
            session["version"] = version
            session.pop("change_password", None)
            engine().record(actor=g.principal.username, action="password_changed", details={})
            flash(t("password.changed"), "success")
            return redirect(url_for("ui.home"))
    with engine().db.unit_of_work() as uow:
        external = accounts.signs_in_externally(uow.session, g.principal.username)
    return render_template("ui/password.html", errors=errors, external=external,
                           must=session.get("change_password", False),
                           min_length=accounts.MIN_PASSWORD_LENGTH), 422 if errors else 200


@bp.get("/")
@public
def home():
    principal = g.principal
    if principal is None:
        return redirect(url_for("ui.public_list"))
    own = _open_to(principal, OWN_VIEWS)
    if own:
        return redirect(url_for(own[0][0]))
    if principal.has(Role.PROCESS_OWNER) and not principal.has(*LANE_ROLES.values()):
        return redirect(url_for("ui.modeler"))
    return redirect(url_for("ui.inbox"))
