"""Notifications in the background: plan e-mail, scan for overdue tasks and assignments,
and deliver the outbox over SMTP.

``Mailer`` is a chore of the background loop (workers/loop.py), so it runs wherever timers
run: in the service's thread in the embedded mode, in `innovation scheduler` with Redis.
Each message is one outbox row with its Message-ID fixed at creation. A send is:

1. claim the row (``sending``, one attempt counted, a lease) and commit;
2. hand it to the SMTP server;
3. mark it ``sent`` and commit.

A server that is down or answers 4xx leaves the row to be retried with exponential
backoff; a 5xx refusal marks it ``failed`` at once, as does running out of attempts. If
the process dies between 2 and 3 (or the database is away at 3), the lease runs out and
the message is sent again with the same Message-ID: delivery is at least once, and a
duplicate is recognisable as one. Marking it sent before step 2 would make it at most
once, and a crash there would lose the message silently; we prefer a rare duplicate.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
import time
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from application import notifications
from application.settings import Settings

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)  # a sender silent this long is taken for dead; its messages are sent again


class SmtpTransport:
    """Sends one message per connection; the settings say where and how securely."""

    def __init__(self, settings: Settings, timeout: float = 10.0):
        self.settings = settings
        self.timeout = timeout
        # Loading the system's certificates costs tens of milliseconds: once, and only for TLS.
        self.context = ssl.create_default_context() if settings.smtp_tls != "none" else None

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        if s.smtp_tls == "ssl":
            client = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=self.timeout, context=self.context)
        else:
            client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=self.timeout)
        with client:
            if s.smtp_tls == "starttls":
                client.starttls(context=self.context)
            if s.smtp_user:
                client.login(s.smtp_user, s.smtp_password or "")
            client.send_message(message)


def compose(letter: notifications.Letter, sender: str, now) -> EmailMessage:
    message = EmailMessage()
    message["Message-ID"] = letter.message_id
    message["From"] = sender
    message["To"] = letter.recipient
    message["Subject"] = letter.subject
    message["Date"] = format_datetime(now)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office replies stay away
    message.set_content(letter.body)
    return message


def permanent(error: Exception) -> bool:
    """A 5xx answer: sending the same message again will not help."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and 500 <= error.smtp_code < 600


class Mailer:
    """The notification chore; ``transport`` None (no SMTP host) leaves e-mail in the outbox."""

    def __init__(self, engine, settings: Settings, transport=None):
        self.engine = engine
        self.settings = settings
        self.transport = transport
        self.scan_every = settings.notification_scan_seconds
        self._next_scan = 0.0

    @classmethod
    def of(cls, engine, settings: Settings) -> Mailer:
        return cls(engine, settings, SmtpTransport(settings) if settings.smtp_host else None)

    def __call__(self) -> int:
        """One pass; returns how much it did (the loop passes again at once if anything)."""
        done = 0
        if time.monotonic() >= self._next_scan:
            self._next_scan = time.monotonic() + self.scan_every
            done += self.scan()
        done += self.plan()
        if self.transport is not None:
            done += self.deliver()
        return done

    def _write(self, work) -> int:
        with self.engine.db.unit_of_work(write=True) as uow:
            done = work(uow.session, self.engine.now())
            uow.commit()
        return done

    def scan(self) -> int:
        """Overdue tasks, assignments, and the daily digest when its hour has come."""
        return self._write(notifications.scan) + self._write(
            lambda session, now: notifications.send_digests(session, now, self.settings.digest_hour,
                                                            self.settings.base_url))

    def plan(self) -> int:
        return self._write(lambda session, now: notifications.plan_mail(session, now, self.settings.base_url))

    def deliver(self, limit: int = 20) -> int:
        """Send due messages one by one; returns how many were tried.

        Stops at the first failure to reach the server: the rest would wait for the same
        timeout, and in the embedded mode this pass holds up the engine's timers and jobs.
        """
        for tried in range(limit):
            letters = self._write(lambda session, now: notifications.claim_mail(session, now, LEASE, limit=1))
            if not letters or not self.send(letters[0]):
                return tried + len(letters)
        return limit

    def send(self, letter: notifications.Letter) -> bool:
        """Send one claimed message and record the outcome; False if the server could not be reached."""
        try:
            self.transport.send(compose(letter, self.settings.mail_from, self.engine.now()))
        except (OSError, smtplib.SMTPException) as error:  # refused, unreachable, timed out, 4xx, 5xx
            reason, final = f"{type(error).__name__}: {error}", permanent(error)
            state = self._write(lambda session, now: notifications.mail_failed(
                session, letter, now, reason, permanent=final, attempts=self.settings.mail_attempts,
                backoff=timedelta(seconds=self.settings.mail_retry_seconds)))
            log.warning("mail %s to %s, attempt %d: %s -> %s", letter.message_id, letter.recipient,
                        letter.attempt, error, state)
            return isinstance(error, (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused))
        self._write(lambda session, now: notifications.mail_sent(session, letter, now))
        return True
