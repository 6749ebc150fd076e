"""The background loop shared by the embedded runner and `innovation scheduler`.

A pass fires due timers and, without a dispatcher, runs due jobs right here. At most once
an ``interval`` it also sweeps: fails the attempts whose worker stopped reporting and,
with a dispatcher, queues again the jobs Redis lost. Between passes it sleeps until the
next timer or job falls due, at most ``interval``, and wakes at once when ``wake`` is set
(new jobs were committed). Everything it touches is claimed in the database, so any
number of loops may run against one database. ``chores`` are further callables run after
the engine's work in each pass (the notification mailer); one that fails is logged and
does not hold up the others or the engine's work.
"""
from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger(__name__)
SLACK = 0.001  # a timer fires strictly after its due time


class Loop:
    def __init__(self, engine, worker: str, interval: float = 1.0, dispatcher=None, chores=()):
        self.engine = engine
        self.chores = list(chores)
        self.worker = worker
        self.interval = interval
        self.dispatcher = dispatcher
        self.wake = threading.Event()
        self._stopping = threading.Event()
        self._next_sweep = 0.0

    def once(self) -> int:
        """One pass; returns how many timers, jobs and lost attempts it dealt with."""
        done = self.engine.fire_due_timers()
        if self.dispatcher is None:
            done += self.engine.jobs.run_pending(self.worker)
        if time.monotonic() >= self._next_sweep:
            self._next_sweep = time.monotonic() + self.interval
            done += self.engine.jobs.expire_leases(actor=self.worker)
            if self.dispatcher is not None:
                done += self.dispatcher.requeue()
        for chore in self.chores:
            try:
                done += chore()
            except Exception:
                log.exception("background chore %s failed; it runs again next pass", chore)
        return done

    def delay(self) -> float:
        """Seconds until the next timer or job falls due, at most ``interval``."""
        upcoming = [t for t in (self.engine.next_timer_due(), self.engine.jobs.next_due()) if t]
        if not upcoming:
            return self.interval
        until = (min(upcoming) - self.engine.now()).total_seconds() + SLACK
        return max(0.0, min(self.interval, until))

    def run(self) -> None:
        """Pass after pass until ``stop``; a failing database or Redis is retried each interval."""
        while not self._stopping.is_set():
            try:
                pause = 0.0 if self.once() else self.delay()
            except Exception:  # keep the loop alive through outages, loudly
                log.exception("background pass failed; retrying in %.1f s", self.interval)
                pause = self.interval
            self.wake.wait(pause)
            self.wake.clear()

    def stop(self) -> None:
        self._stopping.set()
        self.wake.set()
