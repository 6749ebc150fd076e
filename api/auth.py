"""Bearer-token authentication and role checks.

Every endpoint needs a user except the public database and the API documentation. A refusal is answered with
403 and written to the audit log (who, what they tried, why not).
"""
from __future__ import annotations

from functools import wraps

from flask import current_app, g, request
from flask_smorest import abort

from api import users
from api.resources import reader
from engine.tables import AuditEntry


def authenticate_request():
    """before_request hook: resolve the bearer token into ``g.principal``."""
    if request.endpoint is None or request.blueprint in current_app.config["PUBLIC_BLUEPRINTS"] \
            or request.endpoint in current_app.config["PUBLIC_ENDPOINTS"]:
        return None
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        abort(401, message="this endpoint needs a bearer token (Authorization: Bearer …)")
    principal = users.authenticate(reader(), header.removeprefix("Bearer ").strip())
    if principal is None:
        abort(401, message="the bearer token is not valid")
    g.principal = principal
    return None


def principal() -> users.Principal:
    return g.principal


def deny(reason: str, instance_id: str | None = None):
    """Audit and refuse an action the caller's roles do not allow."""
    engine = current_app.extensions["engine"]
    with engine.runtime.time(), engine.db.unit_of_work(write=True) as uow:
        uow.session.add(AuditEntry(instance_id=instance_id, actor=g.principal.username, action="access_denied",
                                   element_id=None, at=engine.clock.now(),
                                   details={"method": request.method, "path": request.path, "reason": reason}))
        uow.commit()
    abort(403, message=reason)


def require(*roles: str):
    """Only callers holding one of ``roles`` may use the endpoint."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not principal().has(*roles):
                deny(f"{request.method} {request.path} needs the role {' or '.join(roles)}")
            return view(*args, **kwargs)
        return wrapper
    return decorate
