"""Cost of one loop step as an instance's history grows, for every loop shape.

Drives each diagram of the catalogue in tests/engine/loop_shapes.py (tests/fixtures/loops/:
a plain loop, loops beside a waiting parallel or inclusive join, loops around parallel
blocks, subprocesses, call activities and multi-instance tasks, loops under boundary
timers that fired, timer loops) through the real engine against a database. One step is
one request: complete the open user task (the one with the smallest element id), or, when
none is open, move the clock a day and fire due timers; shapes with a reminder get it
fired in the first step. For each shape it reports the median total time of a step over a
window around steps 10, 1,000 and 10,000 and the shape's ratio (step 10,000 over step 10).
The last line, `loop_cost_ratio`, is the worst shape's ratio. Goal: at most 1.5.

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

from cli.database import scratch  # noqa: E402
from engine.clock import ManualClock  # noqa: E402
from engine.core import Engine  # noqa: E402
from tests.engine.loop_shapes import SHAPES  # noqa: E402

ITERATIONS = int(os.environ.get("LOOP_ITERATIONS", "10000"))
CHOSEN = [name for name in os.environ.get("LOOP_SHAPES", "").split(",") if name]
WINDOWS = {10: range(5, 16), 1000: range(990, 1011), ITERATIONS: range(ITERATIONS - 20, ITERATIONS + 1)}


def drive(engine: Engine, clock: ManualClock, shape) -> dict[int, float]:
    """Seconds per step, by step number."""
    engine.deploy_file(shape.path, deployed_by="bench")
    instance = engine.start(shape.name, {"limit": ITERATIONS * 10}, actor="bench")
    times = {}
    for step in range(1, ITERATIONS + 1):
        started = time.perf_counter()
        if shape.days_before(step):
            clock.advance(days=shape.days_before(step))
            engine.fire_due_timers()
        tasks = engine.tasks(instance_id=instance["id"])
        if tasks:
            task = min(tasks, key=lambda t: t["element_id"])
            engine.complete_task(task["id"], {}, actor="bench")
        else:
            clock.advance(days=1)
            engine.fire_due_timers()
        times[step] = time.perf_counter() - started
    status = engine.instance(instance["id"])["status"]
    if status != "running":
        raise SystemExit(f"{shape.name}: the instance is {status} after {ITERATIONS} steps, not running")
    return times


def main() -> None:
    url = scratch("loop")
    clock = ManualClock()
    engine = Engine(url, clock=clock)
    print(f"database: {engine.db.dialect}; steps per shape: {ITERATIONS}; python {sys.version.split()[0]}; "
          f"cores: {os.cpu_count()}")
    ratios = {}
    for shape in SHAPES:
        if CHOSEN and shape.name not in CHOSEN:
            continue
        times = drive(engine, clock, shape)
        medians = {at: statistics.median(times[i] for i in window if i in times) * 1000
                   for at, window in WINDOWS.items()}
        ratios[shape.name] = medians[ITERATIONS] / medians[10]
        print(f"{shape.name:32} " + "  ".join(f"step {at}: {ms:.2f} ms" for at, ms in medians.items())
              + f"  ratio {ratios[shape.name]:.2f}", flush=True)
    worst = max(ratios, key=ratios.get)
    print(f"worst shape: {worst}")
    print(f"loop_cost_ratio: {ratios[worst]:.2f}")


if __name__ == "__main__":
    main()
