"""The embedded default: without Redis, the service runs its own jobs and timers.

A daemon thread runs the background loop, executing jobs right here; it is woken by the
engine's job observers the moment new jobs are committed, so a service task completes
within milliseconds. Several service processes may each run one against one database:
jobs are claimed and timers fired under row locks, never twice. `innovation scheduler`
runs the same thread with a ``dispatcher``: jobs are then left to rq workers and the
sweep queues again whatever Redis lost. Either way it also runs the notification mailer
when it is given one as a chore.
"""
from __future__ import annotations

import os
import socket
import threading

from workers.loop import Loop


class BackgroundRunner:
    def __init__(self, engine, interval: float = 1.0, name: str | None = None, dispatcher=None, chores=()):
        self.engine = engine
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:embedded"
        self.loop = Loop(engine, self.name, interval, dispatcher, chores)
        self._thread: threading.Thread | None = None

    def start(self) -> BackgroundRunner:
        self.engine.on_jobs_committed(self._jobs_committed)
        self._thread = threading.Thread(target=self.loop.run, name=f"background {self.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the pass under way, then stop; jobs left over wait in the database."""
        self.loop.stop()
        if self._thread is not None:
            self._thread.join(timeout)
        self.engine.off_jobs_committed(self._jobs_committed)

    def _jobs_committed(self, job_ids: list[str]) -> None:
        self.loop.wake.set()
