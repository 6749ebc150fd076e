"""Bearer-token authentication and role checks for the API.

Every endpoint needs a user except the public database and the API documentation. A token
must be neither expired nor revoked; a ``read`` token may only read (GET, HEAD, OPTIONS).
The rules are the application's (``application.access``); a refusal is answered with 403
and written to the audit log (who, what they tried, why not).
"""
from __future__ import annotations

from datetime import UTC, datetime
from functools import wraps

from flask import current_app, g, request
from flask_smorest import abort

from api.errors import payload
from api.resources import engine, reader
from application import access, accounts

READING = ("GET", "HEAD", "OPTIONS")


def authenticate_request():
    """before_request hook: resolve the bearer token into ``g.principal``."""
    if request.blueprint not in current_app.config["API_SIGNED_IN_BLUEPRINTS"]:
        return None  # the public database, the documentation, and the pages (their own sign-in)
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        abort(401, message="this endpoint needs a bearer token (Authorization: Bearer …)")
    now = datetime.now(UTC)
    principal = accounts.authenticate(reader(), header.removeprefix("Bearer ").strip(), now)
    if principal is None:
        abort(401, message="the bearer token is not valid (unknown, expired or revoked)")
    g.principal = principal
    with engine().db.unit_of_work(write=True) as uow:
        if accounts.note_token_use(uow.session, principal.token, now):
            uow.commit()
    if principal.read_only and request.method not in READING:
        raise access.AccessDenied(f"{request.method} {request.path} needs a token with the scope write; "
                                  "this one may only read", reason_code="token_read_only",
                                  params={"action": f"{request.method} {request.path}"})
    return None


def principal() -> accounts.Principal:
    return g.principal


def handle_access_denied(denial: access.AccessDenied):
    access.audit_refusal(engine(), principal(), denial, method=request.method, path=request.path)
    return payload(403, denial.reason, code=denial.reason_code or "access_denied", params=denial.params)


def require(*roles: str):
    """Only callers holding one of ``roles`` may use the endpoint."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            access.demand(principal(), roles, f"{request.method} {request.path}")
            return view(*args, **kwargs)
        return wrapper
    return decorate
