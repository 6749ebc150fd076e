"""The catalogue of loop shapes in tests/fixtures/loops/, and a driver that runs one.

Each diagram counts its rounds in ``count`` up to the start variable ``limit``. A driver
step completes the first ready user task, or, when nothing is ready, moves the clock a
day so a timer fires. Shapes with a seven-day reminder get it fired once, in the first
round; the interrupting shape lets every other task expire. The same policy drives the
differential tests (with and without compaction) and bench/loop.py (through the engine).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from SpiffWorkflow.util.task import TaskState

from engine import clock
from engine.compaction import compact
from engine.projections import instance_data
from engine.runtime import advance
from engine.workflow import EngineParser, dump_spec, dump_state, load_state, new_workflow

LOOPS = Path(__file__).resolve().parents[1] / "fixtures" / "loops"


@dataclass(frozen=True)
class Shape:
    name: str  # file stem in tests/fixtures/loops/ and the process id
    remind: bool = False  # fire the seven-day reminder once, before the first completion
    expire_every_other: bool = False  # let every other task run into its interrupting timer
    full_tree_wrong: bool = False  # SpiffWorkflow misbehaves on the uncompacted tree (see the test)

    @property
    def path(self) -> Path:
        return LOOPS / f"{self.name}.bpmn"

    def days_before(self, step: int) -> int:
        """Days to move the clock before driver step ``step`` (counted from 1)."""
        if self.remind and step == 1:
            return 8
        if self.expire_every_other and step % 2 == 1:
            return 4
        return 0


SHAPES = [
    Shape("simple"),
    Shape("parallel_waiting_join"),
    Shape("parallel_two_loops"),
    Shape("loop_around_parallel"),
    Shape("loop_around_inclusive", full_tree_wrong=True),
    Shape("inclusive_waiting_join"),
    Shape("boundary_task_loop", remind=True),
    Shape("subprocess_boundary", remind=True),
    Shape("subprocess_task_boundary", remind=True),
    Shape("loop_around_subprocess"),
    Shape("call_activity_loop"),
    Shape("loop_around_call_activity"),
    Shape("loop_around_multi_instance"),
    Shape("multi_instance_subprocess_loop"),
    Shape("timer_loop"),
    Shape("interrupting_boundary_loop", expire_every_other=True),
]


def spec_json(shape: Shape) -> str:
    parser = EngineParser()
    parser.add_bpmn_file(str(shape.path))
    return dump_spec(parser.get_spec(shape.name), parser.get_subprocess_specs(shape.name))


def tree_size(workflow) -> int:
    return len(workflow.tasks) + sum(len(sub.tasks) for sub in workflow.subprocesses.values())


@dataclass
class Trace:
    steps: list  # per step: what was done, the user tasks then ready, the instance data
    completed: bool
    data: dict
    sizes: list  # task count after each step


def run(shape: Shape, limit: int, *, compacted: bool, max_steps: int | None = None) -> Trace:
    """Drive ``shape`` in memory like the engine does: with ``compacted``, every step is
    followed by compaction and a save/load round trip through the instance JSON."""
    spec = spec_json(shape)
    engine_clock = clock.ManualClock()
    steps, sizes = [], []
    with clock.use_clock(engine_clock):
        workflow = new_workflow(spec)
        workflow.task_tree.data.update(limit=limit)
        advance(workflow)
        for step in range(1, (max_steps or 6 * limit + 20) + 1):
            if workflow.completed:
                break
            if shape.days_before(step):
                engine_clock.advance(days=shape.days_before(step))
                advance(workflow)
            ready = workflow.get_tasks(state=TaskState.READY, manual=True)
            if ready:
                action = ready[0].task_spec.bpmn_id
                ready[0].run()
            else:
                action = "+1 day"
                engine_clock.advance(days=1)
            advance(workflow)
            if compacted:
                compact(workflow)
                workflow = load_state(dump_state(workflow), spec)
            ready_now = sorted(t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY, manual=True))
            steps.append((action, ready_now, _plain(instance_data(workflow))))
            sizes.append(tree_size(workflow))
        return Trace(steps, workflow.completed, _plain(dict(workflow.data)), sizes)


def _plain(data: dict) -> dict:
    return json.loads(json.dumps(data, default=str, sort_keys=True))
