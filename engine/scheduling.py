"""Firing due timers from the timer table.

The scheduler never loads an instance that has nothing due: it reads the indexed timer
table first and only then locks and advances the instances it found. Any number of
schedulers may run at once: an instance another process holds is skipped (SKIP LOCKED
on PostgreSQL; SQLite has one writer anyway), and one whose timers another scheduler
fired in the meantime is left as it is, without a new version or an audit entry.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from engine import clock, queries
from engine.errors import Conflict, ProcessFailure
from engine.tables import ProcessInstance, Timer


class _NothingDue(Exception):
    """Raised inside a mutation to roll it back: the timers were fired meanwhile."""


def fire_due_timers(runtime, limit: int = 100) -> int:
    """Advance each running instance that has a timer past due; returns how many advanced."""
    with runtime.time():
        fired = 0
        for instance_id in queries.due_timers(runtime.db, clock.now(), limit):
            try:
                runtime.mutate(instance_id, actor="scheduler", action="timer_fired", change=_fire,
                               skip_locked=True)
                fired += 1
            except (Conflict, _NothingDue):
                continue  # another process holds it, fired it, suspended or ended it
            except ProcessFailure as failure:
                runtime.record_failure(instance_id, actor="scheduler", action="timer", failure=failure)
        return fired


def _fire(session, row, workflow) -> dict:
    """Fire the instance's due timers, re-read under its lock."""
    elements = session.scalars(select(Timer.element_id).where(
        Timer.instance_id == row.id, Timer.due_at < clock.now()).order_by(Timer.due_at)).all()
    if not elements:
        raise _NothingDue(row.id)
    workflow.refresh_timers()
    return {"timers": list(elements)}


def next_due(runtime) -> datetime | None:
    """When the next timer of a running instance falls due (None if none waits)."""
    with runtime.time(), runtime.db.unit_of_work() as uow:
        return uow.session.scalar(
            select(Timer.due_at).join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
            .where(Timer.due_at >= clock.now(), ProcessInstance.status == "running")
            .order_by(Timer.due_at).limit(1))
