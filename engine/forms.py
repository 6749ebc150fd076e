"""Checking submitted data against a user task's JSON Schema, field by field."""
from __future__ import annotations

from jsonschema import Draft202012Validator, FormatChecker

from engine.errors import InvalidData, Problem
from engine.sandbox import reserved_key_problems


def _field(error) -> str:
    path = "/" + "/".join(str(p) for p in error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        return path.rstrip("/") + "/" + missing
    if error.validator == "additionalProperties" and "'" in error.message:
        return path.rstrip("/") + "/" + error.message.split("'")[1]
    return path


def check(data, schema: dict | None, where: str) -> None:
    """Raise InvalidData naming every field that breaks ``schema`` or uses a reserved key."""
    if not isinstance(data, dict):
        raise InvalidData(f"data for {where} must be a JSON object", [Problem("must be an object", field="/")])
    problems = [Problem(msg.split(": ", 1)[1], field=msg.split(": ", 1)[0]) for msg in reserved_key_problems(data)]
    if schema is not None:
        validator = Draft202012Validator(schema, format_checker=FormatChecker())
        for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
            problems.append(Problem(error.message, field=_field(error)))
    if problems:
        raise InvalidData(f"data for {where} is invalid", problems)
