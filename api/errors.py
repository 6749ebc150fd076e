"""One error shape for every endpoint: ``{status, code, message, params, details}``.

``code`` names the message in a stable way (``instance_state``, ``role_needed``, else the
error's kind such as ``not_found``), with the values it names in ``params``; the English
message is for people reading the API and the logs.

Engine errors map to 4xx by kind; request-body and query validation (webargs) become 422
with one detail per field; anything unexpected is logged and answered as a 500 in the
same shape, so a client never has to parse HTML.
"""
from __future__ import annotations

import logging

from flask import jsonify
from werkzeug.exceptions import HTTPException

from engine import Conflict, DeploymentRejected, EngineError, InvalidData, NotFound, ProcessFailure

log = logging.getLogger(__name__)

STATUS = {NotFound: 404, Conflict: 409, InvalidData: 422, DeploymentRejected: 422, ProcessFailure: 422}


def payload(status: int, message: str, details: list | None = None, *, code: str, params: dict | None = None):
    response = jsonify({"status": status, "code": code, "message": message, "params": params or {},
                        "details": details or []})
    response.status_code = status
    return response


def _flatten(errors, path: str = "") -> list[dict]:
    """webargs' nested {location: {field: [messages]}} as a flat list of field details."""
    details = []
    for key, value in (errors or {}).items():
        where = f"{path}/{key}" if path else ("" if key in ("json", "query", "form", "files") else f"/{key}")
        if isinstance(value, dict):
            details.extend(_flatten(value, where))
        else:
            for message in value if isinstance(value, list) else [value]:
                details.append({"field": where or "/", "message": str(message)})
    return details


def handle_engine_error(error: EngineError):
    status = next((code for kind, code in STATUS.items() if isinstance(error, kind)), 400)
    return payload(status, error.message, [p.to_dict() for p in error.details],
                   code=error.reason_code or error.code, params=error.params)


def handle_http_exception(error: HTTPException):
    data = getattr(error, "data", {}) or {}
    message = data.get("message") or error.description or error.name
    if "messages" in data:  # webargs: field messages only, the summary is ours
        details = _flatten(data["messages"])
        message = "the request is invalid" if error.code == 422 and details else message
    else:
        details = data.get("details", [])
    return payload(error.code or 500, message, details, code=error.name.lower().replace(" ", "_"))


def handle_unexpected(error: Exception):
    log.exception("unexpected error")
    return payload(500, "internal error; it has been logged", code="internal_error")
