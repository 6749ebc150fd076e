"""The only place diagram code runs: a RestrictedPython environment.

Scripts, gateway conditions, timer expressions and service-task parameters are compiled
with ``compile_restricted`` (no imports, no underscore attributes, guarded item and
attribute access) and see only vetted helpers. SpiffWorkflow's default engine runs with
full builtins and its suggested ``safe_globals`` recipe is escapable, so neither is used.
Task data is passed in as variables and never evaluated.

Diagram code is also bounded (``ScriptLimits``): the compiler adds a clock check to every
loop body and function and routes ``+ * ** <<`` through size checks, so ``while True`` or
``10**10**8`` becomes a clear error naming the element instead of a worker (and, on
SQLite, the only write lock) held for as long as it runs. No signals are used: the
checks work in any thread.
"""
from __future__ import annotations

import ast
import builtins
import contextlib
import contextvars
import functools
import inspect
import math
import operator
import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

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
from RestrictedPython.transformer import RestrictingNodeTransformer
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine import clock


class SandboxViolation(Exception):
    """Diagram code that the restricted compiler refuses (not a SyntaxError: see below)."""


def _as_datetime(value: str) -> datetime:
    moment = datetime.fromisoformat(value) if "T" in value else datetime.combine(
        date.fromisoformat(value), datetime.min.time()
    )
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def now_iso() -> str:
    """The engine clock's current time as an ISO-8601 UTC string."""
    return clock.now().astimezone(UTC).isoformat()


def add_days(value: str, days: float) -> str:
    """An ISO date or datetime plus ``days``, as an ISO datetime in UTC."""
    return (_as_datetime(value) + timedelta(days=days)).astimezone(UTC).isoformat()


def date_start(value: str) -> str:
    """Midnight UTC at the start of an ISO date ("2026-03-01" -> "2026-03-01T00:00:00+00:00")."""
    return _as_datetime(value[:10]).isoformat()


def days_duration(days: int) -> str:
    """An ISO-8601 duration of whole days, as timer expressions need it."""
    return f"P{int(days)}D"


#: Functions diagram code may call without importing: the engine's own, then plug-ins'.
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
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "<<=": operator.ilshift,
    ">>=": operator.irshift, "&=": operator.iand, "|=": operator.ior, "^=": operator.ixor,
    "@=": operator.imatmul,
}


@dataclass(frozen=True)
class ScriptLimits:
    """What one engine step's diagram code may use: the only place these numbers live.

    ``seconds`` bounds all diagram code run in one engine step (one transaction, so on
    SQLite the time it can hold the write lock) and, outside a step, each snippet. The
    size limits stop single C-level operations the clock cannot interrupt: ``**``,
    ``*``, ``<<``, ``+`` on sequences, ``range``, string padding and the big-number
    functions of ``math`` and ``random``.
    """

    seconds: float = 1.0
    max_items: int = 1_000_000  # one string, list, tuple or range
    max_total_items: int = 10_000_000  # everything those operations build in one snippet
    max_int_bits: int = 65_536  # one integer (about 19,700 digits)


class ScriptLimitExceeded(Exception):
    """Diagram code ran too long or tried to build something too large."""


_SEQUENCES = (str, bytes, list, tuple)
_PADDING = frozenset({"ljust", "rjust", "center", "zfill"})


def _log2_factorial(n) -> float:
    """About how many bits n! has (0 where math itself will refuse the argument)."""
    return math.lgamma(n + 1) / math.log(2) if isinstance(n, int) and n > 1 else 0


class _Budget:
    """The limits of one snippet's run, and the guard functions the compiled code calls."""

    def __init__(self, limits: ScriptLimits, seconds: float):
        self.limits = limits
        self.started = time.monotonic()
        self.deadline = self.started + seconds
        self.items = 0
        self.exceeded: str | None = None

    def fail(self, message: str):
        # Sticky: code that catches the exception still fails at its next check and at the end.
        self.exceeded = self.exceeded or message
        raise ScriptLimitExceeded(self.exceeded)

    def late(self) -> str | None:
        if time.monotonic() <= self.deadline:
            return None
        return f"diagram code ran longer than its time budget of {self.limits.seconds:g} s (ScriptLimits.seconds)"

    def tick(self) -> None:
        if self.exceeded or time.monotonic() > self.deadline:
            self.fail(self.late() or self.exceeded)

    def size(self, count: int, what: str, *, new: bool = True) -> None:
        """Check one result's length; ``new`` items (not a copy of operands) also count
        towards the snippet's total, so a loop cannot build many big results."""
        if count > self.limits.max_items:
            self.fail(f"{what} would hold {count:,} items; the limit is {self.limits.max_items:,} "
                      "(ScriptLimits.max_items)")
        self.items += count if new else 0
        if self.items > self.limits.max_total_items:
            self.fail(f"diagram code built more than {self.limits.max_total_items:,} items in all "
                      "(ScriptLimits.max_total_items)")

    def bits(self, count: float, what: str) -> None:
        if count > self.limits.max_int_bits:
            self.fail(f"{what} would be a number of about {int(count):,} bits; the limit is "
                      f"{self.limits.max_int_bits:,} (ScriptLimits.max_int_bits)")

    # -- guards the compiled code calls ---------------------------------------------------
    def iterate(self, iterable):
        for item in default_guarded_getiter(iterable):
            self.tick()
            yield item

    def add(self, a, b):
        result = a + b
        if isinstance(result, _SEQUENCES):
            self.size(len(result), "a concatenation", new=False)  # `s = s + x` in a loop is fine
        return result

    def mul(self, a, b):
        if isinstance(a, int) and isinstance(b, int):
            self.bits(a.bit_length() + b.bit_length(), "a product")
        elif isinstance(a, _SEQUENCES) and isinstance(b, int):
            self.size(len(a) * b, "a repetition")
        elif isinstance(b, _SEQUENCES) and isinstance(a, int):
            self.size(len(b) * a, "a repetition")
        return a * b

    def pow(self, a, b, modulo=None):
        if modulo is None and isinstance(a, int) and isinstance(b, int) and b > 1 and abs(a) > 1:
            self.bits(b * math.log2(abs(a)), "a power")
        return pow(a, b) if modulo is None else pow(a, b, modulo)

    def lshift(self, a, b):
        if isinstance(a, int) and isinstance(b, int) and a:
            self.bits(a.bit_length() + b, "a shift")
        return a << b

    def inplace(self, op: str, a, b):
        guarded = {"+=": self.add, "*=": self.mul, "**=": self.pow, "<<=": self.lshift}.get(op)
        return guarded(a, b) if guarded else _INPLACE[op](a, b)

    def range(self, *args):
        numbers = range(*args)
        self.size(len(numbers), "a range")
        return numbers

    def getattr(self, obj, name, default=None):
        value = safer_getattr(obj, name, default)
        if name in _PADDING and isinstance(obj, (str, bytes)):
            def padded(width, *rest):
                self.size(width, f"{name}()")
                return value(width, *rest)
            return padded
        if name == "expandtabs" and isinstance(obj, (str, bytes)):
            def expanded(tabsize=8):
                self.size(len(obj) * tabsize, "expandtabs()")
                return value(tabsize)
            return expanded
        return value

    def big_number(self, function, bits):
        """``function`` refused when ``bits(*args)`` says its result would be too large."""
        def guarded(*args):
            self.bits(bits(*args), f"{function.__name__}()")
            return function(*args)
        return guarded

    def lcm(self, *numbers):
        def pair(a, b):
            self.bits(a.bit_length() + b.bit_length(), "lcm()")
            return math.lcm(a, b)
        return functools.reduce(pair, numbers, 1)

    def modules(self) -> dict:
        """``math`` and ``random`` with the functions that build huge results guarded."""
        maths = _namespace(math, {
            "factorial": self.big_number(math.factorial, _log2_factorial),
            "comb": self.big_number(math.comb, lambda n, k: _log2_factorial(n) - _log2_factorial(k)
                                    - _log2_factorial(n - k)),
            "perm": self.big_number(math.perm, lambda n, k=None: _log2_factorial(n) - _log2_factorial(
                n - (n if k is None else k))),
            "prod": lambda iterable, start=1: functools.reduce(self.mul, self.iterate(iterable), start),
            "lcm": self.lcm,
        })
        randoms = _namespace(random, {
            "getrandbits": self.big_number(random.getrandbits, lambda k: k),
            "randbytes": lambda n: self.size(n, "randbytes()") or random.randbytes(n),
            "choices": lambda population, weights=None, *, cum_weights=None, k=1: self.size(
                k, "choices()") or random.choices(population, weights, cum_weights=cum_weights, k=k),
            "sample": lambda population, k, *, counts=None: self.size(
                k, "sample()") or random.sample(population, k, counts=counts),
        })
        return {"math": maths, "random": randoms}

    def guards(self) -> dict:
        builtins_table = dict(_BUILTINS)
        builtins_table.update(self.modules(), range=self.range, pow=self.pow)
        return {
            "__builtins__": builtins_table,
            "_getattr_": self.getattr,
            "_getiter_": self.iterate,
            "_inplacevar_": self.inplace,
            "_tick_": self.tick,
            "_add_": self.add,
            "_mul_": self.mul,
            "_pow_": self.pow,
            "_lshift_": self.lshift,
        }

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.exceeded = self.exceeded or self.late()
        if self.exceeded and not isinstance(exc, ScriptLimitExceeded):
            raise ScriptLimitExceeded(self.exceeded) from exc
        return False


_PUBLIC = {module: {name: getattr(module, name) for name in dir(module) if not name.startswith("_")}
           for module in (math, random)}


def _namespace(module, overrides: dict) -> SimpleNamespace:
    return SimpleNamespace(**{**_PUBLIC[module], **overrides})


def _apply(function, *args, **kwargs):
    """RestrictedPython routes ``f(*args, **kwargs)`` through this; without it such calls fail."""
    return function(*args, **kwargs)


def _builtins() -> dict:
    table = dict(safe_builtins)
    table.update(limited_builtins)
    table.update(utility_builtins)
    table.update({name: getattr(builtins, name) for name in _EXTRA_BUILTINS})
    return table


_BUILTINS = _builtins()


def _globals() -> dict:
    return {
        "__builtins__": _BUILTINS,
        "_getattr_": safer_getattr,
        "_getitem_": default_guarded_getitem,
        "_getiter_": default_guarded_getiter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": full_write_guard,
        "_print_": PrintCollector,
        "_apply_": _apply,
        **HELPERS,
    }


def reserved_names() -> frozenset[str]:
    """Names submitted data may not use at the top level (they would shadow diagram code's)."""
    return frozenset(_globals()) | frozenset(_BUILTINS) | {"typename"}


def register_helper(name: str, function) -> None:
    """Make ``function`` callable by ``name`` from diagram code (see ``engine.plugins``).

    Workflows created afterwards see it; it may not shadow a builtin, a guard or another
    helper, because a diagram that works today must mean the same after an install.
    """
    if not (isinstance(name, str) and name.isidentifier()) or name.startswith("_"):
        raise ValueError(f"script helper name {name!r} is not a plain identifier")
    if not callable(function):
        raise ValueError(f"script helper {name!r} is not callable")
    if HELPERS.get(name) is function:
        return  # the same plug-in loaded again (each engine built in one process loads them)
    if name in reserved_names():
        raise ValueError(f"script helper {name!r} would shadow a name diagram code already has")
    HELPERS[name] = function


def helper_descriptions() -> list[dict]:
    """Each helper's name, call signature and first docstring line, for the modeler."""
    described = []
    for name, function in sorted(HELPERS.items()):
        try:  # names only: a process owner reads ``add_days(value, days)``, not Python's annotations
            full = inspect.signature(function)
            signature = str(full.replace(return_annotation=inspect.Signature.empty, parameters=[
                p.replace(annotation=inspect.Parameter.empty) for p in full.parameters.values()]))
        except (TypeError, ValueError):
            signature = "(...)"
        doc = (inspect.getdoc(function) or "").split("\n", 1)[0]
        described.append({"name": name, "signature": f"{name}{signature}", "doc": doc})
    return described
_GUARDED_OPERATORS = {ast.Add: "_add_", ast.Mult: "_mul_", ast.Pow: "_pow_", ast.LShift: "_lshift_"}


def _is_number(node) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float, complex)


class BoundedPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy plus the hooks the limits need: a clock check at the top of
    every loop body and function, size-checked ``+ * ** <<``, and refusals that say what to
    write instead."""

    @staticmethod
    def _call(name: str, args: list, where):
        """``name(*args)`` placed at ``where`` (compile() needs a position on every node)."""
        call = ast.Call(ast.Name(name, ast.Load()), args, [])
        for new in (call, call.func):
            ast.copy_location(new, where)
        return call

    def _tick(self, node) -> ast.stmt:
        return ast.copy_location(ast.Expr(self._call("_tick_", [], node)), node)

    def visit_BinOp(self, node):
        node = self.node_contents_visit(node)
        guard = _GUARDED_OPERATORS.get(type(node.op))
        if guard is None or guard == "_add_" and (_is_number(node.left) or _is_number(node.right)):
            return node  # adding a number cannot build a long sequence: no call in `n = n + 1`
        return self._call(guard, [node.left, node.right], node)

    def visit_While(self, node):
        node = self.node_contents_visit(node)
        node.body.insert(0, self._tick(node))
        return node

    def visit_FunctionDef(self, node):
        node = super().visit_FunctionDef(node)
        node.body.insert(0, self._tick(node))
        return node

    def visit_Lambda(self, node):
        node = super().visit_Lambda(node)
        tick = self._call("_tick_", [], node.body)
        node.body = ast.copy_location(ast.BoolOp(ast.Or(), [tick, node.body]), node.body)
        return node

    def visit_AugAssign(self, node):
        if isinstance(node.target, (ast.Subscript, ast.Attribute)):
            target = ast.unparse(node.target)
            operator_text = ast.unparse(ast.BinOp(ast.Name("a"), node.op, ast.Name("b")))[2:-2]
            self.error(node, f"'{ast.unparse(node)}' is not supported on an item or attribute; write "
                             f"'{target} = {target} {operator_text} {ast.unparse(node.value)}' instead")
            return node
        return super().visit_AugAssign(node)

    def visit_Import(self, node):
        self.error(node, f"'{ast.unparse(node)}' is not available in diagram code: math, random and string "
                         f"are there without importing, as are {', '.join(HELPERS)}; anything else "
                         "belongs in a service task")
        return node

    visit_ImportFrom = visit_Import


@functools.lru_cache(maxsize=2048)
def _compile(source: str, mode: str):
    """(code, errors): the restricted compilation of one snippet, cached since specs repeat."""
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(source, policy=BoundedPolicy)
    return result.code, tuple(result.errors)


def compile_problem(source: str, mode: str) -> str | None:
    """Why the restricted compiler refuses ``source`` (``mode`` 'eval' or 'exec'), or None."""
    errors = _compile(source, mode)[1]
    return "; ".join(errors) if errors else None


_step: contextvars.ContextVar = contextvars.ContextVar("script_step", default=None)


class RestrictedEnvironment(TaskDataEnvironment):
    """A TaskDataEnvironment that compiles every snippet with RestrictedPython and runs it
    under the time and size limits."""

    def __init__(self, limits: ScriptLimits | None = None):
        super().__init__(_globals())
        self.limits = limits or ScriptLimits()

    @property
    def globals(self) -> dict:
        """The guards and builtins, plus every helper registered so far (plug-ins load after import)."""
        return {**self._fixed_globals, **HELPERS}

    @globals.setter
    def globals(self, value: dict) -> None:
        self._fixed_globals = value

    @contextlib.contextmanager
    def step(self):
        """All diagram code inside shares one time budget (nested steps share the outer one)."""
        if _step.get() is not None:
            yield
            return
        token = _step.set([self.limits.seconds])
        try:
            yield
        finally:
            _step.reset(token)

    def _run(self, source: str, mode: str, scope: dict):
        code, errors = _compile(source, mode)
        if errors:
            # A SyntaxError without lineno crashes SpiffWorkflow's error reporting.
            raise SandboxViolation("; ".join(errors))
        remaining = _step.get()
        budget = _Budget(self.limits, remaining[0] if remaining else self.limits.seconds)
        scope.update(budget.guards())
        try:
            with budget:
                return eval(code, scope) if mode == "eval" else exec(code, scope)
        finally:
            if remaining:
                remaining[0] -= time.monotonic() - budget.started

    def evaluate(self, expression, context, external_context=None):
        scope = dict(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        return self._run(expression, "eval", scope)

    def execute(self, script, context, external_context=None):
        self.check_for_overwrite(context, external_context or {})
        context.update(self.globals)
        context.update(external_context or {})
        try:
            self._run(script, "exec", context)
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
            for key in [k for k in context if k.startswith("_")]:
                context.pop(key)
        return True


class RestrictedScriptEngine(PythonScriptEngine):
    """The script engine every workflow carries; timer expressions get their own treatment.

    A timer written the way Camunda Modeler writes it (``PT5M``, ``R3/PT10M``,
    ``2026-12-15``) is the ISO 8601 literal it looks like, not Python; any other timer
    expression must produce a valid ISO 8601 text, else the element fails with a message
    instead of an opaque error deep inside SpiffWorkflow.
    """

    def evaluate(self, task, expression, external_context=None):
        kind = clock.timer_kind(getattr(task.task_spec, "event_definition", None), expression)
        literal = clock.timer_literal(expression) if kind else None
        value = literal if literal is not None else self._evaluate(task, expression, external_context)
        if kind is None:
            return value
        problem = clock.timer_value_problem(kind, value)
        if problem:
            raise WorkflowTaskException(f"{kind} {expression.strip()!r} {problem}", task=task)
        return value

    def _evaluate(self, task, expression, external_context):
        """The library's evaluate, but the error says why (it only says that it failed)."""
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except SpiffWorkflowException:
            raise
        except Exception as exc:
            raise WorkflowTaskException(f"{expression.strip()!r} failed: {type(exc).__name__}: {exc}",
                                        task=task, exception=exc) from exc


def restricted_script_engine(limits: ScriptLimits | None = None) -> RestrictedScriptEngine:
    return RestrictedScriptEngine(environment=RestrictedEnvironment(limits))


def reserved_key_problems(data, path: str = "", reserved: frozenset[str] | None = None) -> list[str]:
    """Keys in submitted data that would shadow a helper or break the serializer.

    Top-level keys become variables in diagram code, so they must not start with an
    underscore or reuse a helper or builtin name; ``typename`` anywhere makes
    SpiffWorkflow's deserializer treat the dict as a serialized object.
    """
    problems = []
    reserved = reserved_names() if reserved is None else reserved
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}/{key}"
            if not isinstance(key, str):
                problems.append(f"{where}: keys must be strings")
            elif key == "typename":
                problems.append(f"{where}: 'typename' is reserved by the workflow serializer")
            elif not path and (key.startswith("_") or key in reserved):
                problems.append(f"{where}: '{key}' is reserved for the script engine")
            problems.extend(reserved_key_problems(value, where, reserved))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            problems.extend(reserved_key_problems(item, f"{path}/{index}", reserved))
    return problems
