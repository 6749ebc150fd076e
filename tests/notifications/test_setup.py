"""Settings from the environment, and the migration that retires the model's undelivered outbox."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command

from application.notifications import OutboxMessage
from application.settings import Settings
from cli.database import alembic_config
from engine import UtcDateTime

AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
OLD_OUTBOX = sa.table("notifications", *(sa.column(name) for name in ("key", "recipient", "subject", "body")),
                      sa.column("created_at", UtcDateTime()))


def test_mail_settings_come_from_the_environment():
    settings = Settings.from_environment({"SMTP_HOST": "smtp.helsingborg.se", "SMTP_PORT": "465", "SMTP_TLS": "ssl",
                                         "SMTP_USER": "innovation", "SMTP_PASSWORD": "hemligt",
                                         "MAIL_FROM": "innovation@helsingborg.se", "DIGEST_HOUR": "5",
                                         "BASE_URL": "https://innovation.helsingborg.se", "MAIL_RETRY_SECONDS": "30"})
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_tls, settings.smtp_user, settings.smtp_password,
            settings.mail_from, settings.digest_hour, settings.base_url, settings.mail_retry_seconds) == (
        "smtp.helsingborg.se", 465, "ssl", "innovation", "hemligt", "innovation@helsingborg.se", 5,
        "https://innovation.helsingborg.se", 30.0)
    assert Settings.from_environment({}).smtp_host is None  # no SMTP: e-mail stays in the outbox
    with pytest.raises(ValueError, match="SMTP_TLS must be one of starttls, ssl, none"):
        Settings.from_environment({"SMTP_TLS": "tls"})


def test_the_old_reminder_outbox_moves_to_the_mail_outbox(database_url):
    config = alembic_config(database_url)
    command.downgrade(config, "0011")
    db = sa.create_engine(database_url)
    try:
        with db.begin() as conn:  # written as the model's old Notification row was
            conn.execute(OLD_OUTBOX.insert().values(key="job-1", recipient="ada.lind@helsingborg.se",
                                                    subject="Påminnelse", body="Uppgiften väntar", created_at=AT))
        command.upgrade(config, "head")
        with db.connect() as conn:
            moved = conn.execute(sa.select(OutboxMessage.key, OutboxMessage.recipient, OutboxMessage.state,
                                           OutboxMessage.attempts, OutboxMessage.next_attempt_at,
                                           OutboxMessage.message_id)).all()
            assert "notifications" not in sa.inspect(conn).get_table_names()
    finally:
        db.dispose()
    [(key, recipient, state, attempts, due, message_id)] = moved
    assert (key, recipient, state, attempts, due) == ("reminder:job-1", "ada.lind@helsingborg.se", "pending", 0, AT)
    assert message_id.startswith("<") and message_id.endswith("@helsingborg.se>")
