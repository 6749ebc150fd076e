"""E-mail over a real SMTP server on loopback: a server that is down loses nothing and, once
back, gets each message once; a sender that dies after the server accepted resends with
the same Message-ID; a 5xx refusal is not retried; the background loop delivers."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from application import health as monitoring
from application import notifications
from application.notifications import OutboxMessage
from server import create_app
from tests.api.flows import ApiInitiative
from tests.notifications.conftest import REFUSED
from workers.mail import LEASE, Mailer, SmtpTransport, compose


def reminders(engine, *addresses: str) -> None:
    """Messages straight into the outbox, as the diagram's reminder writes them for unknown addresses."""
    with engine.db.unit_of_work(write=True) as uow:
        for n, address in enumerate(addresses):
            notifications.remind(uow.session, key=f"job-{n}", recipient=address, task="utvardera_pilot",
                                 instance_id=f"instance-{n}", at=engine.now())
        uow.commit()


def outbox(engine) -> dict[str, OutboxMessage]:
    with engine.reading() as session:
        return {m.recipient: m for m in session.scalars(select(OutboxMessage))}


ADDRESSES = ("a@example.se", "b@example.se", "c@example.se")


def test_a_server_that_is_down_loses_nothing_and_sends_nothing_twice(engine, clock, smtp, mail_settings):
    reminders(engine, *ADDRESSES)
    mailer = Mailer(engine, mail_settings, SmtpTransport(mail_settings, timeout=5))
    assert mailer.deliver() == 1  # nobody listens on the port: the pass stops at the first refused connection
    waiting = outbox(engine)
    assert {m.state for m in waiting.values()} == {"pending"}
    assert sorted(m.attempts for m in waiting.values()) == [0, 0, 1]
    [tried] = [m for m in waiting.values() if m.attempts]
    assert "ConnectionRefusedError" in tried.last_error
    smtp.start()
    assert mailer.deliver() == 2  # the two not yet tried go at once
    clock.advance(seconds=59)
    assert mailer.deliver() == 0  # backing off: the first retry waits mail_retry_seconds
    clock.advance(seconds=2)
    assert mailer.deliver() == 1
    sent = outbox(engine)
    assert {m.state for m in sent.values()} == {"sent"}
    assert sent[tried.recipient].attempts == 2
    assert sorted(smtp.inbox.message_ids()) == sorted(m.message_id for m in sent.values())
    assert sorted(to for to, _ in smtp.inbox.received) == [[a] for a in ADDRESSES]
    clock.advance(days=1)
    assert mailer.deliver() == 0
    assert len(smtp.inbox.received) == 3


def test_the_server_going_away_again_between_retries(engine, clock, smtp, mail_settings):
    reminders(engine, *ADDRESSES)
    mailer = Mailer(engine, mail_settings, SmtpTransport(mail_settings, timeout=5))
    smtp.start()
    assert mailer.deliver(limit=1) == 1
    smtp.stop()
    assert mailer.deliver() == 1
    assert mailer.deliver() == 1  # each pass tries one and stops
    clock.advance(seconds=61)
    assert mailer.deliver() == 1  # still down: the second attempt fails too, retried after 120 s
    assert mailer.deliver() == 1
    smtp.start()
    clock.advance(seconds=119)
    assert mailer.deliver() == 0
    clock.advance(seconds=2)
    assert mailer.deliver() == 2
    assert sorted(smtp.inbox.message_ids()) == sorted(m.message_id for m in outbox(engine).values())
    assert {m.state for m in outbox(engine).values()} == {"sent"}


def test_out_of_attempts_the_message_is_failed_not_lost(engine, clock, smtp, mail_settings):
    reminders(engine, ADDRESSES[0])
    mailer = Mailer(engine, mail_settings, SmtpTransport(mail_settings, timeout=5))
    for wait in (0, 60, 120):  # mail_attempts = 3
        clock.advance(seconds=wait + 1)
        assert mailer.deliver() == 1
    clock.advance(days=1)
    assert mailer.deliver() == 0
    message = outbox(engine)[ADDRESSES[0]]
    assert (message.state, message.attempts) == ("failed", 3)
    assert "ConnectionRefusedError" in message.last_error


def test_a_refused_recipient_fails_at_once_and_the_others_go(engine, smtp, mail_settings):
    reminders(engine, REFUSED, ADDRESSES[0])
    smtp.start()
    assert Mailer(engine, mail_settings, SmtpTransport(mail_settings, timeout=5)).deliver() == 2
    messages = outbox(engine)
    assert (messages[REFUSED].state, messages[REFUSED].attempts) == ("failed", 1)
    assert "550" in messages[REFUSED].last_error
    assert messages[ADDRESSES[0]].state == "sent"
    assert [to for to, _ in smtp.inbox.received] == [[ADDRESSES[0]]]


def test_a_sender_that_died_after_the_server_accepted_resends_with_the_same_message_id(
        engine, clock, smtp, mail_settings):
    """At least once: the documented duplicate, recognisable by its Message-ID."""
    reminders(engine, ADDRESSES[0])
    smtp.start()
    transport = SmtpTransport(mail_settings, timeout=5)
    with engine.db.unit_of_work(write=True) as uow:
        [letter] = notifications.claim_mail(uow.session, engine.now(), LEASE)
        uow.commit()
    transport.send(compose(letter, mail_settings.mail_from, engine.now()))  # ... and the sender dies here
    mailer = Mailer(engine, mail_settings, transport)
    assert mailer.deliver() == 0  # the dead sender's lease still holds it
    clock.advance(seconds=LEASE.total_seconds() + 1)
    assert mailer.deliver() == 1
    assert smtp.inbox.message_ids() == [letter.message_id, letter.message_id]
    with engine.db.unit_of_work(write=True) as uow:  # the dead sender's late report changes nothing
        assert notifications.mail_sent(uow.session, letter, engine.now()) is False
        uow.commit()
    assert outbox(engine)[ADDRESSES[0]].attempts == 2


def test_the_message_names_its_sender_page_and_settings(engine, smtp, mail_settings, api, clock, people):
    with engine.db.unit_of_work(write=True) as uow:
        notifications.save_preferences(uow.session, "ivar", "sv", {"task_available": "immediate"})
        uow.commit()
    flow = ApiInitiative(api, engine, clock)  # ada submits: the screening is ivar's new task
    smtp.start()
    mailer = Mailer(engine, mail_settings, SmtpTransport(mail_settings, timeout=5))
    assert mailer() >= 2  # scan, plan, then deliver ivar's "new task" at once
    [(to, message)] = smtp.inbox.received
    task = flow.task("ivar", "granska_initiativ")
    assert to == ["ivar@helsingborg.se"]
    assert message["From"] == "innovation@helsingborg.se"
    assert message["Subject"] == "Ny uppgift: Granska initiativ"
    assert message["Auto-Submitted"] == "auto-generated"
    body = message.get_content()
    assert f"Öppna: https://innovation.helsingborg.se/tasks/{task['id']}" in body
    assert "Inställningar: https://innovation.helsingborg.se/notifications/preferences" in body


@pytest.mark.parametrize("down_first", [False, True])
def test_the_background_loop_delivers(engine, smtp, mail_settings, down_first):
    """The service's embedded runner runs the mailer: a committed reminder arrives without help."""
    if not down_first:
        smtp.start()
    app = create_app(engine, background=True, settings=mail_settings)
    try:
        reminders(engine, ADDRESSES[0])
        if down_first:
            time.sleep(0.5)
            assert outbox(engine)[ADDRESSES[0]].state == "pending"
            smtp.start()
            engine.clock.advance(seconds=61)
        deadline = time.monotonic() + 10
        while not smtp.inbox.received and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        app.extensions["background"].stop()
    assert [to for to, _ in smtp.inbox.received] == [[ADDRESSES[0]]]
    assert outbox(engine)[ADDRESSES[0]].state == "sent"


def test_metrics_show_mail_waiting_and_failed(engine, clock, smtp, mail_settings):
    reminders(engine, REFUSED, ADDRESSES[0])
    mailer = Mailer(engine, mail_settings, SmtpTransport(mail_settings, timeout=5))
    clock.advance(seconds=30)
    assert mailer.deliver() == 1  # down: the first is tried, then the pass stops
    found = monitoring.metrics_text(engine)
    assert 'innovation_mail_outbox{state="pending"} 2' in found
    assert "innovation_mail_wait_seconds 30.0" in found  # the untried one is due and waiting
    smtp.start()
    clock.advance(seconds=61)
    assert mailer.deliver() == 2
    found = monitoring.metrics_text(engine)
    assert 'innovation_mail_outbox{state="failed"} 1' in found and 'innovation_mail_outbox{state="sent"} 1' in found
    assert "innovation_mail_wait_seconds 0" in found
