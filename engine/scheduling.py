"""Firing due timers from the timer table.

The scheduler never loads an instance that has nothing due: it reads the indexed timer
table first and only then locks and advances the instances it found. Any number of
schedulers may run at once: an instance another process holds is skipped (SKIP LOCKED
on PostgreSQL; SQLite has one writer anyway), and one whose timers another scheduler
fired in the meantime is left as it is, without a new version or an audit entry.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from engine import clock, queries
from engine.errors import Conflict
from engine.states import InstanceStatus
from engine.tables import ProcessInstance, Timer

log = logging.getLogger(__name__)


class _NothingDue(Conflict):
    """Raised inside a mutation to roll it back: the timers were fired meanwhile."""


def fire_due_timers(runtime, limit: int = 100) -> int:
    """Advance each running instance that has a timer past due; returns how many advanced.

    Each instance is its own step: one whose diagram fails is parked in status ``error``
    and the others still fire, and an unexpected error is logged, not passed on, so one
    instance can never hold back the timers of all the rest.
    """
    with runtime.time():
        fired = 0
        for instance_id in queries.due_timers(runtime.db, clock.now(), limit):
            try:
                if runtime.contain(instance_id, lambda due=instance_id: runtime.mutate(
                        due, actor="scheduler", action="timer_fired", change=_fire, skip_locked=True),
                        actor="scheduler", action="timer") is not None:
                    fired += 1
            except Conflict:
                continue  # another process holds it, fired it, suspended or ended it
            except Exception:  # e.g. the database went away: this instance is due again next pass
                log.exception("firing the timers of instance %s failed; trying the next instance", instance_id)
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
            .where(Timer.due_at >= clock.now(), ProcessInstance.status == InstanceStatus.RUNNING)
            .order_by(Timer.due_at).limit(1))
