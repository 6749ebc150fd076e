"""Notifications: what they cost an instance change, and how fast the outbox drains over SMTP.

(a) 300 task completions (ApiInitiative-like steps through the engine) with and without the
    notification listener: mean milliseconds per change;
(b) 500 messages through ``Mailer.deliver`` to an aiosmtpd server on loopback (one SMTP
    connection per message, as in production): messages per second.

SQLite in a temporary folder, or PostgreSQL if DATABASE_URL names it (recreated). The
last line is `outbox_messages_per_s: X`.

    python bench/notifications.py
"""
from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.handlers import Sink  # noqa: E402

from application import notifications  # noqa: E402
from application.assembly import build_engine  # noqa: E402
from application.settings import Settings  # noqa: E402
from bench._support import scratch  # noqa: E402
from engine import ManualClock  # noqa: E402
from innovation.driver import Driver, start_data  # noqa: E402
from workers.mail import Mailer, SmtpTransport  # noqa: E402

ROUNDS = 50  # each: submit, screening, time gate, explore (2 tasks) -> 4 completions and a start
MESSAGES = 500


def changes_ms(engine, clock) -> float:
    started, steps = time.perf_counter(), 0
    for n in range(ROUNDS):
        d = Driver.submit(engine, clock, start_data(f"Initiativ {n}"))
        d.screen()
        d.gate_time("go")
        d.explore_idea(3)
        steps += 5
    return (time.perf_counter() - started) * 1000 / steps


def main() -> None:
    url = scratch("notifications")
    clock = ManualClock()
    engine = build_engine(url, clock=clock)
    engine.deploy_file(ROOT / "processes" / "innovation.bpmn", deployed_by="bench")
    changes_ms(engine, clock)  # warm up
    with_listener = changes_ms(engine, clock)
    engine.listeners.remove(notifications.record_changes)
    without = changes_ms(engine, clock)
    engine.listeners.append(notifications.record_changes)
    with_listener = (with_listener + changes_ms(engine, clock)) / 2  # before and after, against drift
    print(f"{engine.db.dialect}: {with_listener:.1f} ms per change with notifications, {without:.1f} ms without")

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = Controller(Sink(), hostname="127.0.0.1", port=port)
    server.start()
    settings = Settings(database_url=url, smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none")
    with engine.db.unit_of_work(write=True) as uow:
        for n in range(MESSAGES):
            notifications.remind(uow.session, key=f"bench-{n}", recipient=f"person{n}@example.se",
                                 task="utvardera_pilot", instance_id="bench", at=engine.now())
        uow.commit()
    mailer = Mailer(engine, settings, SmtpTransport(settings))
    started, sent = time.perf_counter(), 0
    while sent < MESSAGES:
        sent += mailer.deliver(limit=100)
    rate = MESSAGES / (time.perf_counter() - started)
    server.stop()
    engine.db.dispose()
    print(f"outbox_messages_per_s: {rate:.0f}")


if __name__ == "__main__":
    main()
