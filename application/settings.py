"""The one settings object: read from the environment once, at start-up, then passed on.

Whether the service runs embedded (SQLite, jobs and timers in a thread of the service)
or with Redis (jobs on rq workers, timers in ``innovation scheduler``) is decided here,
by ``embedded``, and nowhere else.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JOB_QUEUE = "innovation-jobs"  # the rq queue that carries job ids to workers


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{ROOT / 'var' / 'innovation.db'}"
    redis_url: str | None = None
    # Signs the web session; without it each process makes a random one (sessions then end
    # on restart and do not span processes).
    secret_key: str | None = None
    forms_dir: Path = ROOT / "forms"
    processes_dir: Path = ROOT / "processes"
    max_request_bytes: int = 8 * 1024 * 1024
    # Background loop: the longest sleep between passes, in seconds.
    background_interval: float = 1.0
    extra: dict = field(default_factory=dict)  # Flask settings passed through unchanged (tests)

    @property
    def embedded(self) -> bool:
        """No Redis: one process runs the pages, the API, the jobs and the timers."""
        return not self.redis_url

    @classmethod
    def from_environment(cls, environ=None) -> Settings:
        environ = os.environ if environ is None else environ
        return cls(database_url=environ.get("DATABASE_URL") or cls.database_url,
                   redis_url=environ.get("REDIS_URL") or None,
                   secret_key=environ.get("SECRET_KEY") or None)

    @classmethod
    def of(cls, value: Settings | str | None) -> Settings:
        """Settings as given, or for a bare database URL (tests, benchmarks), or from the environment."""
        if isinstance(value, Settings):
            return value
        return cls(database_url=value) if value else cls.from_environment()
