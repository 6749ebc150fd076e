"""Cost of one loop iteration as an instance's history grows.

Drives tests/fixtures/loop.bpmn (user task + script + gateway per iteration) through the
real engine against a database, completing one user task per iteration, and times the
three parts of each request: load (read the row, restore the workflow), step (complete
the task, run the engine), save (compact, project, write, commit). Reports medians over a
window around iterations 10, 1,000 and 10,000, then `loop_cost_ratio` = total cost at
10,000 over total cost at 10. Goal: at most 1.5.

    python bench/loop.py                       # temporary SQLite file
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/innovation_bench python bench/loop.py
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._support import scratch  # noqa: E402
from engine.core import Engine  # noqa: E402

ITERATIONS = int(os.environ.get("LOOP_ITERATIONS", "10000"))
WINDOWS = {10: range(5, 16), 1000: range(990, 1011), ITERATIONS: range(ITERATIONS - 20, ITERATIONS + 1)}


def instrument(engine) -> dict:
    """Wrap the runtime's load and save to timestamp each phase of a request."""
    marks = {}
    load, save = engine.runtime.load, engine.runtime.save

    def timed_load(*args, **kwargs):
        result = load(*args, **kwargs)
        marks.setdefault("loaded", time.perf_counter())  # the first load of a request, not the reply's
        return result

    def timed_save(*args, **kwargs):
        marks["saving"] = time.perf_counter()
        return save(*args, **kwargs)

    engine.runtime.load, engine.runtime.save = timed_load, timed_save
    return marks


def main() -> None:
    url = scratch("loop")
    engine = Engine(url)
    engine.deploy_file(ROOT / "tests" / "fixtures" / "loop.bpmn", deployed_by="bench")
    marks = instrument(engine)
    instance = engine.start("loop", {"limit": ITERATIONS + 1}, actor="bench")
    (task,) = engine.tasks(instance_id=instance["id"])
    samples = {}
    for iteration in range(1, ITERATIONS + 1):
        marks.clear()
        started = time.perf_counter()
        detail = engine.complete_task(task["id"], {}, actor="bench")
        finished = time.perf_counter()
        task = detail["tasks"][0]
        samples[iteration] = (marks["loaded"] - started, marks["saving"] - marks["loaded"],
                              finished - marks["saving"])
    print(f"database: {engine.db.dialect}; iterations: {ITERATIONS}; "
          f"final count: {detail['data']['count']}; python {sys.version.split()[0]}; cores: {os.cpu_count()}")
    totals = {}
    for at, window in WINDOWS.items():
        rows = [samples[i] for i in window if i in samples]
        load, step, save = (statistics.median(r[k] for r in rows) * 1000 for k in range(3))
        totals[at] = statistics.median(sum(r) for r in rows) * 1000
        print(f"iteration {at:>6}: load {load:.2f} ms  step {step:.2f} ms  save {save:.2f} ms  "
              f"total {totals[at]:.2f} ms")
    print(f"loop_cost_ratio: {totals[ITERATIONS] / totals[10]:.2f}")


if __name__ == "__main__":
    main()
