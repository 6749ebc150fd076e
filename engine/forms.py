"""Checking submitted data: its shape first (depth, strings, numbers), then the user task's JSON Schema.

The shape limits hold for every submission, with a form or without one, so data that no
form describes (form-less tasks, messages) still cannot carry a NUL byte the database
refuses, a string of megabytes, or nesting that exhausts Python's stack later on.
"""
from __future__ import annotations

import json
import math
import re

from jsonschema import Draft202012Validator, FormatChecker

from engine.errors import InvalidData, Problem
from engine.sandbox import reserved_key_problems

MAX_DEPTH = 32
MAX_STRING_LENGTH = 50_000
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class MalformedJson(InvalidData):
    """The text is not JSON at all (as opposed to JSON whose content breaks a limit)."""


class _NotJson:
    """Stands in for NaN/Infinity while parsing, so the walk can say where they were."""

    def __init__(self, token: str):
        self.token = token


def loads(text: str | bytes):
    """Parse JSON strictly: UTF-8 only, no NaN/Infinity, no NUL or lone surrogate, within the depth limit.

    Strings may be long here (the modeler posts a whole diagram as one); the length limit is
    the schema's or ``check``'s. Raises InvalidData naming each offending place (a JSON
    pointer); text that is not JSON at all is one problem at ``/``.
    """
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        value = json.loads(text, parse_constant=_NotJson)
    except RecursionError:
        raise InvalidData("the JSON is nested too deeply",
                          [Problem(f"nested deeper than {MAX_DEPTH} levels", field="/")]) from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, too many digits
        raise MalformedJson("the text is not valid JSON", [Problem(str(exc), field="/")]) from None
    problems = shape_problems(value, max_string=None)
    if problems:
        raise InvalidData("the JSON breaks the limits for submitted data", problems)
    return value


def shape_problems(value, path: str = "", depth: int = 0,
                   max_string: int | None = MAX_STRING_LENGTH) -> list[Problem]:
    """Every place in ``value`` that no database or later step can take, with its JSON pointer."""
    if isinstance(value, str):
        return _string_problems(value, path or "/", max_string)
    if isinstance(value, _NotJson) or (isinstance(value, float) and not math.isfinite(value)):
        token = value.token if isinstance(value, _NotJson) else repr(value)
        return [Problem(f"{token} is not a JSON number; send a finite number", field=path or "/")]
    if not isinstance(value, (dict, list)):
        return []
    if depth >= MAX_DEPTH:
        return [Problem(f"nested deeper than {MAX_DEPTH} levels", field=path or "/")]
    problems = []
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        where = f"{path}/{key}"
        if isinstance(key, str):
            problems += [Problem(f"key {p.message}", field=where) for p in _string_problems(key, where, max_string)]
        problems += shape_problems(item, where, depth + 1, max_string)
    return problems


def _string_problems(text: str, where: str, max_string: int | None) -> list[Problem]:
    problems = []
    if max_string is not None and len(text) > max_string:
        problems.append(Problem(f"is {len(text)} characters long; the limit is {max_string}", field=where))
    bad = _UNSTORABLE.search(text)
    if bad:
        what = "a NUL character" if bad.group() == "\x00" else "a lone surrogate (not valid Unicode)"
        problems.append(Problem(f"contains {what} at position {bad.start()}", field=where))
    return problems


def _field(error) -> str:
    path = "/" + "/".join(str(p) for p in error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        return path.rstrip("/") + "/" + missing
    if error.validator == "additionalProperties" and "'" in error.message:
        return path.rstrip("/") + "/" + error.message.split("'")[1]
    return path


def check(data, schema: dict | None, where: str) -> None:
    """Raise InvalidData naming every field that breaks the shape limits, ``schema`` or a reserved key."""
    if not isinstance(data, dict):
        raise InvalidData(f"data for {where} must be a JSON object", [Problem("must be an object", field="/")])
    problems = shape_problems(data)
    if problems:  # checked first: the schema and key checks below recurse through the data
        raise InvalidData(f"data for {where} is invalid", problems)
    problems = [Problem(msg.split(": ", 1)[1], field=msg.split(": ", 1)[0]) for msg in reserved_key_problems(data)]
    if schema is not None:
        validator = Draft202012Validator(schema, format_checker=FormatChecker())
        for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
            problems.append(Problem(error.message, field=_field(error)))
    if problems:
        raise InvalidData(f"data for {where} is invalid", problems)
