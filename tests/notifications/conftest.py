"""Notification fixtures: the API's people with e-mail addresses, and a real SMTP server on
loopback (aiosmtpd) that a test can stop and start again on the same port."""
from __future__ import annotations

import email
import email.policy
import socket
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import update

from application.accounts import User
from application.settings import Settings
from tests.api.conftest import api, app, tokens  # noqa: F401  (the app, API client, users and tokens, reused)

ADDRESSES = {"ada": "ada.lind@helsingborg.se", "ivar": "ivar@helsingborg.se", "frida": "frida@helsingborg.se",
             "mf_boss": "mf@helsingborg.se"}
REFUSED = "nobody@helsingborg.se"  # the server answers 550 for this one


@pytest.fixture
def people(engine, tokens):  # noqa: F811  (the imported fixture)
    """The API's users; those in ADDRESSES have an e-mail address."""
    with engine.db.unit_of_work(write=True) as uow:
        for username, address in ADDRESSES.items():
            uow.session.execute(update(User).where(User.username == username).values(email=address))
        uow.commit()
    return tokens


class Inbox:
    """What the SMTP server accepted: (envelope recipients, parsed message)."""

    def __init__(self):
        self.received: list[tuple[list[str], Message]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def message_ids(self) -> list[str]:
        return [message["Message-ID"] for _, message in self.received]


class SmtpServer:
    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():
    """A stopped SMTP server with a free port; ``smtp.start()`` / ``smtp.stop()``."""
    server = SmtpServer()
    yield server
    server.stop()


@pytest.fixture
def mail_settings(engine, smtp) -> Settings:
    return Settings(database_url=engine.db.url, smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_tls="none",
                    mail_from="innovation@helsingborg.se", base_url="https://innovation.helsingborg.se",
                    mail_retry_seconds=60, mail_attempts=3)
