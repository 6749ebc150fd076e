"""What a service process (the HTTP API) starts for background work.

With Redis, committed jobs are queued for rq workers, and timers and lost jobs belong to
`innovation scheduler`; without it, a BackgroundRunner does all of it in this process.
"""
from __future__ import annotations

from workers.embedded import BackgroundRunner
from workers.queue import Dispatcher, connect


def start_background(engine, redis_url: str | None = None, interval: float = 1.0):
    """Start the background work for ``engine``; returns what to ``stop()`` on shutdown."""
    if redis_url:
        return Dispatcher(engine, connect(redis_url)).start()
    return BackgroundRunner(engine, interval).start()
