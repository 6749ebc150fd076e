"""The real service for the browser tests: a migrated SQLite file, the system clock, the embedded
runner for jobs and timers, the API and the UI on a werkzeug server thread on 127.0.0.1.

Scoring fails on its first attempt for initiatives whose business key starts with
"incident", with one attempt allowed, so an admin has a real incident to retry.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date

from werkzeug.serving import make_server

from application import accounts as users
from application.assembly import build_engine
from application.settings import ROOT, Settings
from engine.operations import RetryPolicy
from innovation.driver import criteria, setup, start_data
from server import create_app
from tests.people import PEOPLE

SCORE = "innovation.score"


def _flaky(score):
    def operation(params, context):
        if (context.business_key or "").startswith("incident") and context.attempt == 1:
            raise ConnectionError("the scoring service did not answer")
        return score(params, context)
    return operation


@dataclass
class Live:
    url: str
    engine: object
    tokens: dict
    passwords: dict

    def until(self, check, what: str, timeout: float = 10.0):
        """``check()``'s first truthy answer while jobs and timers catch up (here and in the runner)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.engine.tick()
            found = check()
            if found:
                return found
            time.sleep(0.05)
        raise AssertionError(f"gave up waiting for {what}")

    def wait_for(self, instance_id: str, element_id: str, timeout: float = 10.0) -> dict:
        """The open task ``element_id`` once jobs and timers have caught up."""
        return self.until(lambda: next((t for t in self.engine.tasks(instance_id=instance_id)
                                        if t["element_id"] == element_id), None), element_id, timeout)

    def complete(self, instance_id: str, element_id: str, data: dict, actor: str) -> None:
        self.engine.complete_task(self.wait_for(instance_id, element_id)["id"], data, actor=actor)

    def start(self, title: str, owner: str = "ada", administration: str = "SOF", key: str | None = None) -> str:
        return self.engine.start("innovation", start_data(title, administration), actor=owner,
                                 business_key=key or title)["id"]

    def to_money_gate(self, title: str) -> str:
        """An initiative waiting for the money decision of SOF (frida)."""
        instance = self.start(title)
        self.explore(instance)
        self.complete(instance, "utforma_upplagg", setup([("SOF", 200_000)], date.today()), "ada")
        self.wait_for(instance, "beslut_pengar")
        return instance

    def to_exploration(self, instance: str) -> None:
        """Screened by ivar, working time from frida (SOF has no manager): ada's utforska_behov opens."""
        self.complete(instance, "granska_initiativ", {"screening_decision": "accept", "kind": "idedriven",
                                                      "administration": "SOF", "screening_rationale": "Ja."}, "ivar")
        self.complete(instance, "beslut_tid", {"time_decision": "go", "time_rationale": "Bra."}, "frida")

    def explore(self, instance: str) -> None:
        """To exploration, then explored by ada and assessed by ivar."""
        self.to_exploration(instance)
        self.complete(instance, "utforska_behov", {"need_analysis": "n", "hypothesis": "h", "estimated_value": 1,
                                                   "estimated_effects": "e"}, "ada")
        self.complete(instance, "bedom_kriterier", criteria(3), "ivar")


def start_live(database_url: str, **settings) -> tuple[Live, callable]:
    """The service on ``database_url`` (migrated) with the people of tests/api/conftest.py, each
    with a token and a password; ``settings`` go to its Settings (e.g. the OpenID Connect provider)."""
    engine = build_engine(database_url)
    engine.operations.register(SCORE, _flaky(engine.operations.get(SCORE)),
                               RetryPolicy(attempts=1, backoff_seconds=0.1))
    engine.deploy_file(ROOT / "processes" / "innovation.bpmn", deployed_by="owner")
    tokens, passwords = {}, {}
    with engine.db.unit_of_work(write=True) as uow:
        for username, grants in PEOPLE.items():
            users.add_user(uow.session, username, username.title())
            for role, administration in grants:
                users.grant(uow.session, username, role, administration)
            tokens[username] = users.issue_token(uow.session, username)
            passwords[username] = f"{username}-lösenord-i-webbläsaren"
            users.set_password(uow.session, username, passwords[username])
        uow.commit()
    # embedded, also where CI sets REDIS_URL
    app = create_app(engine, background=True, settings=Settings(database_url=database_url, **settings))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="ui test server", daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        app.extensions["background"].stop()
        engine.db.dispose()
    return Live(f"http://127.0.0.1:{server.server_port}", engine, tokens, passwords), stop
