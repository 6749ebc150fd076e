"""Workers on Redis and PostgreSQL under load, with 100,000 timers waiting in the table.

(a) timers coming due at a steady 50 per second for a minute: lag from due to advanced;
(b) a burst of 1,000 timers due at the same instant, with 1 and 2 scheduler processes;
(c) 1,000 service jobs with 1 and 2 rq workers: latency (task reached -> result applied)
    at a steady 50 jobs per second, and jobs per second draining a backlog of 1,000.

Everything runs as real `innovation scheduler` / `innovation worker` processes against
PostgreSQL (database innovation_bench, created if missing) and Redis DB 14, both on
127.0.0.1 (BENCH_DATABASE_URL names another database). The last line is
`timer_lag_p99_s: X` from (a). Goals: that under 1 s, and job latency p50 under 50 ms. A run
stops by itself within about ten minutes; BENCH_SCALE=0.05 shrinks every count and the
minute of (a) for a quick check that it works.

    python bench/workers.py
"""
from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from redis import Redis  # noqa: E402
from rq import Worker  # noqa: E402

from engine import queries  # noqa: E402
from engine.core import Engine  # noqa: E402
from engine.operations import OperationRegistry  # noqa: E402
from tests.databases import recreate  # noqa: E402
from workers.queue import Dispatcher  # noqa: E402

# The one database of a run: this process and the scheduler and worker processes it starts
# (which inherit the environment) all read it here.
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/innovation_bench")
REDIS_URL = "redis://127.0.0.1:6379/14"
FIXTURES = ROOT / "tests" / "fixtures" / "workers"
SCALE = float(os.environ.get("BENCH_SCALE", "1"))
WAITING = int(100_000 * SCALE)
BATCH = max(10, int(1000 * SCALE))  # timers in a burst (b), jobs in each part of (c)
STEADY_SECONDS = max(2, round(60 * SCALE))
DEADLINE = time.monotonic() + 570  # everything, including clean-up, ends within ten minutes
CLONE = (
    """INSERT INTO process_instances (id, definition_id, business_key, status, state_json, version,
                                      started_by, started_at, updated_at)
       SELECT gen_random_uuid()::text, p.definition_id, 'waiting-' || g, 'running',
              replace(p.state_json, :template_due,
                      to_char((:base + g * interval '1 minute') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
                      || '+00:00'),
              p.version, 'bench', p.started_at, p.updated_at
       FROM process_instances p, generate_series(1, :count) g WHERE p.business_key = 'template-0'""",
    """INSERT INTO timers (id, instance_id, element_id, name, due_at)
       SELECT gen_random_uuid()::text, id, 'wait', 'Wait until wake_at',
              :base + substr(business_key, 9)::int * interval '1 minute'
       FROM process_instances WHERE business_key LIKE 'waiting-%'""",
    "ANALYZE",
)


def build_engine(settings=None) -> Engine:
    """The engine of the benchmark's worker and scheduler processes (``--engine``, given the settings)."""
    registry = OperationRegistry()
    registry.register("bench.echo", lambda params, ctx: {"echo": params["x"]})
    return Engine(DATABASE_URL, operations=registry)


def percentile(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1] if len(values) > 1 else values[0]


def wait_until(predicate, what: str, limit: float) -> None:
    deadline = min(time.monotonic() + limit, DEADLINE)
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        time.sleep(0.1)


class Bench:
    def __init__(self):
        recreate(DATABASE_URL)
        self.redis = Redis.from_url(REDIS_URL)
        self.redis.flushdb()
        self.engine = build_engine()
        Dispatcher(self.engine, self.redis).start()  # started service tasks are queued for the workers
        self.engine.deploy_file(FIXTURES / "wake.bpmn", deployed_by="bench")
        xml = (FIXTURES / "deadline.bpmn").read_bytes().replace(b"OPERATION", b"bench.echo")
        self.engine.deploy(xml, deployed_by="bench")
        self.logs = Path(tempfile.mkdtemp(prefix="bench-workers-"))
        self.processes: list[tuple[subprocess.Popen, object]] = []
        self.pool = ThreadPoolExecutor(4)
        self.rate = 100.0  # instances started per second, measured in (a)

    # -- processes ---------------------------------------------------------------------
    def spawn(self, command: str, *args: str) -> None:
        env = {**os.environ, "REDIS_URL": REDIS_URL}
        log = open(self.logs / f"{command}-{len(self.processes)}.log", "w")
        process = subprocess.Popen(
            [sys.executable, "-m", "cli.main", command, "--engine", "bench.workers:build_engine", *args],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append((process, log))

    def stop_all(self) -> None:
        for process, _ in self.processes:
            process.send_signal(signal.SIGTERM)
        for process, log in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
        self.processes = []

    def workers(self, count: int) -> None:
        for _ in range(count):
            self.spawn("worker", "--log-level", "WARNING")
        pids = {process.pid for process, _ in self.processes[-count:]}
        wait_until(lambda: pids <= {w.pid for w in Worker.all(connection=self.redis)}, "workers to register", 30)

    # -- data --------------------------------------------------------------------------
    def start(self, key: str, tag: str, data: list[dict]) -> float:
        """Start one instance per data item (business key tag-n); returns instances per second."""
        began = time.monotonic()
        list(self.pool.map(lambda item: self.engine.start(key, item[1], actor="bench", business_key=f"{tag}-{item[0]}"),
                           enumerate(data)))
        return len(data) / (time.monotonic() - began)

    def seed_waiting(self, count: int) -> None:
        """Clone one real waiting instance ``count`` times in SQL, timers due over the next
        ``count`` minutes; the clones only wait (they are never due during the run)."""
        template_due = "2099-01-01T00:00:00+00:00"
        self.start("wake", "template", [{"wake_at": template_due}])
        base = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
        with self.engine.db.engine.begin() as conn:
            for statement in CLONE:
                conn.execute(sa.text(statement), {"template_due": template_due, "base": base, "count": count})

    def fetch(self, sql: str, tag: str) -> list:
        with self.engine.db.engine.connect() as conn:
            return conn.execute(sa.text(sql), {"tag": f"{tag}-%"}).all()

    def ended(self, tag: str) -> dict[str, datetime]:
        rows = self.fetch("SELECT business_key, ended_at FROM process_instances "
                          "WHERE business_key LIKE :tag AND status = 'completed'", tag)
        return dict(rows)

    def job_times(self, tag: str) -> list[tuple[datetime, datetime]]:
        return self.fetch("SELECT j.created_at, j.updated_at FROM jobs j JOIN process_instances p "
                          "ON p.id = j.instance_id WHERE p.business_key LIKE :tag AND j.state = 'completed'", tag)

    def due_query_ms(self) -> float:
        samples = []
        for _ in range(50):
            began = time.perf_counter()
            queries.due_timers(self.engine.db, datetime.now(UTC), 100)
            samples.append((time.perf_counter() - began) * 1000)
        return statistics.median(samples)

    # -- phases --------------------------------------------------------------------------
    def timers(self, tag: str, due: list[datetime], schedulers: int) -> dict[str, datetime]:
        """Start one wake instance per due moment, then let ``schedulers`` fire them."""
        self.start("wake", tag, [{"wake_at": moment.isoformat()} for moment in due])
        for _ in range(schedulers):
            self.spawn("scheduler")
        wait_until(lambda: len(self.ended(tag)) == len(due), f"{tag} timers to fire",
                   (max(due) - datetime.now(UTC)).total_seconds() + 120)
        self.stop_all()
        return {f"{tag}-{n}": moment for n, moment in enumerate(due)}

    def steady(self, rate: int = 50, seconds: int = STEADY_SECONDS) -> list[float]:
        self.rate = self.start("wake", "probe", [{"wake_at": "2099-06-01T00:00:00+00:00"}] * 100)
        first = datetime.now(UTC) + timedelta(seconds=rate * seconds / self.rate * 1.5 + 5)
        due = [first + timedelta(seconds=n / rate) for n in range(rate * seconds)]
        expected = self.timers("steady", due, schedulers=1)
        ended = self.ended("steady")
        return [(ended[key] - moment).total_seconds() for key, moment in expected.items()]

    def burst(self, schedulers: int, count: int = BATCH) -> tuple[float, float]:
        tag = f"burst{schedulers}"
        moment = datetime.now(UTC) + timedelta(seconds=count / self.rate * 1.5 + 5)
        self.timers(tag, [moment] * count, schedulers)
        lags = [(ended - moment).total_seconds() for ended in self.ended(tag).values()]
        return max(lags), statistics.median(lags)

    def jobs(self, workers: int, count: int = BATCH, rate: int = 50) -> tuple[float, list[float]]:
        """Jobs per second draining a backlog, then latencies at a steady ``rate``."""
        backlog, steady = f"backlog{workers}", f"paced{workers}"
        self.start("deadline_bench.echo", backlog, [{"number": n, "deadline": "PT1H"} for n in range(count)])
        self.spawn("scheduler")
        self.workers(workers)
        wait_until(lambda: len(self.job_times(backlog)) == count, f"{backlog} jobs", 240)
        finished = sorted(done for _, done in self.job_times(backlog))
        throughput = (count - 1) / (finished[-1] - finished[0]).total_seconds()
        began = time.monotonic()
        for n in range(count):
            time.sleep(max(0.0, began + n / rate - time.monotonic()))
            self.engine.start("deadline_bench.echo", {"number": n, "deadline": "PT1H"}, actor="bench",
                              business_key=f"{steady}-{n}")
        wait_until(lambda: len(self.job_times(steady)) == count, f"{steady} jobs", 60)
        self.stop_all()
        return throughput, [(done - created).total_seconds() * 1000 for created, done in self.job_times(steady)]


def main() -> None:
    bench = Bench()
    try:
        began = time.monotonic()
        bench.seed_waiting(WAITING)
        print(f"database: {sa.make_url(DATABASE_URL).render_as_string()}, Redis 127.0.0.1 DB 14; "
              f"python {sys.version.split()[0]}; "
              f"cores: {os.cpu_count()}; {WAITING:,} waiting timers cloned in {time.monotonic() - began:.1f} s")
        print(f"due-timer query with {WAITING:,} timers waiting: median {bench.due_query_ms():.2f} ms")
        lags = bench.steady()
        print(f"(a) {len(lags)} timers due at 50/s for {STEADY_SECONDS} s, 1 scheduler: "
              f"lag p50 {percentile(lags, 50) * 1000:.1f} ms"
              f"  p99 {percentile(lags, 99) * 1000:.1f} ms  max {max(lags) * 1000:.1f} ms")
        for schedulers in (1, 2):
            last, median = bench.burst(schedulers)
            print(f"(b) {BATCH} timers due at one instant, {schedulers} scheduler(s): all fired {last:.2f} s after "
                  f"due (median {median:.2f} s)")
        for workers in (1, 2):
            throughput, latency = bench.jobs(workers)
            print(f"(c) {BATCH} jobs, {workers} rq worker(s): latency at 50 jobs/s p50 {percentile(latency, 50):.1f} ms"
                  f"  p99 {percentile(latency, 99):.1f} ms; backlog drained at {throughput:.0f} jobs/s")
        print(f"run time {time.monotonic() - began:.0f} s")
        print(f"timer_lag_p99_s: {percentile(lags, 99):.3f}")
    finally:
        bench.stop_all()
        bench.pool.shutdown()
        bench.redis.flushdb()
        bench.engine.db.dispose()


if __name__ == "__main__":
    main()
