"""Worker fixtures: real Redis (a database of the test process's own, flushed around each
test) and real processes.

Under CI=true an unreachable Redis fails the run; elsewhere its tests are skipped. Each
behaviour test runs in both modes: ``embedded`` (a BackgroundRunner thread, no Redis) and
``rq`` (a dispatcher, a scheduler loop that sweeps into Redis, and rq workers).
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import pytest
from redis import Redis
from redis.exceptions import RedisError
from rq import SimpleWorker
from rq.timeouts import TimerDeathPenalty
from sqlalchemy import select

from engine import Engine, ManualClock
from engine.tables import AuditEntry, Job
from tests.conftest import FIXTURES, ROOT
from tests.workers.app import build_engine
from workers import tasks
from workers.embedded import BackgroundRunner
from workers.queue import Dispatcher, connect

INTERVAL = 0.05


def redis_test_url(environ=os.environ) -> str:
    """REDIS_TEST_URL (default database 15) for this test process.

    Under pytest-xdist every worker flushes a database of its own: worker gwN takes the N-th
    database counting up from REDIS_TEST_URL's (wrapping at 16), skipping REDIS_URL's, which
    the app in the API tests reads (health and metrics).
    """
    url = urlsplit(environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15"))
    first = int(url.path.strip("/") or 0)
    worker = int(environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    service = urlsplit(environ.get("REDIS_URL", ""))
    taken = int(service.path.strip("/") or 0) if service.scheme.startswith("redis") else None
    free = [db for db in ((first + n) % 16 for n in range(16)) if db != taken or db == first]
    if worker >= len(free):
        raise pytest.UsageError(f"{worker + 1} test workers, but Redis has {len(free)} databases for them")
    return urlunsplit(url._replace(path=f"/{free[worker]}"))


REDIS_TEST_URL = redis_test_url()


@pytest.fixture
def redis_url():
    client = Redis.from_url(REDIS_TEST_URL)
    try:
        client.ping()
    except RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required under CI=true and is unreachable: {exc}")
        pytest.skip(f"Redis unreachable at {REDIS_TEST_URL}: {exc}")
    client.flushdb()
    yield REDIS_TEST_URL
    client.flushdb()
    client.close()


@pytest.fixture
def engine(database_url):
    eng = build_engine(database_url)
    yield eng
    eng.db.dispose()


@pytest.fixture(params=["embedded", "rq"])
def mode(request) -> str:
    return request.param


@pytest.fixture
def background(request, mode, engine):
    """Start background work for the test's engine: ``background(workers=1)``."""
    started = []
    redis_url = request.getfixturevalue("redis_url") if mode == "rq" else None  # flushed after we stop

    def _start(workers: int = 1) -> Harness:
        harness = Harness(engine, redis_url, workers)
        started.append(harness)
        return harness
    yield _start
    for harness in started:
        harness.stop()


class ThreadWorker(SimpleWorker):
    """rq's SimpleWorker in a test thread, polled in bursts: timeouts by timer, signals
    left to pytest, no command channel (whose teardown waits a second per burst)."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self):
        pass

    def subscribe(self):
        pass


class Harness:
    """Background work as the service runs it; ``workers`` competing for the same jobs."""

    def __init__(self, engine, redis_url: str | None, workers: int):
        self.engines = [engine] + [build_engine(engine.db.url) for _ in range(workers - 1)]
        self._stop = threading.Event()
        self._threads, self._stoppable = [], []
        if redis_url is None:
            self._stoppable = [BackgroundRunner(e, INTERVAL, name=f"embedded-{n}").start()
                               for n, e in enumerate(self.engines)]
            return
        redis = connect(redis_url)
        dispatcher = Dispatcher(engine, redis).start()
        self._stoppable = [dispatcher, BackgroundRunner(engine, INTERVAL, name="scheduler",
                                                        dispatcher=dispatcher).start()]
        tasks.bind(engine)
        for n in range(workers):
            worker = ThreadWorker(["innovation-jobs"], connection=redis, name=f"rq-{n}-{uuid.uuid4().hex[:8]}")
            thread = threading.Thread(target=self._work, args=(worker,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _work(self, worker) -> None:
        while not self._stop.is_set():
            worker.work(burst=True, logging_level="WARNING")
            self._stop.wait(0.01)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(10)
        for item in self._stoppable:
            item.stop()
        for extra in self.engines[1:]:
            extra.db.dispose()
        tasks.bind(None)


def wait_for(predicate, timeout: float = 15.0, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def deploy(engine, operation: str) -> str:
    xml = (FIXTURES / "workers" / "deadline.bpmn").read_bytes().replace(b"OPERATION", operation.encode())
    engine.deploy(xml, deployed_by="owner")
    return f"deadline_{operation}"


def start(engine, operation: str, number=1, deadline: str = "PT1H") -> str:
    return engine.start(deploy(engine, operation), {"number": number, "deadline": deadline}, actor="t")["id"]


def start_waking(engine, count: int, seconds: float) -> list[str]:
    """``count`` instances of wake.bpmn, each waiting for a timer due ``seconds`` from now.

    They are started on an engine whose clock stands at that now, so however long starting
    them takes on a busy machine, no timer comes due inside its own start: every one is
    left to the schedulers under test.
    """
    engine.deploy_file(FIXTURES / "workers" / "wake.bpmn", deployed_by="owner")
    now = datetime.now(UTC)
    starter = Engine(engine.db.url, operations=engine.operations, clock=ManualClock(now))
    try:
        wake_at = (now + timedelta(seconds=seconds)).isoformat()
        return [starter.start("wake", {"wake_at": wake_at}, actor="t")["id"] for _ in range(count)]
    finally:
        starter.db.dispose()


def job_of(engine, instance_id: str) -> Job:
    with engine.db.unit_of_work() as uow:
        return uow.session.scalars(select(Job).where(Job.instance_id == instance_id)).one()


def results(engine, instance_id: str) -> dict[str, list[dict]]:
    """The instance's job outcomes from the audit log: applied and ignored."""
    with engine.db.unit_of_work() as uow:
        entries = uow.session.scalars(select(AuditEntry).where(
            AuditEntry.instance_id == instance_id, AuditEntry.action.like("job_%")).order_by(AuditEntry.id)).all()
    return {"applied": [{"action": e.action, **e.details} for e in entries if not e.details.get("ignored")],
            "ignored": [{"action": e.action, **e.details} for e in entries if e.details.get("ignored")]}


@pytest.fixture
def spawn(tmp_path):
    """Start `innovation <command>` processes on the test engine; all are killed at the end."""
    started = []

    def _spawn(*command, database_url: str, redis_url: str | None = None, **env) -> subprocess.Popen:
        environment = {**os.environ, "DATABASE_URL": database_url, "JOB_LEASE_SECONDS": "2", **env}
        environment.pop("REDIS_URL", None)
        if redis_url:
            environment["REDIS_URL"] = redis_url
        log = open(tmp_path / f"{command[0]}-{len(started)}.log", "w")
        process = subprocess.Popen([sys.executable, "-m", "cli.main", *command, "--engine",
                                    "tests.workers.app:build_engine"], cwd=ROOT, env=environment,
                                   stdout=log, stderr=subprocess.STDOUT)
        started.append((process, log))
        return process
    yield _spawn
    for process, log in started:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        log.close()
