"""How fast each kind of web page answers with 10,000 instances in the database.

1. A database: a temporary SQLite file, or DATABASE_URL=postgresql+psycopg://... (dropped and
   created afresh); processes/innovation.bpmn deployed; users for every role.
2. Templates: one real initiative per place an initiative can be (just submitted, at each
   gate, in the pilot waiting for its evaluation timer, on hold, realised, aborted, and one
   whose scoring call became an incident), each driven through the engine by
   innovation.driver on a simulated clock.
3. Ballast, bulk-inserted: the templates' rows (process_instances, human_tasks, timers, jobs,
   audit_log, initiatives, ledger_entries) copied with new ids, round-robin over the
   templates and the nine administrations, until INSTANCES instances exist, then ANALYZE.
   Copies share their template's workflow state and are only read, never advanced.
4. Every page type fetched REPEATS times (after two warm-up requests) through Flask's test
   client: the whole app in-process (API hook, UI session, templates), no network. Median
   and p99 per page; downloads (CSV/JSON export, diagram XML) are listed apart.

Last line: ``page_p99_ms: X``, the slowest page's p99. Goal: under 300 ms.

    .venv/bin/python bench/pages.py
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/innovation_bench .venv/bin/python bench/pages.py
"""
from __future__ import annotations

import itertools
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from application import accounts as users  # noqa: E402
from application import publication  # noqa: E402
from application.accounts import Principal  # noqa: E402
from application.assembly import build_engine  # noqa: E402
from bench._support import scratch  # noqa: E402
from engine.clock import ManualClock  # noqa: E402
from engine.operations import RetryPolicy  # noqa: E402
from engine.tables import AuditEntry, HumanTask, Job, ProcessInstance, Timer  # noqa: E402
from innovation.adapters.tables import Initiative, LedgerEntry  # noqa: E402
from innovation.domain.administrations import ADMINISTRATIONS  # noqa: E402
from innovation.driver import Driver, start_data  # noqa: E402
from innovation.model import Role  # noqa: E402
from server import create_app  # noqa: E402

INSTANCES = int(os.environ.get("PAGES_INSTANCES", "10000"))
REPEATS = int(os.environ.get("PAGES_REPEATS", "40"))
BATCH = 2000
INCIDENT = "incident"
PEOPLE = {"admin": [("admin", None)], "owner": [("process_owner", None)], "idea-owner": [("idea_owner", None)],
          "coordinator": [("coordinator", a.code) for a in ADMINISTRATIONS],
          "decision-maker": [("decision_maker", a.code) for a in ADMINISTRATIONS]}


def templates(engine, clock) -> dict[str, str]:
    """One instance in each place; returns their ids by name."""
    made = {}

    def submit(name: str, key: str | None = None) -> Driver:
        driver = Driver(engine, clock, engine.start("innovation", start_data(f"Mall: {name}"), actor="idea-owner",
                                                    business_key=key or name)["id"])
        driver.settle()
        made[name] = driver.instance_id
        return driver

    def to_pilot(driver: Driver) -> Driver:
        driver.screen()
        driver.gate_time("go")
        driver.explore_idea(3)
        driver.plan([("SOF", 100_000)])
        driver.gate_money("grant", [("SOF", 100_000)])
        return driver

    submit("submitted")
    submit("time gate").screen()
    money = submit("money gate")
    money.screen()
    money.gate_time("go")
    money.explore_idea(3)
    money.plan([("SOF", 100_000)])
    to_pilot(submit("pilot")).evaluate("continue", [("SOF", 20_000)])
    hold = submit("on hold")
    hold.screen()
    hold.gate_time("hold", hold_until="2031-01-01")
    done = to_pilot(submit("realised"))
    done.evaluate("scale", [("SOF", 50_000)])
    done.prepare_scaling()
    done.gate_scale("scale")
    stopped = submit("aborted")
    stopped.screen()
    stopped.abort("Ingen effekt.")
    stopped.lessons()
    incident = submit("incident", key=INCIDENT)
    incident.screen()
    incident.gate_time("go")
    incident.explore_idea(3)
    return made


def failing_score(score):
    """Scoring that never answers for the incident template (one attempt: an incident at once)."""
    def operation(params, context):
        if context.business_key == INCIDENT:
            raise ConnectionError("the scoring service did not answer")
        return score(params, context)
    return operation


def _rows(conn, table, column, ids) -> list[dict]:
    return [dict(row._mapping) for row in conn.execute(select(table).where(column.in_(ids)))]


def ballast(engine, template_ids: list[str], total: int) -> None:
    """Copies of the templates' rows with new ids until ``total`` instances exist."""
    tables = {"instances": (ProcessInstance.__table__, ProcessInstance.id),
              "tasks": (HumanTask.__table__, HumanTask.instance_id), "timers": (Timer.__table__, Timer.instance_id),
              "jobs": (Job.__table__, Job.instance_id), "audit": (AuditEntry.__table__, AuditEntry.instance_id),
              "initiatives": (Initiative.__table__, Initiative.instance_id),
              "ledger": (LedgerEntry.__table__, LedgerEntry.initiative_id)}
    with engine.db.engine.begin() as conn:
        rows = {name: _rows(conn, table, column, template_ids) for name, (table, column) in tables.items()}
    plan = zip(range(total - len(template_ids)), itertools.cycle(template_ids), itertools.cycle(ADMINISTRATIONS))
    pending = {name: [] for name in tables}
    for number, template, administration in plan:
        new = str(uuid.uuid4())
        pending["instances"] += [{**r, "id": new, "business_key": f"copy-{number}"}
                                 for r in rows["instances"] if r["id"] == template]
        for name in ("tasks", "timers", "jobs"):
            pending[name] += [{**r, "id": str(uuid.uuid4()), "instance_id": new,
                               **({"task_id": str(uuid.uuid4())} if name == "jobs" else {})}
                              for r in rows[name] if r["instance_id"] == template]
        pending["audit"] += [{**{k: v for k, v in r.items() if k != "id"}, "instance_id": new}
                             for r in rows["audit"] if r["instance_id"] == template]
        pending["initiatives"] += [{**r, "instance_id": new, "administration": administration.code,
                                    "title": f"Initiativ {number}",
                                    "record": {**r["record"], "title": f"Initiativ {number}",
                                               "administration": administration.code}}
                                   for r in rows["initiatives"] if r["instance_id"] == template]
        pending["ledger"] += [{**{k: v for k, v in r.items() if k != "id"}, "initiative_id": new,
                               "key": f"{r['key']}:{number}", "administration": administration.code}
                              for r in rows["ledger"] if r["initiative_id"] == template]
        if number % BATCH == BATCH - 1:
            _flush(engine, tables, pending)
    _flush(engine, tables, pending)
    with engine.db.engine.begin() as conn:  # planner statistics, as autovacuum would keep them
        conn.exec_driver_sql("ANALYZE")


def _flush(engine, tables, pending) -> None:
    with engine.db.engine.begin() as conn:
        for name, (table, _) in tables.items():
            if pending[name]:
                conn.execute(table.insert(), pending[name])
            pending[name].clear()


class Visitor:
    """One browser session on the UI (logged in with a password, or anonymous)."""

    def __init__(self, app, username: str | None = None, password: str | None = None):
        self.client = app.test_client()
        with self.client.session_transaction() as session:
            session["csrf"] = "bench"
        if username:
            assert self.client.post("/login", data={"username": username, "password": password,
                                                    "csrf": "bench"}).status_code == 302

    def time(self, path: str) -> list[float]:
        for _ in range(2):
            assert self.client.get(path).status_code == 200, path
        samples = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            response = self.client.get(path)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, path
        return samples


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def main() -> None:
    url = scratch("pages")
    clock = ManualClock()
    engine = build_engine(url, clock=clock)
    engine.operations.register("innovation.score", failing_score(engine.operations.get("innovation.score")),
                               RetryPolicy(attempts=1, backoff_seconds=0))
    engine.deploy_file(ROOT / "processes" / "innovation.bpmn", deployed_by="owner")
    passwords = {}
    with engine.db.unit_of_work(write=True) as uow:
        for username, grants in PEOPLE.items():
            users.add_user(uow.session, username)
            for role, administration in grants:
                users.grant(uow.session, username, role, administration)
            passwords[username] = f"{username}-bench-password"
            users.set_password(uow.session, username, passwords[username])
        uow.commit()
    started = time.perf_counter()
    made = templates(engine, clock)
    ballast(engine, list(made.values()), INSTANCES)
    # Only published records are public: the realised template is published (the copies are
    # not; bench/public_pages.py measures the public pages with 10,000 published records).
    editor = Principal("bench", "Bench", frozenset({Role.ADMIN}), frozenset())
    draft = publication.review(engine, editor, made["realised"])["draft"]
    publication.save_review(engine, editor, made["realised"], draft, publish=True)
    with engine.db.unit_of_work() as uow:
        count = len(uow.session.scalars(select(ProcessInstance.id)).all())
        money_task = uow.session.scalar(select(HumanTask.id).where(
            HumanTask.instance_id == made["money gate"], HumanTask.state == "open"))
    print(f"database: {engine.db.dialect}, {count} instances ({len(made)} driven through the engine, "
          f"the rest bulk-inserted copies), seeded in {time.perf_counter() - started:.1f} s")
    app = create_app(engine)
    visitors = {name: Visitor(app, name, passwords.get(name)) for name in (None, *PEOPLE)}
    definition = engine.definitions("innovation")[0]["id"]
    pages = [
        ("public list", None, "/public/initiatives"),
        ("public list, filtered", None, "/public/initiatives?administration=SOF&phase=utveckla_pilot"),
        ("public list, page 300", None, "/public/initiatives?page=300"),
        ("public initiative", None, f"/public/initiatives/{made['realised']}"),
        ("login", None, "/login"),
        ("inbox, idea owner", "idea-owner", "/inbox"),
        ("inbox, coordinator", "coordinator", "/inbox"),
        ("inbox, decision maker", "decision-maker", "/inbox"),
        ("task form", "decision-maker", f"/tasks/{money_task}"),
        ("new initiative", "idea-owner", "/initiatives/new"),
        ("instances", "admin", "/monitor/instances"),
        ("instances, filtered", "admin", "/monitor/instances?status=running&administration=SOF&phase=utveckla_pilot"),
        ("instances, page 350", "admin", "/monitor/instances?page=350"),
        ("instance", "admin", f"/monitor/instances/{made['pilot']}"),
        ("activity heatmap", "owner", "/monitor/activity"),
        ("portfolio dashboard", "admin", "/monitor/dashboard"),
        ("modeler", "owner", "/modeler"),
    ]
    downloads = [
        ("export CSV (all)", None, "/public/initiatives.csv"),
        ("export JSON (all)", None, "/public/initiatives.json"),
        ("diagram XML", "owner", f"/modeler/definitions/{definition}.xml"),
    ]
    print(f"{'page':<28} {'median ms':>10} {'p99 ms':>10}   ({REPEATS} requests each)")
    worst = max(report(visitors, pages))
    print("downloads (not pages):")
    report(visitors, downloads)
    print(f"page_p99_ms: {worst:.1f}")


def report(visitors, pages) -> list[float]:
    """Time each page, print its median and p99, return the p99s."""
    worst = []
    for title, who, path in pages:
        samples = visitors[who].time(path)
        worst.append(p99(samples))
        print(f"{title:<28} {statistics.median(samples):>10.1f} {worst[-1]:>10.1f}")
    return worst


if __name__ == "__main__":
    main()
