"""The one settings object: read from the environment once, at start-up, then passed on.

Whether the service runs embedded (SQLite, jobs and timers in a thread of the service)
or with Redis (jobs on rq workers, timers in ``innovation scheduler``) is decided here,
by ``embedded``, and nowhere else.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JOB_QUEUE = "innovation-jobs"  # the rq queue that carries job ids to workers
TLS_MODES = ("starttls", "ssl", "none")


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
    # Diagram code: the time all scripts of one engine step may take together (seconds).
    script_seconds: float = 1.0
    # Background loop: the longest sleep between passes, in seconds.
    background_interval: float = 1.0
    # Links in e-mail point here.
    base_url: str = "http://127.0.0.1:5000"
    # E-mail (workers/mail.py). Without a host nothing is sent: messages wait in the outbox
    # (mail_outbox) and the in-app notifications work as ever.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_tls: str = "starttls"  # starttls, ssl (implicit TLS, usually port 465) or none (a relay on loopback)
    mail_from: str = "innovation@localhost"
    mail_attempts: int = 8  # then the message is marked failed
    mail_retry_seconds: float = 60.0  # the first retry's delay; doubled for each further one
    digest_hour: int = 6  # the daily digest goes out at this hour, UTC
    # Seconds between the background scans for assignments, overdue tasks and due digests.
    notification_scan_seconds: float = 30.0
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
    # The public database's contact: each administration's innovationsledare by a functional
    # mailbox, never a person; {code} is the administration's code in lower case.
    public_contact_email: str = "innovation.{code}@helsingborg.se"
    # The coordinators' pipeline marks an active initiative stuck after this many days without a change.
    stuck_days: int = 14
    # The service runs from a checkout that may be written (``make run``, development): process
    # owners may then write a deployed version back into processes/ from the modeler's page.
    checkout_writable: bool = False

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
        number = {name: int(environ[key]) for name, key in (
            ("smtp_port", "SMTP_PORT"), ("mail_attempts", "MAIL_ATTEMPTS"), ("digest_hour", "DIGEST_HOUR"),
            ("stuck_days", "STUCK_DAYS"))
            if environ.get(key)}
        contact = environ.get("PUBLIC_CONTACT_EMAIL") or cls.public_contact_email
        try:
            contact.format_map({"code": "sof"})
        except (KeyError, IndexError, ValueError):
            raise ValueError(f"PUBLIC_CONTACT_EMAIL may name only {{code}}, not {contact!r}") from None
        if environ.get("SMTP_TLS", "starttls") not in TLS_MODES:
            raise ValueError(f"SMTP_TLS must be one of {', '.join(TLS_MODES)}, not {environ['SMTP_TLS']!r}")
        return cls(database_url=environ.get("DATABASE_URL") or cls.database_url,
                   redis_url=environ.get("REDIS_URL") or None,
                   secret_key=environ.get("SECRET_KEY") or None,
                   script_seconds=float(environ.get("SCRIPT_SECONDS") or cls.script_seconds),
                   local_accounts=flag("LOCAL_ACCOUNTS", cls.local_accounts),
                   oidc_issuer=environ.get("OIDC_ISSUER") or None,
                   oidc_client_id=environ.get("OIDC_CLIENT_ID") or None,
                   oidc_client_secret=environ.get("OIDC_CLIENT_SECRET") or None,
                   oidc_scopes=environ.get("OIDC_SCOPES") or cls.oidc_scopes,
                   oidc_label=environ.get("OIDC_LABEL") or cls.oidc_label,
                   behind_https=flag("BEHIND_HTTPS", cls.behind_https),
                   checkout_writable=flag("CHECKOUT_WRITABLE", cls.checkout_writable),
                   trusted_proxies=int(environ.get("TRUSTED_PROXIES") or 0),
                   base_url=environ.get("BASE_URL") or cls.base_url,
                   smtp_host=environ.get("SMTP_HOST") or None,
                   smtp_user=environ.get("SMTP_USER") or None,
                   smtp_password=environ.get("SMTP_PASSWORD") or None,
                   smtp_tls=environ.get("SMTP_TLS") or cls.smtp_tls,
                   mail_from=environ.get("MAIL_FROM") or cls.mail_from,
                   mail_retry_seconds=float(environ.get("MAIL_RETRY_SECONDS") or cls.mail_retry_seconds),
                   notification_scan_seconds=float(environ.get("NOTIFICATION_SCAN_SECONDS")
                                                   or cls.notification_scan_seconds),
                   public_contact_email=contact, **number)

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
