"""Time as the engine sees it.

SpiffWorkflow's timer definitions call ``datetime.now(timezone.utc)`` themselves, so a
controllable clock has to reach into that module. ``use_clock`` installs a clock for the
current context (thread or task); every engine operation runs inside it, which is how
tests and the demo fast-forward weeks of pilot evaluations in milliseconds.
"""
from __future__ import annotations

import contextlib
import contextvars
import re
import threading
from datetime import UTC, datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to; safe to share between threads."""

    def __init__(self, start: datetime | None = None):
        self._now = start or datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, **delta) -> datetime:
        with self._lock:
            self._now += timedelta(**delta)
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment


_current: contextvars.ContextVar = contextvars.ContextVar(
    "engine_clock", default=SystemClock())  # noqa: B039  (a SystemClock holds no state)


def now() -> datetime:
    """The current engine time (UTC)."""
    return _current.get().now()


@contextlib.contextmanager
def use_clock(clock):
    token = _current.set(clock)
    try:
        yield clock
    finally:
        _current.reset(token)


class _ClockedDatetime(datetime):
    """``datetime`` whose ``now`` answers from the context's engine clock."""

    @classmethod
    def now(cls, tz=None):
        moment = _current.get().now()
        return moment.astimezone(tz) if tz else moment.replace(tzinfo=None)


_spiff_timer.datetime = _ClockedDatetime


# -- timer values -----------------------------------------------------------------------
# A timer's text is Python in SpiffWorkflow, but Camunda Modeler and the BPMN
# specification write it as a bare ISO 8601 value. A text shaped exactly like one of
# those values is taken as that value; everything else stays an expression.
_NUMBER = r"\d+(?:[.,]\d+)?"
_DURATION = (rf"P(?!$)(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}W)?(?:{_NUMBER}D)?"
             rf"(?:T(?!$)(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?")
_OFFSET = r"(?:Z|[+-]\d{2}(?::?\d{2})?)"
_TIME = rf"T\d{{2}}(?::\d{{2}}(?::\d{{2}}(?:[.,]\d{{1,6}})?)?)?{_OFFSET}?"
_DATE_TIME = rf"(?:\d{{4}}-\d{{2}}-\d{{2}}|\d{{4}}-W\d{{2}}-\d)(?:{_TIME})?"
_CYCLE = rf"R\d*/(?:{_DURATION}|{_DATE_TIME}/{_DURATION}|{_DURATION}/{_DATE_TIME})"
_ISO_VALUE = re.compile(f"{_DURATION}|{_DATE_TIME}|{_CYCLE}")
_KINDS = {
    _spiff_timer.TimeDateEventDefinition: "timeDate",
    _spiff_timer.DurationTimerEventDefinition: "timeDuration",
    _spiff_timer.CycleTimerEventDefinition: "timeCycle",
}
EXAMPLES = {"timeDuration": "PT5M or P7D", "timeDate": "2026-12-15 or 2026-12-15T09:00:00+01:00",
            "timeCycle": "R3/PT10M"}


def timer_literal(text: str) -> str | None:
    """The ISO 8601 value an unquoted timer text stands for, or None if it is an expression.

    Any of the three shapes counts whatever the element (timeDuration, timeDate or
    timeCycle), so a duration written as a cycle is reported as such, not as a Python name.
    """
    text = text.strip()
    return text if _ISO_VALUE.fullmatch(text) else None


def timer_value_problem(kind: str, value) -> str | None:
    """Why ``value`` cannot drive a timer of this kind ("gave ..."), or None if it can."""
    hint = f"write an ISO 8601 value such as {EXAMPLES[kind]}"
    if not isinstance(value, str):
        return f"gave {type(value).__name__} {value!r}, not an ISO 8601 text; {hint}"
    text = value.strip()
    try:
        if kind == "timeDuration":
            _spiff_timer.TimerEventDefinition.parse_iso_duration(text)
            valid = text.upper().startswith("P")
        elif kind == "timeDate":
            valid = not text.upper().startswith("P") and isinstance(
                _spiff_timer.TimerEventDefinition.parse_time_or_duration(text), datetime)
        else:
            valid = text.upper().startswith("R")
            _spiff_timer.TimerEventDefinition.parse_iso_recurring_interval(text)
    except Exception:  # the library raises bare Exception, ValueError, AttributeError...
        valid = False
    return None if valid else f"gave {text!r}, which is not a valid ISO 8601 {kind[4:].lower()}; {hint}"


def timer_kind(event_definition, expression: str) -> str | None:
    """timeDuration/timeDate/timeCycle if ``expression`` is this event's timer text, else None."""
    for definition in getattr(event_definition, "event_definitions", None) or [event_definition]:
        kind = _KINDS.get(type(definition))
        if kind and definition.expression == expression:
            return kind
    return None
