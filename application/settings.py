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
    # Sign-in. Local accounts (user name and Argon2-hashed password) can be switched off
    # when everyone signs in through the city's OpenID Connect provider (Entra ID or other),
    # which is on when its issuer URL, client id and secret are set.
    local_accounts: bool = True
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_scopes: str = "openid profile email"
    oidc_label: str = "Single sign-on"  # the sign-in button names the provider, e.g. "Microsoft Entra ID"
    # Behind HTTPS the session cookie is sent only over HTTPS; with trusted proxies their
    # X-Forwarded-For/-Proto headers give the client's address (login throttling) and scheme.
    behind_https: bool = False
    trusted_proxies: int = 0
    # Failed logins: this many per account, or per address, within the window -> 429.
    login_failures_per_account: int = 5
    login_failures_per_address: int = 20
    login_window_seconds: int = 15 * 60

    @property
    def embedded(self) -> bool:
        """No Redis: one process runs the pages, the API, the jobs and the timers."""
        return not self.redis_url

    @classmethod
    def from_environment(cls, environ=None) -> Settings:
        environ = os.environ if environ is None else environ
        def flag(name: str, default: bool) -> bool:
            value = environ.get(name, "").strip().lower()
            return default if not value else value in ("1", "true", "yes", "on")
        return cls(database_url=environ.get("DATABASE_URL") or cls.database_url,
                   redis_url=environ.get("REDIS_URL") or None,
                   secret_key=environ.get("SECRET_KEY") or None,
                   local_accounts=flag("LOCAL_ACCOUNTS", cls.local_accounts),
                   oidc_issuer=environ.get("OIDC_ISSUER") or None,
                   oidc_client_id=environ.get("OIDC_CLIENT_ID") or None,
                   oidc_client_secret=environ.get("OIDC_CLIENT_SECRET") or None,
                   oidc_scopes=environ.get("OIDC_SCOPES") or cls.oidc_scopes,
                   oidc_label=environ.get("OIDC_LABEL") or cls.oidc_label,
                   behind_https=flag("BEHIND_HTTPS", cls.behind_https),
                   trusted_proxies=int(environ.get("TRUSTED_PROXIES") or 0))

    @property
    def oidc(self) -> bool:
        """Single sign-on is configured: issuer, client id and secret are all set."""
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret)

    @classmethod
    def of(cls, value: Settings | str | None) -> Settings:
        """Settings as given, or for a bare database URL (tests, benchmarks), or from the environment."""
        if isinstance(value, Settings):
            return value
        return cls(database_url=value) if value else cls.from_environment()
