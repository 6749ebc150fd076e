"""Throughput and latency of the HTTP API under many concurrent caseworkers, on PostgreSQL.

What it does, in one run on this machine (everything on 127.0.0.1):

1. Bare engine: tests/fixtures/loop.bpmn parsed and validated in memory, then the same
   steps the service takes per completion (run the ready user task, ``do_engine_steps``,
   ``compact``) for BARE_ITERATIONS iterations in this one process -> completions/s.
   No database, no HTTP, no JSON (de)serialisation: the ceiling the service is held to.
2. Database ``innovation_bench`` (BENCH_DATABASE_URL) created if missing, migrated,
   truncated. loop.bpmn deployed; WORKERS coordinators with API tokens (the loop's user
   task has no lane, so only coordinators/admins may act on it). REAL_INSTANCES real
   instances started through ``engine.start``; then ballast is bulk-inserted (COPY) up
   to OPEN_INSTANCES open instances: copies of a real instance's state row with new ids,
   one open ``human_tasks`` row each (random due dates, some without; lane None or one of
   the innovation lanes; 1% claimed by a coordinator) and an ``initiatives`` row each,
   followed by ANALYZE. Ballast is only read (inbox), never completed.
3. gunicorn (``-w 2 -k gthread --threads 4 'server:create_app()'``, no background runner).
4. Load, in a separate process so the client does not share the measuring process's GIL
   (it still shares the 2 cores with gunicorn and PostgreSQL): CLIENTS threads, each with
   its own keep-alive connection, its own coordinator token and a disjoint set of real
   instances, complete the open task (POST /api/tasks/<id>/complete), take the next task id
   from the reply and move round-robin to their next instance, for WARMUP + DURATION s.
   Only requests started after the warm-up count. Latency is wall time at the client,
   so it includes queueing when 16 clients meet 8 server threads. Any non-2xx is an error.
5. Inbox: INBOX_QUERIES sequential GET /api/tasks?limit=50 as one coordinator, with
   OPEN_INSTANCES open instances present, plus a few filtered variants.

Last line: ``api_throughput_ratio`` = API completions/s over bare-engine completions/s.
Goals: ratio >= 0.5, completion p99 < 50 ms, inbox p99 < 20 ms at 100,000 instances.

    .venv/bin/python bench/api.py
"""
from __future__ import annotations

import concurrent.futures
import http.client
import json
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/innovation_bench")
OPEN_INSTANCES = int(os.environ.get("BENCH_OPEN_INSTANCES", "100000"))
REAL_INSTANCES = int(os.environ.get("BENCH_REAL_INSTANCES", "200"))
WORKERS = 8  # coordinators
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
WARMUP, DURATION = 3.0, float(os.environ.get("BENCH_DURATION", "30"))
BARE_ITERATIONS = int(os.environ.get("BENCH_BARE_ITERATIONS", "20000"))
INBOX_QUERIES = 300
LANES = [None, "Idébärare", "Innovationsledare", "Förvaltningsledning"]
ADMINISTRATIONS = ["SOF", "MF", "KF", "SBF", "VOF"]
FIXTURE = ROOT / "tests" / "fixtures" / "loop.bpmn"


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) in ms of values in seconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))] * 1000


# -- 1. the bare engine --------------------------------------------------------------
def bare_engine() -> float:
    from engine.compaction import compact
    from engine.operations import OperationRegistry
    from engine.validation import FormSource, validate
    from engine.workflow import new_workflow, next_user_task

    validated = validate(FIXTURE.read_bytes(), FormSource(), OperationRegistry())
    workflow = new_workflow(validated.processes[0].spec_json)
    workflow.task_tree.data.update({"limit": 10**9})
    workflow.do_engine_steps()
    started = time.perf_counter()
    for _ in range(BARE_ITERATIONS):
        next_user_task(workflow).run()
        workflow.do_engine_steps()
        compact(workflow)
    elapsed = time.perf_counter() - started
    assert next_user_task(workflow).data["count"] == BARE_ITERATIONS
    return BARE_ITERATIONS / elapsed


# -- 2. the database -----------------------------------------------------------------
def setup() -> tuple[dict[str, str], dict[str, str]]:
    """Returns ({coordinator: token}, {real instance id: open task id})."""
    from sqlalchemy import select

    from application import accounts as users
    from application.assembly import build_engine
    from engine.tables import HumanTask
    from tests.databases import recreate

    recreate(URL)
    engine = build_engine(URL)
    try:
        engine.deploy_file(FIXTURE, deployed_by="bench")
        tokens = {}
        with engine.db.unit_of_work(write=True) as uow:
            for n in range(WORKERS):
                name = f"coordinator{n}"
                users.add_user(uow.session, name)
                users.grant(uow.session, name, "admin")
                tokens[name] = users.issue_token(uow.session, name)
            uow.commit()
        for n in range(REAL_INSTANCES):
            engine.start("loop", {"limit": 10**9}, actor=f"coordinator{n % WORKERS}")
        with engine.db.unit_of_work() as uow:
            open_tasks = dict(uow.session.execute(select(HumanTask.instance_id, HumanTask.id)
                                                  .where(HumanTask.state == "open")).all())
        assert len(open_tasks) == REAL_INSTANCES
        insert_ballast(engine, OPEN_INSTANCES - REAL_INSTANCES)
        return tokens, open_tasks
    finally:
        engine.db.dispose()


def insert_ballast(engine, count: int) -> None:
    """COPY ``count`` open instances: a real instance's state row, one open task, one initiative."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    raw = engine.db.engine.raw_connection()
    try:
        conn = raw.driver_connection
        with conn.cursor() as cur:
            cur.execute("SELECT definition_id, state_json FROM process_instances LIMIT 1")
            definition_id, state_json = cur.fetchone()
            instances, tasks, initiatives = [], [], []
            for n in range(count):
                iid, started = str(uuid.uuid4()), now - timedelta(days=rng.uniform(0, 365))
                instances.append((iid, definition_id, "running", state_json, 1, "ballast", started, started))
                due = None if rng.random() < 0.2 else now + timedelta(days=rng.uniform(-30, 60))
                assignee = f"coordinator{rng.randrange(WORKERS)}" if rng.random() < 0.01 else None
                tasks.append((str(uuid.uuid4()), iid, "step", "Take a step", rng.choice(LANES), assignee,
                              "open", started, due))
                initiatives.append((iid, f"Ballast initiative {n}", "idedriven", rng.choice(ADMINISTRATIONS),
                                    "utforska_ide", "active", "{}", started, started))
            copies = [
                ("process_instances (id, definition_id, status, state_json, version, started_by, started_at,"
                 " updated_at)", instances),
                ("human_tasks (id, instance_id, element_id, name, lane, assignee, state, created_at, due_at)",
                 tasks),
                ("initiatives (instance_id, title, kind, administration, phase, status, record, started_at,"
                 " updated_at)", initiatives),
            ]
            for target, rows in copies:
                with cur.copy(f"COPY {target} FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        conn.commit()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("ANALYZE")  # what autovacuum would do shortly after such a load
        conn.autocommit = False
    finally:
        raw.close()


# -- 3. gunicorn ---------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, log) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": URL}
    env.pop("REDIS_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "4",
         "-b", f"127.0.0.1:{port}", "server:create_app()"], cwd=ROOT, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/openapi.json")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 60 s")


# -- 4. the caseworkers (runs in a child process) ------------------------------------
def caseworkers(port: int, tokens: list[str], open_tasks: dict[str, str]) -> dict:
    instances = sorted(open_tasks)
    start = time.perf_counter()
    measure_from, stop = start + WARMUP, start + WARMUP + DURATION
    results = [None] * CLIENTS

    def worker(n: int) -> None:
        mine = {i: open_tasks[i] for i in instances[n::CLIENTS]}
        order = list(mine)
        headers = {"Authorization": f"Bearer {tokens[n % len(tokens)]}", "Content-Type": "application/json"}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies, errors, step = [], [], 0
        while (began := time.perf_counter()) < stop:
            instance = order[step % len(order)]
            step += 1
            try:
                conn.request("POST", f"/api/tasks/{mine[instance]}/complete", b'{"data": {}}', headers)
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as exc:
                errors.append(repr(exc))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            elapsed = time.perf_counter() - began
            if 200 <= response.status < 300:
                mine[instance] = json.loads(body)["tasks"][0]["id"]
                if began >= measure_from:
                    latencies.append(elapsed)
            else:
                errors.append(f"{response.status} {body[:200]!r}")
                conn.request("GET", f"/api/instances/{instance}", headers=headers)  # find the open task again
                mine[instance] = json.loads(conn.getresponse().read())["tasks"][0]["id"]
        results[n] = (latencies, errors)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"latencies": [x for lat, _ in results for x in lat], "errors": [e for _, err in results for e in err]}


# -- 5. the inbox --------------------------------------------------------------------
def inbox(port: int, token: str, path: str, times: int) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"}
    latencies = []
    for _ in range(times):
        began = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        latencies.append(time.perf_counter() - began)
        if response.status != 200 or not json.loads(body):
            raise RuntimeError(f"inbox {path}: {response.status} {body[:200]!r}")
    return latencies


def main() -> None:
    total = time.perf_counter()
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; database {URL.rsplit('/', 1)[-1]}")
    bare = bare_engine()
    print(f"bare engine (in memory, 1 process, run + do_engine_steps + compact): "
          f"{BARE_ITERATIONS} completions, {bare:.0f} completions/s")
    began = time.perf_counter()
    tokens, open_tasks = setup()
    print(f"setup: {REAL_INSTANCES} real instances via engine.start + {OPEN_INSTANCES - REAL_INSTANCES} "
          f"bulk-inserted copies (ballast: state row + open task + initiative) = {OPEN_INSTANCES} open instances "
          f"in {time.perf_counter() - began:.0f} s")
    port = free_port()
    with tempfile.TemporaryFile("w+") as log:
        server = None
        try:
            server = start_gunicorn(port, log)
            ctx = multiprocessing.get_context("spawn")
            with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as pool:
                load = pool.submit(caseworkers, port, list(tokens.values()), open_tasks).result()
            first = next(iter(tokens.values()))
            inbox_times = inbox(port, first, "/api/tasks?limit=50", INBOX_QUERIES)
            due = (datetime.now(UTC) + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
            filtered = {f: inbox(port, first, f"/api/tasks?limit=50&{f}", 50)
                        for f in ("lane=Innovationsledare", "scope=mine", f"due_before={due}")}
        finally:
            if server is not None:
                server.terminate()
                try:
                    server.wait(15)
                except subprocess.TimeoutExpired:
                    server.kill()
            log.seek(0)
            errors_logged = [line for line in log if "Traceback" in line or "ERROR" in line]
    latencies, errors = load["latencies"], load["errors"]
    rate = len(latencies) / DURATION
    print(f"load: gunicorn -w 2 -k gthread --threads 4; {CLIENTS} caseworker threads (1 client process, "
          f"keep-alive) on {REAL_INSTANCES} instances, {DURATION:.0f} s after {WARMUP:.0f} s warm-up")
    print(f"completions: {len(latencies)}  {rate:.1f} completions/s")
    print(f"completion latency: p50 {pct(latencies, 50):.1f} ms  p99 {pct(latencies, 99):.1f} ms  "
          f"max {max(latencies) * 1000:.1f} ms")
    print(f"errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else "")
          + (f"; server log lines with errors: {len(errors_logged)}" if errors_logged else ""))
    print(f"inbox GET /api/tasks?limit=50 as a coordinator, {OPEN_INSTANCES} open instances, "
          f"{INBOX_QUERIES} sequential: p50 {pct(inbox_times, 50):.1f} ms  p99 {pct(inbox_times, 99):.1f} ms")
    for name, times in filtered.items():
        print(f"  inbox with {name.split('=')[0]} (50): p50 {pct(times, 50):.1f} ms  p99 {pct(times, 99):.1f} ms")
    print(f"bare engine: {bare:.0f} completions/s; total run {time.perf_counter() - total:.0f} s")
    print(f"api_throughput_ratio: {rate / bare:.2f}")


if __name__ == "__main__":
    main()
