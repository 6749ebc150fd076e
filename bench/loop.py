"""Cost of one loop step as an instance's history grows, for every loop shape.

Drives each diagram of the catalogue in tests/engine/loop_shapes.py (tests/fixtures/loops/:
a plain loop, loops beside a waiting parallel or inclusive join, loops around parallel
blocks, subprocesses, call activities and multi-instance tasks, loops under boundary
timers that fired, timer loops) through the real engine against a database. One step is
one request: complete the open user task (the one with the smallest element id), or, when
none is open, move the clock a day and fire due timers; shapes with a reminder get it
fired in the first step. For each shape it reports the median time of a step for steps
10,001-10,050 of a long-running instance and for steps 6-55 of a fresh one, taken in
turns, and the shape's ratio (late over early). The last line, `loop_cost_ratio`, is the
worst shape's ratio. Goal: at most 1.5.

    python bench/loop.py                       # temporary SQLite file
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/innovation_bench python bench/loop.py
    LOOP_ITERATIONS=2000 LOOP_SHAPES=simple,parallel_waiting_join python bench/loop.py
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench._support import scratch  # noqa: E402
from engine.clock import ManualClock  # noqa: E402
from engine.core import Engine  # noqa: E402
from tests.databases import drop, recreate  # noqa: E402
from tests.engine.loop_shapes import SHAPES  # noqa: E402

ITERATIONS = int(os.environ.get("LOOP_ITERATIONS", "10000"))
CHOSEN = [name for name in os.environ.get("LOOP_SHAPES", "").split(",") if name]
WINDOW = 50


def database(name: str) -> str:
    """A fresh database of its own for one instance (a SQLite file, or a PostgreSQL database
    named after DATABASE_URL's), so no other instance's timers fire inside its steps."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        return scratch(name)
    parsed = sa.make_url(url)
    url = parsed.set(database=f"{parsed.database}_{name}").render_as_string(hide_password=False)
    recreate(url)
    return url


class Run:
    """One instance of a shape on its own engine, clock and database, advanced one step
    (one request) at a time."""

    def __init__(self, shape, name: str):
        self.url = database(name)
        self.clock = ManualClock()
        self.engine = Engine(self.url, clock=self.clock)
        self.engine.deploy_file(shape.path, deployed_by="bench")
        self.shape, self.steps = shape, 0
        self.instance_id = self.engine.start(shape.name, {"limit": ITERATIONS * 10}, actor="bench")["id"]

    def step(self) -> float:
        """Seconds the step took."""
        self.steps += 1
        started = time.perf_counter()
        if self.shape.days_before(self.steps):
            self.clock.advance(days=self.shape.days_before(self.steps))
            self.engine.fire_due_timers()
        tasks = self.engine.tasks(instance_id=self.instance_id)
        if tasks:
            task = min(tasks, key=lambda t: t["element_id"])
            self.engine.complete_task(task["id"], {}, actor="bench")
        else:
            self.clock.advance(days=1)
            self.engine.fire_due_timers()
        return time.perf_counter() - started

    def close(self) -> None:
        status = self.engine.instance(self.instance_id)["status"]
        self.engine.db.dispose()
        drop(self.url)
        if status != "running":
            raise SystemExit(f"{self.shape.name}: the instance is {status} after {self.steps} steps, not running")


def measure(shape) -> tuple[float, float]:
    """Median step time (ms) for steps 6-55 of a fresh instance and after step ITERATIONS
    of a long-running one, taken in turns so both see the same load on the machine (other
    processes share its cores)."""
    old = Run(shape, "loop_old")
    for _ in range(ITERATIONS):
        old.step()
    fresh = Run(shape, "loop_fresh")
    for _ in range(5):
        fresh.step()
    early, late = [], []
    for _ in range(WINDOW):
        early.append(fresh.step())
        late.append(old.step())
    old.close()
    fresh.close()
    return statistics.median(early) * 1000, statistics.median(late) * 1000


def main() -> None:
    dialect = sa.make_url(os.environ.get("DATABASE_URL", "") or "sqlite://").get_backend_name()
    print(f"database: {dialect if dialect == 'postgresql' else 'sqlite'}; steps per shape: {ITERATIONS}; "
          f"python {sys.version.split()[0]}; cores: {os.cpu_count()}")
    ratios = {}
    for shape in SHAPES:
        if CHOSEN and shape.name not in CHOSEN:
            continue
        early, late = measure(shape)
        ratios[shape.name] = late / early
        print(f"{shape.name:32} steps 6-{5 + WINDOW}: {early:.2f} ms  steps {ITERATIONS + 1}-{ITERATIONS + WINDOW}: "
              f"{late:.2f} ms  ratio {ratios[shape.name]:.2f}", flush=True)
    worst = max(ratios, key=ratios.get)
    print(f"worst shape: {worst}")
    print(f"loop_cost_ratio: {ratios[worst]:.2f}")


if __name__ == "__main__":
    main()
