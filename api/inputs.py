"""Hostile-input guard: refuse what no endpoint or page can store before any of them runs.

Runs before authentication for every request (API and pages). A NUL character in a query
argument, form field or path segment, and a JSON body that is not strict JSON
(``engine.loads_json``: NaN/Infinity, NUL and lone surrogates, nesting depth) are refused
as 422 naming the field, text that is not JSON as 400; an integer path id beyond the
database's integer range is a 404 (no such row can exist). String lengths are the schemas'
(column sizes) and, for submitted data, the engine's.
"""
from __future__ import annotations

from flask import request
from flask_smorest import abort

from engine import INT_MAX, InvalidData, MalformedJson, loads_json


def guard_request() -> None:
    for name, value in (request.view_args or {}).items():
        if isinstance(value, int) and not 0 <= value <= INT_MAX:
            abort(404, message=f"no {name} {value} exists: ids are at most {INT_MAX}",
                  details=[{"field": f"/{name}", "message": f"must be between 0 and {INT_MAX}"}])
    details = [{"field": f"/{name}", "message": "contains a NUL character"}
               for source in (request.view_args or {}, request.args, request.form)
               for name, values in _values(source) if any("\x00" in v for v in values)]
    details += [{"field": "/file", "message": "the file name contains a NUL character"}
                for upload in request.files.values() if "\x00" in (upload.filename or "")]
    if details:
        abort(422, message="the request contains characters that cannot be stored", details=details)
    body = request.get_data(cache=True) if request.is_json else b""
    if body:
        try:
            loads_json(body)
        except InvalidData as error:
            abort(400 if isinstance(error, MalformedJson) else 422, message=error.message,
                  details=[p.to_dict() for p in error.details])


def _values(source):
    """(name, [values]) of a MultiDict or of a plain dict of path arguments."""
    if hasattr(source, "lists"):
        return source.lists()
    return ((name, [value]) for name, value in source.items() if isinstance(value, str))
