"""Throughput and latency of the HTTP API against the floor of its own stack.

What it does, in one run on this machine (everything on 127.0.0.1):

1. Bare engine: tests/fixtures/loop.bpmn in memory, the steps the service takes per
   completion (run the ready user task, ``do_engine_steps``, ``compact``): the engine's
   own cost, no database, HTTP or JSON. Shown for reference.
2. The database: DATABASE_URL if it names PostgreSQL, else a SQLite file (bench/_support.py),
   recreated and migrated. loop.bpmn and processes/innovation.bpmn deployed; users with
   tokens: WORKERS admins (the loop's task has no lane: admins act on it), an idea owner, a
   coordinator. REAL_INSTANCES loop instances started through the engine, then ballast up to
   OPEN_INSTANCES open instances (copies of a real instance's state row, an open task and
   an initiative each; only read, by the inbox). One initiative is driven through the
   engine (on a manual clock) into its pilot and evaluated 40 times; its state size is
   noted after 0, 10, 20 and 40 evaluations, and after 20, with the next evaluation open,
   it is copied GATE_INSTANCES times (new ids throughout: instance, tasks, timers, record).
3. gunicorn (SERVER: the service's configuration) serving ``bench.floor:create_app()``:
   the service's app factory plus one route of the benchmark's own, ``POST /bench/floor``
   (bearer token authenticated by the product's hook, one audit row inserted, commit):
   the least a durable request of this stack does.
4. Load, from a separate process (sharing the 2 cores with gunicorn and the database):
   1 and CLIENTS threads, each with its own keep-alive connection, for WARMUP + DURATION s
   per phase; only requests started after the warm-up count; latency is wall time at the
   client (queueing included). Phases, floor and loop completion in turns so both see the
   same machine: floor, loop completion (POST /api/tasks/<id>/complete, the next task id
   from the reply, round-robin over the client's own instances), then the innovation
   diagram: completing the pilot evaluation (a gate task, decision "continue") of the
   copied initiatives, each once, and starting an initiative (POST /api/instances).
   Any non-2xx is an error.
5. Inbox: INBOX_QUERIES sequential GET /api/tasks?limit=50 as a coordinator, with
   OPEN_INSTANCES open instances present, plus a few filtered variants.

Last line: ``completion_floor_ratio`` = loop completions/s over floor requests/s, both at
CLIENTS clients. Goals: ratio >= 0.5, completion p99 < 50 ms at CLIENTS clients, inbox
p99 < 20 ms at 100,000 instances.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/innovation_bench .venv/bin/python bench/api.py
"""
from __future__ import annotations

import concurrent.futures
import http.client
import json
import multiprocessing
import os
import random
import re
import shlex
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

OPEN_INSTANCES = int(os.environ.get("BENCH_OPEN_INSTANCES", "100000"))
REAL_INSTANCES = int(os.environ.get("BENCH_REAL_INSTANCES", "200"))
GATE_INSTANCES = int(os.environ.get("BENCH_GATE_INSTANCES", "1500"))
WORKERS = 8  # admins completing loop tasks
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
WARMUP, DURATION = 2.0, float(os.environ.get("BENCH_DURATION", "10"))
BARE_ITERATIONS = int(os.environ.get("BENCH_BARE_ITERATIONS", "3000"))
SERVER = shlex.split(os.environ.get("BENCH_SERVER", "-w 2 -k gthread --threads 4"))  # the service's configuration
INBOX_QUERIES = 200
EVALUATIONS = (0, 10, 20, 40)  # state size noted after so many pilot evaluations; copies made at the third
LANES = [None, "Idébärare", "Innovationsledare", "Förvaltningsledning"]
ADMINISTRATIONS = ["SOF", "MF", "KF", "SBF", "VOF"]
FIXTURE = ROOT / "tests" / "fixtures" / "loop.bpmn"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


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
def setup(url: str) -> dict:
    """Users, loop instances, ballast and the copied initiatives; returns what the clients need."""
    from sqlalchemy import select

    from application import accounts as users
    from application.assembly import build_engine
    from engine.tables import HumanTask

    engine = build_engine(url)
    try:
        engine.deploy_file(FIXTURE, deployed_by="bench")
        engine.deploy_file(ROOT / "processes" / "innovation.bpmn", deployed_by="bench")
        tokens = {}
        with engine.db.unit_of_work(write=True) as uow:
            people = [(f"admin{n}", "admin", None) for n in range(WORKERS)]
            people += [("idea-owner", "idea_owner", None), ("coordinator", "coordinator", "SOF")]
            for name, role, administration in people:
                users.add_user(uow.session, name)
                users.grant(uow.session, name, role, administration)
                tokens[name] = users.issue_token(uow.session, name)
            uow.commit()
        for n in range(REAL_INSTANCES):
            engine.start("loop", {"limit": 10**9}, actor=f"admin{n % WORKERS}")
        with engine.db.unit_of_work() as uow:
            open_tasks = dict(uow.session.execute(select(HumanTask.instance_id, HumanTask.id)
                                                  .where(HumanTask.state == "open")).all())
        assert len(open_tasks) == REAL_INSTANCES
    finally:
        engine.db.dispose()
    sizes, template = pilot_history(url)
    gate_tasks = copy_instances(url, template, GATE_INSTANCES)
    insert_ballast(url, OPEN_INSTANCES - REAL_INSTANCES)
    return {"tokens": tokens, "open_tasks": open_tasks, "gate_tasks": gate_tasks, "sizes": sizes}


def pilot_history(url: str) -> tuple[dict[int, int], str]:
    """An initiative driven into its pilot and evaluated max(EVALUATIONS) times on a manual
    clock (the engine in this process: its jobs and timers run in it); returns its state
    size in bytes after each number of EVALUATIONS, and its id at EVALUATIONS[-2] rounds,
    copied then (with the next evaluation open)."""
    from application.assembly import build_engine
    from engine import ManualClock, ProcessInstance
    from innovation.driver import Driver, evaluation, start_data

    rounds, copy_at = EVALUATIONS[-1], EVALUATIONS[-2]
    clock = ManualClock(datetime.now(UTC) - timedelta(days=(copy_at + 1) * 31 + 200))
    engine = build_engine(url, clock=clock)
    try:
        d = Driver.submit(engine, clock, start_data("Laiban – AI-assistent i förskolan"))
        d.screen()
        d.gate_time("go")
        d.explore_idea(3)
        d.plan([("SOF", 300_000), ("SLF", 100_000)], weeks=rounds * 5 + 20, interval_days=30)
        d.gate_money("grant", [("SOF", 300_000), ("SLF", 100_000)])
        sizes, template = {}, None

        def size() -> int:
            with engine.db.unit_of_work() as uow:
                return len(uow.session.get(ProcessInstance, d.instance_id).state_json.encode())

        for n in range(rounds + 1):
            if n in EVALUATIONS:
                sizes[n] = size()
            if n == copy_at:
                d.wait(days=31)  # the next evaluation is open: copied as it stands
                template = copy_template(engine, d.instance_id)
                d.complete("utvardera_pilot", evaluation("continue"))
            elif n < rounds:
                d.evaluate("continue")
        return sizes, template
    finally:
        engine.db.dispose()


def instance_tables() -> dict:
    """What an open instance consists of: table -> (its instance column, which of its rows)."""
    from engine.tables import HumanTask, Job, ProcessInstance, Timer
    from innovation.adapters.tables import Initiative

    return {ProcessInstance.__table__: (ProcessInstance.id, None),
            HumanTask.__table__: (HumanTask.instance_id, HumanTask.state == "open"),
            Timer.__table__: (Timer.instance_id, None),
            Job.__table__: (Job.instance_id, Job.state.in_(("pending", "running", "incident"))),
            Initiative.__table__: (Initiative.instance_id, None)}


def copy_template(engine, instance_id: str) -> dict:
    """The rows of one instance, to be copied with new ids."""
    from sqlalchemy import select, true

    with engine.db.engine.connect() as conn:
        return {table: [dict(r._mapping) for r in conn.execute(
            select(table).where(column == instance_id, which if which is not None else true()))]
            for table, (column, which) in instance_tables().items()}


def copy_instances(url: str, template: dict, count: int) -> list[str]:
    """``count`` copies of the template's rows, every id in them (instance, tasks, timers,
    in the state and the record too) replaced by a new one; returns their open task ids."""
    from sqlalchemy import create_engine

    def renamed(value, ids: dict):
        if isinstance(value, str):
            return UUID.sub(lambda m: ids.setdefault(m.group(), str(uuid.uuid4())), value)
        if isinstance(value, (dict, list)):
            return json.loads(renamed(json.dumps(value), ids))
        return value

    rows: dict = {table: [] for table in template}
    task_ids = []
    for _ in range(count):
        ids: dict[str, str] = {}
        for table, originals in template.items():
            rows[table] += [{k: renamed(v, ids) for k, v in row.items()} for row in originals]
            if table.name == "human_tasks":
                task_ids += [row["id"] for row in rows[table][-len(originals):]]
    db = create_engine(url)
    try:
        with db.begin() as conn:
            for table, table_rows in rows.items():
                if table_rows:
                    conn.execute(table.insert(), table_rows)
    finally:
        db.dispose()
    return task_ids


def insert_ballast(url: str, count: int) -> None:
    """``count`` open instances: a real instance's state row, one open task, one initiative."""
    from sqlalchemy import create_engine, text

    from engine.tables import HumanTask, ProcessInstance
    from innovation.adapters.tables import Initiative

    rng = random.Random(7)
    now = datetime.now(UTC)
    db = create_engine(url)
    try:
        with db.connect() as conn:
            definition_id, state_json = conn.execute(text(
                "SELECT definition_id, state_json FROM process_instances WHERE started_by LIKE 'admin%' LIMIT 1")).one()
        instances, tasks, initiatives = [], [], []
        for n in range(count):
            iid, started = str(uuid.uuid4()), now - timedelta(days=rng.uniform(0, 365))
            instances.append(dict(id=iid, definition_id=definition_id, status="running", state_json=state_json,
                                  version=1, started_by="ballast", started_at=started, updated_at=started))
            due = None if rng.random() < 0.2 else now + timedelta(days=rng.uniform(-30, 60))
            assignee = "coordinator" if rng.random() < 0.01 else None  # the inbox's reader holds a few
            tasks.append(dict(id=str(uuid.uuid4()), instance_id=iid, element_id="step", name="Take a step",
                              lane=rng.choice(LANES), assignee=assignee, state="open", created_at=started, due_at=due))
            initiatives.append(dict(instance_id=iid, title=f"Ballast initiative {n}", kind="idedriven",
                                    administration=rng.choice(ADMINISTRATIONS), phase="utforska_ide",
                                    status="active", record={}, started_at=started, updated_at=started))
        tables = {ProcessInstance.__table__: instances, HumanTask.__table__: tasks, Initiative.__table__: initiatives}
        if count and db.dialect.name == "postgresql":  # COPY: a few seconds for 100,000
            raw = db.raw_connection()
            try:
                with raw.driver_connection.cursor() as cur:
                    for table, table_rows in tables.items():
                        with cur.copy(f"COPY {table.name} ({', '.join(table_rows[0])}) FROM STDIN") as copy:
                            for row in table_rows:
                                copy.write_row([json.dumps(v) if isinstance(v, dict) else v for v in row.values()])
                raw.driver_connection.commit()
            finally:
                raw.close()
        elif count:
            with db.begin() as conn:
                for table, table_rows in tables.items():
                    conn.execute(table.insert(), table_rows)
        with db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))  # what autovacuum would do shortly after such a load
    finally:
        db.dispose()


# -- 3. gunicorn ---------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, port: int, log, options=SERVER, env=None,
                   app: str = "bench.floor:create_app()") -> subprocess.Popen:
    env = {**{k: v for k, v in os.environ.items() if k != "REDIS_URL"}, "DATABASE_URL": url, **(env or {})}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", *options, "-b", f"127.0.0.1:{port}",
                               app], cwd=ROOT, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 180  # a loaded machine takes its time to import the service
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
    raise RuntimeError("gunicorn did not answer within 180 s")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(15)
    except subprocess.TimeoutExpired:
        server.kill()


# -- 4. the clients (run in a child process) -----------------------------------------
def load(ports: list[int], kind: str, clients: int, tokens: list[str], work, duration: float = DURATION) -> dict:
    """``clients`` threads sending ``kind`` requests for WARMUP + ``duration`` s, spread over
    ``ports`` (one service process each, or one server); returns latencies, errors, rate.

    ``work``: loop: {instance: open task id}, each client completing its own instances in
    turn; gate: open task ids, each completed once (a client stops when its share is done);
    start: the start data; floor: nothing.
    """
    start = time.perf_counter()
    measure_from, stop_at = start + WARMUP, start + WARMUP + duration
    results = [None] * clients

    def client(n: int) -> None:
        headers = {"Authorization": f"Bearer {tokens[n % len(tokens)]}", "Content-Type": "application/json"}
        port = ports[n % len(ports)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = {i: work[i] for i in sorted(work)[n::clients]} if kind == "loop" else None
        order, queue = list(mine or ()), list(work[n::clients]) if kind == "gate" else None
        latencies, errors, step, last = [], [], 0, measure_from
        while (began := time.perf_counter()) < stop_at:
            if kind == "loop":
                instance = order[step % len(order)]
                path, body = f"/api/tasks/{mine[instance]}/complete", b'{"data": {}}'
            elif kind == "gate":
                if not queue:
                    break
                path, body = f"/api/tasks/{queue.pop()}/complete", json.dumps({"data": work_data("gate")}).encode()
            elif kind == "start":
                path, body = "/api/instances", json.dumps({"process_key": "innovation", "data": work}).encode()
            else:
                path, body = "/bench/floor", b"{}"
            step += 1
            try:
                conn.request("POST", path, body, headers)
                response = conn.getresponse()
                answer = response.read()
            except (OSError, http.client.HTTPException) as exc:
                errors.append(repr(exc))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            last = time.perf_counter()
            if 200 <= response.status < 300:
                if kind == "loop":
                    mine[instance] = json.loads(answer)["tasks"][0]["id"]
                if began >= measure_from:
                    latencies.append(last - began)
            else:
                errors.append(f"{response.status} {answer[:300]!r}")
                if kind == "loop":  # find the open task again
                    conn.request("GET", f"/api/instances/{instance}", headers=headers)
                    mine[instance] = json.loads(conn.getresponse().read())["tasks"][0]["id"]
        results[n] = (latencies, errors, last)
        if kind == "loop":
            work.update(mine)  # where each instance now stands, for the next phase

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies = [x for lat, _, _ in results for x in lat]
    ended = min(stop_at, max(last for *_, last in results))
    return {"latencies": latencies, "errors": [e for _, err, _ in results for e in err],
            "rate": len(latencies) / max(ended - measure_from, 1e-9), "work": work}


def work_data(kind: str) -> dict:
    from innovation.driver import evaluation, start_data
    return evaluation("continue") if kind == "gate" else start_data("Cykelpool för hemtjänsten")


def report(name: str, clients: int, result: dict) -> str:
    lat = result["latencies"]
    errors = result["errors"]
    figures = (f"{result['rate']:.1f}/s  p50 {pct(lat, 50):.1f} ms  p99 {pct(lat, 99):.1f} ms"
               if lat else "no request completed")
    return (f"{name:<26} {clients:>2} client{'s' if clients > 1 else ' '}: {figures}  ({len(lat)} requests, "
            f"{len(errors)} errors{': ' + errors[0] if errors else ''})")


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
    from bench._support import scratch

    total = time.perf_counter()
    url = scratch("innovation_bench_api")
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; database "
          f"{url.split(':', 1)[0]} {url.rsplit('/', 1)[-1]}; server: gunicorn {' '.join(SERVER)}")
    bare = bare_engine()
    print(f"bare engine (in memory, 1 process, run + do_engine_steps + compact): {bare:.0f} completions/s")
    began = time.perf_counter()
    made = setup(url)
    tokens = made["tokens"]
    print(f"setup: {REAL_INSTANCES} loop instances via engine.start + {OPEN_INSTANCES - REAL_INSTANCES} ballast "
          f"= {OPEN_INSTANCES} open instances; 1 initiative evaluated {EVALUATIONS[-1]} times, copied "
          f"{GATE_INSTANCES} times after {EVALUATIONS[-2]}; in {time.perf_counter() - began:.0f} s")
    sizes = made["sizes"]
    print("innovation state per instance (bytes) after N pilot evaluations: "
          + ", ".join(f"{n}: {size}" for n, size in sizes.items())
          + f"; growth {(sizes[EVALUATIONS[-1]] - sizes[EVALUATIONS[1]]) / (EVALUATIONS[-1] - EVALUATIONS[1]):.0f}"
          f" bytes per evaluation after the {EVALUATIONS[1]}th")
    admins = [tokens[f"admin{n}"] for n in range(WORKERS)]
    results = {}
    port = free_port()
    with tempfile.TemporaryFile("w+") as log:
        server = None
        try:
            server = start_gunicorn(url, port, log)
            ctx = multiprocessing.get_context("spawn")
            with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as pool:
                def run(name, kind, clients, people, work=None):
                    results[(name, clients)] = pool.submit(load, [port], kind, clients, people, work).result()
                    if kind == "loop":
                        work.update(results[(name, clients)]["work"])
                    print(report(name, clients, results[(name, clients)]), flush=True)

                for clients in (1, CLIENTS):
                    run("floor (auth+insert+commit)", "floor", clients, admins)
                    run("loop completion", "loop", clients, admins, made["open_tasks"])
                gate = made["gate_tasks"]
                owner = [tokens["idea-owner"]]
                run("innovation gate completion", "gate", 1, owner, gate[:len(gate) // 4])
                run("innovation gate completion", "gate", CLIENTS, owner, gate[len(gate) // 4:])
                for clients in (1, CLIENTS):
                    run("innovation start", "start", clients, owner, work_data("start"))
            coordinator = tokens["coordinator"]
            inbox_times = inbox(port, coordinator, "/api/tasks?limit=50", INBOX_QUERIES)
            due = (datetime.now(UTC) + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
            filtered = {f: inbox(port, coordinator, f"/api/tasks?limit=50&{f}", 30)
                        for f in ("lane=Innovationsledare", "scope=mine", f"due_before={due}")}
        finally:
            if server is not None:
                stop(server)
            log.seek(0)
            errors_logged = [line for line in log if "Traceback" in line or "ERROR" in line]
    if errors_logged:
        print(f"server log lines with errors: {len(errors_logged)} (first: {errors_logged[0].strip()})")
    print(f"inbox GET /api/tasks?limit=50 as a coordinator, {OPEN_INSTANCES} open instances, "
          f"{INBOX_QUERIES} sequential: p50 {pct(inbox_times, 50):.1f} ms  p99 {pct(inbox_times, 99):.1f} ms")
    for name, times in filtered.items():
        print(f"  inbox with {name.split('=')[0]} (30): p50 {pct(times, 50):.1f} ms  p99 {pct(times, 99):.1f} ms")
    completions = results[("loop completion", CLIENTS)]["rate"]
    floor = results[("floor (auth+insert+commit)", CLIENTS)]["rate"]
    print(f"bare engine {bare:.0f} completions/s; api_throughput_ratio (completions over bare engine) "
          f"{completions / bare:.3f}; total run {time.perf_counter() - total:.0f} s")
    print(f"completion_floor_ratio: {completions / floor:.2f}")


if __name__ == "__main__":
    main()
