"""The only place diagram code runs: a RestrictedPython environment.

Scripts, gateway conditions, timer expressions and service-task parameters are compiled
with ``compile_restricted`` (no imports, no underscore attributes, guarded item and
attribute access) and see only vetted helpers. SpiffWorkflow's default engine runs with
full builtins and its suggested ``safe_globals`` recipe is escapable, so neither is used.
Task data is passed in as variables and never evaluated.
"""
from __future__ import annotations

import builtins
import operator
from datetime import date, datetime, timedelta, timezone

from RestrictedPython import (
    compile_restricted_eval,
    compile_restricted_exec,
    limited_builtins,
    safe_builtins,
    utility_builtins,
)
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from RestrictedPython.PrintCollector import PrintCollector
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from engine import clock


class SandboxViolation(Exception):
    """Diagram code that the restricted compiler refuses (not a SyntaxError: see below)."""


def _as_datetime(value: str) -> datetime:
    moment = datetime.fromisoformat(value) if "T" in value else datetime.combine(
        date.fromisoformat(value), datetime.min.time()
    )
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def now_iso() -> str:
    """The engine clock's current time as an ISO-8601 UTC string."""
    return clock.now().astimezone(timezone.utc).isoformat()


def add_days(value: str, days: float) -> str:
    """An ISO date or datetime plus ``days``, as an ISO datetime in UTC."""
    return (_as_datetime(value) + timedelta(days=days)).astimezone(timezone.utc).isoformat()


def date_start(value: str) -> str:
    """Midnight UTC at the start of an ISO date ("2026-03-01" -> "2026-03-01T00:00:00+00:00")."""
    return _as_datetime(value[:10]).isoformat()


def days_duration(days: int) -> str:
    """An ISO-8601 duration of whole days, as timer expressions need it."""
    return f"P{int(days)}D"


HELPERS = {
    "now_iso": now_iso,
    "add_days": add_days,
    "date_start": date_start,
    "days_duration": days_duration,
}

_EXTRA_BUILTINS = (
    "sum", "min", "max", "any", "all", "enumerate", "map", "filter",
    "dict", "list", "set", "sorted", "zip", "reversed", "len", "round", "abs",
)
_INPLACE = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul,
    "/=": operator.itruediv, "//=": operator.ifloordiv, "%=": operator.imod,
}


def _builtins() -> dict:
    table = dict(safe_builtins)
    table.update(limited_builtins)
    table.update(utility_builtins)
    table.update({name: getattr(builtins, name) for name in _EXTRA_BUILTINS})
    return table


def _globals() -> dict:
    return {
        "__builtins__": _builtins(),
        "_getattr_": safer_getattr,
        "_getitem_": default_guarded_getitem,
        "_getiter_": default_guarded_getiter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": full_write_guard,
        "_print_": PrintCollector,
        "_inplacevar_": lambda op, x, y: _INPLACE[op](x, y),
        **HELPERS,
    }


RESERVED_NAMES = frozenset(_globals()) | frozenset(_builtins()) | {"typename"}


def compile_problem(source: str, mode: str) -> str | None:
    """Why the restricted compiler refuses ``source`` (``mode`` 'eval' or 'exec'), or None."""
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(source)
    return "; ".join(result.errors) if result.errors else None


class RestrictedEnvironment(TaskDataEnvironment):
    """A TaskDataEnvironment that compiles every snippet with RestrictedPython."""

    def __init__(self):
        super().__init__(_globals())

    @staticmethod
    def _compile(source: str, mode: str):
        compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
        result = compiler(source)
        if result.errors:
            # A SyntaxError without lineno crashes SpiffWorkflow's error reporting.
            raise SandboxViolation("; ".join(result.errors))
        return result.code

    def evaluate(self, expression, context, external_context=None):
        code = self._compile(expression, "eval")
        scope = dict(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        scope["__builtins__"] = self.globals["__builtins__"]
        return eval(code, scope)

    def execute(self, script, context, external_context=None):
        code = self._compile(script, "exec")
        self.check_for_overwrite(context, external_context or {})
        context.update(self.globals)
        context.update(external_context or {})
        try:
            exec(code, context)
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
            for key in [k for k in context if k.startswith("_")]:
                context.pop(key)
        return True


def restricted_script_engine() -> PythonScriptEngine:
    return PythonScriptEngine(environment=RestrictedEnvironment())


def reserved_key_problems(data, path: str = "") -> list[str]:
    """Keys in submitted data that would shadow a helper or break the serializer.

    Top-level keys become variables in diagram code, so they must not start with an
    underscore or reuse a helper or builtin name; ``typename`` anywhere makes
    SpiffWorkflow's deserializer treat the dict as a serialized object.
    """
    problems = []
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}/{key}"
            if not isinstance(key, str):
                problems.append(f"{where}: keys must be strings")
            elif key == "typename":
                problems.append(f"{where}: 'typename' is reserved by the workflow serializer")
            elif not path and (key.startswith("_") or key in RESERVED_NAMES):
                problems.append(f"{where}: '{key}' is reserved for the script engine")
            problems.extend(reserved_key_problems(value, where))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            problems.extend(reserved_key_problems(item, f"{path}/{index}"))
    return problems
