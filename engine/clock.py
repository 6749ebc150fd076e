"""Time as the engine sees it.

SpiffWorkflow's timer definitions call ``datetime.now(timezone.utc)`` themselves, so a
controllable clock has to reach into that module. ``use_clock`` installs a clock for the
current context (thread or task); every engine operation runs inside it, which is how
tests and the demo fast-forward weeks of pilot evaluations in milliseconds.
"""
from __future__ import annotations

import contextlib
import contextvars
import threading
from datetime import datetime, timedelta, timezone

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class ManualClock:
    """A clock that only moves when told to; safe to share between threads."""

    def __init__(self, start: datetime | None = None):
        self._now = start or datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc)
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


_current: contextvars.ContextVar = contextvars.ContextVar("engine_clock", default=SystemClock())


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
