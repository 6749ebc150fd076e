"""Completions per second with 1, 2 and 4 service processes on one PostgreSQL and one Redis.

As production runs it (README "Production"): each service process is its own gunicorn
(``-w 1 -k gthread --threads 4``, with REDIS_URL, ``background=True``: committed jobs go to
Redis) on its own port, as on its own machine; RQ_WORKERS ``innovation worker`` processes
and one ``innovation scheduler`` run beside them. CLIENTS keep-alive clients (bench/api.py's)
complete loop tasks of REAL_INSTANCES instances, spread over the services' ports as a load
balancer would, for WARMUP + DURATION s per step. Every process shares this machine's cores
with the database, so past the cores the figure shows the machine, not the design.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/innovation_bench \\
    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/scale.py
"""
from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import api  # noqa: E402
from bench._support import scratch  # noqa: E402

SERVICES = tuple(int(n) for n in os.environ.get("BENCH_SERVICES", "1,2,4").split(","))
RQ_WORKERS = int(os.environ.get("BENCH_RQ_WORKERS", "2"))
SERVICE = ["-w", "1", "-k", "gthread", "--threads", "4"]  # one service process
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def main() -> None:
    url = scratch("innovation_bench_scale")
    if not url.startswith("postgresql"):
        raise SystemExit("bench/scale.py needs DATABASE_URL naming a PostgreSQL database")
    api.OPEN_INSTANCES, api.GATE_INSTANCES = api.REAL_INSTANCES, 0
    api.EVALUATIONS = (0, 1, 2, 3)  # the initiative is not what this measures: a short history will do
    made = api.setup(url)
    admins = [made["tokens"][f"admin{n}"] for n in range(api.WORKERS)]
    env = {"REDIS_URL": REDIS_URL}
    python = [sys.executable, "-c", "import sys; from cli.main import main; sys.exit(main())"]
    print(f"machine: {os.cpu_count()} cores; {RQ_WORKERS} rq workers + 1 scheduler; {api.CLIENTS} clients; "
          f"{api.DURATION:.0f} s per step", flush=True)
    with tempfile.TemporaryFile("w+") as log:
        helpers = [subprocess.Popen([*python, "worker"], cwd=ROOT, env={**os.environ, "DATABASE_URL": url, **env},
                                    stdout=log, stderr=log) for _ in range(RQ_WORKERS)]
        helpers.append(subprocess.Popen([*python, "scheduler"], cwd=ROOT,
                                        env={**os.environ, "DATABASE_URL": url, **env}, stdout=log, stderr=log))
        rates = {}
        try:
            ctx = multiprocessing.get_context("spawn")
            for count in SERVICES:
                ports = [api.free_port() for _ in range(count)]
                servers = []
                try:
                    for port in ports:
                        servers.append(api.start_gunicorn(url, port, log, SERVICE, env=env,
                                                          app="bench.floor:create_app(background=True)"))
                    with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as pool:
                        result = pool.submit(api.load, ports, "loop", api.CLIENTS, admins, made["open_tasks"]).result()
                    made["open_tasks"].update(result["work"])
                finally:
                    for server in servers:
                        api.stop(server)
                rates[count] = result["rate"]
                print(api.report(f"{count} service process{'es' if count > 1 else ''}", api.CLIENTS, result),
                      flush=True)
        finally:
            for helper in helpers:
                api.stop(helper)
    base = rates[SERVICES[0]]
    print("scaling: " + ", ".join(f"{n}: {rate / base:.2f}x" for n, rate in rates.items()))


if __name__ == "__main__":
    main()
