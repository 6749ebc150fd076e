"""What a service process starts for background work, decided by ``Settings.embedded``.

With Redis, committed jobs are queued for rq workers, and timers and lost jobs belong to
`innovation scheduler`; without it, a BackgroundRunner does all of it in this process.
"""
from __future__ import annotations

from application.settings import Settings
from workers.embedded import BackgroundRunner
from workers.mail import Mailer
from workers.queue import Dispatcher, connect


def start_background(engine, settings: Settings):
    """Start the background work for ``engine``; returns what to ``stop()`` on shutdown.

    The notification mailer runs where timers run: here when embedded, else in the scheduler.
    """
    if settings.embedded:
        return BackgroundRunner(engine, settings.background_interval, chores=[Mailer.of(engine, settings)]).start()
    return Dispatcher(engine, connect(settings.redis_url)).start()
