"""Firing due timers from the timer table.

The scheduler never loads an instance that has nothing due: it reads the indexed timer
table first and only then locks and advances the instances it found.
"""
from __future__ import annotations

from engine import clock, queries
from engine.errors import Conflict, ProcessFailure


def fire_due_timers(runtime, limit: int = 100) -> int:
    """Advance each running instance that has a timer past due; returns how many advanced."""
    with runtime.time():
        fired = 0
        for instance_id, elements in queries.due_timers(runtime.db, clock.now(), limit).items():
            def change(session, row, workflow, elements=elements):
                workflow.refresh_timers()
                return {"timers": elements}
            try:
                runtime.mutate(instance_id, actor="scheduler", action="timer_fired", change=change)
                fired += 1
            except Conflict:
                continue  # suspended or ended meanwhile; its timers wait or are gone
            except ProcessFailure as failure:
                runtime.record_failure(instance_id, actor="scheduler", action="timer", failure=failure)
        return fired
