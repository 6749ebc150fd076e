"""Health, Prometheus metrics and queue state, for admins and scrapers.

Counters are derived from the jobs table, not kept in Redis: the database is the source
of truth, they read the same in the embedded mode and survive a Redis flush. ``attempts``
only ever grows (retrying an incident adds attempts), so the sums are true counters.
"""
from __future__ import annotations

from redis.exceptions import RedisError
from rq import Queue, Worker
from sqlalchemy import case, func, select, text

from application import notifications
from application.settings import JOB_QUEUE as QUEUE
from engine import InstanceStatus, Job, JobState, ProcessInstance, Timer


def health(engine, redis=None) -> dict:
    """Is the database reachable, is Redis (when configured), and how deep is the queue."""
    database = _check(lambda: _db_ping(engine))
    broker = _check(redis.ping) if redis is not None else {"ok": True, "mode": "embedded"}
    ok = database["ok"] and broker["ok"]
    return {"ok": ok, "database": database, "redis": broker, "queue_depth": _queue_depth(engine, redis) if ok else None}


def metrics_text(engine, redis=None) -> str:
    """The Prometheus text exposition of jobs, incidents, timers, the queue and the e-mail outbox."""
    jobs = _job_stats(engine)
    runs = sum(s["attempts"] for s in jobs.values())
    lines = []
    _metric(lines, "innovation_jobs_run_total", "counter", "Job attempts started.", [("", runs)])
    _metric(lines, "innovation_jobs_failed_total", "counter", "Job attempts that failed (errors, timeouts, "
            "lost workers).", [("", sum(s["failures"] for s in jobs.values()))])
    _metric(lines, "innovation_jobs_retried_total", "counter", "Job attempts that repeated a failed one.",
            [("", sum(s["retries"] for s in jobs.values()))])
    _metric(lines, "innovation_jobs", "gauge", "Jobs by state.",
            [(f'{{state="{state}"}}', s["count"]) for state, s in sorted(jobs.items())])
    _metric(lines, "innovation_incidents_open", "gauge", "Jobs that ran out of attempts and await an admin.",
            [("", jobs.get(JobState.INCIDENT, {}).get("count", 0))])
    try:
        depth = [(f'{{queue="{QUEUE if redis is not None else "embedded"}"}}', _queue_depth(engine, redis))]
    except RedisError:  # the database's numbers still count; Redis being down is one of them
        depth = []
    _metric(lines, "innovation_queue_depth", "gauge", "Jobs waiting to run.", depth)
    if redis is not None:
        _metric(lines, "innovation_redis_up", "gauge", "Whether Redis answered this scrape.", [("", int(bool(depth)))])
    lag, waiting = _timer_stats(engine)
    _metric(lines, "innovation_timer_lag_seconds", "gauge", "Age of the oldest overdue timer of a running "
            "instance (0 when none is overdue).", [("", round(lag, 3))])
    _metric(lines, "innovation_timers_waiting", "gauge", "Timers waiting in the timer table.", [("", waiting)])
    with engine.db.unit_of_work() as uow:
        mail, mail_wait = notifications.outbox_state(uow.session, engine.now())
    _metric(lines, "innovation_mail_outbox", "gauge", "E-mail messages by state (failed: given up on).",
            [(f'{{state="{state}"}}', mail.get(state, 0)) for state in ("pending", "sending", "sent", "failed")])
    _metric(lines, "innovation_mail_wait_seconds", "gauge", "Age of the oldest e-mail due and not yet sent "
            "(the mail server down, or no SMTP_HOST set).", [("", round(mail_wait, 3))])
    return "\n".join(lines) + "\n"


def queue_state(engine, redis=None) -> dict:
    """Queues, workers and what each is running: Redis's view next to the database's."""
    with engine.db.unit_of_work() as uow:
        running = [{"job_id": j.id, "operation": j.operation, "instance_id": j.instance_id, "attempt": j.attempts,
                    "claimed_by": j.claimed_by, "lease_until": j.run_after.isoformat()}
                   for j in uow.session.scalars(
                       select(Job).where(Job.state == JobState.RUNNING).order_by(Job.run_after))]
    state = {"mode": "rq" if redis is not None else "embedded", "running": running, "queues": [], "workers": []}
    if redis is None:
        state["queues"] = [{"name": "embedded", "depth": _queue_depth(engine, None)}]
        return state
    queue = Queue(QUEUE, connection=redis)
    state["queues"] = [{"name": queue.name, "depth": queue.count, "started": queue.started_job_registry.count,
                        "failed": queue.failed_job_registry.count}]
    state["workers"] = [{"name": w.name, "state": w.get_state(), "current_job": w.get_current_job_id(),
                         "queues": w.queue_names(), "successful": w.successful_job_count,
                         "failed": w.failed_job_count,
                         "last_heartbeat": w.last_heartbeat.isoformat() if w.last_heartbeat else None}
                        for w in Worker.all(connection=redis)]
    return state


def _check(probe) -> dict:
    try:
        probe()
    except Exception as exc:  # a health report names what is down instead of failing itself
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return {"ok": True}


def _db_ping(engine) -> None:
    with engine.db.unit_of_work() as uow:
        uow.session.execute(text("SELECT 1"))


def _queue_depth(engine, redis) -> int:
    """Redis's queue length, or without Redis the due jobs waiting in the database."""
    if redis is not None:
        return Queue(QUEUE, connection=redis).count
    now = engine.now()
    with engine.db.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(Job).where(
            Job.state == JobState.PENDING, Job.run_after <= now))


def _job_stats(engine) -> dict[str, dict]:
    with engine.db.unit_of_work() as uow:
        rows = uow.session.execute(select(
            Job.state, func.count(), func.coalesce(func.sum(Job.attempts), 0),
            func.coalesce(func.sum(case((Job.attempts > 1, Job.attempts - 1), else_=0)), 0),
            func.coalesce(func.sum(func.json_array_length(Job.error_history)), 0),
        ).group_by(Job.state)).all()
    return {state: {"count": count, "attempts": int(attempts), "retries": int(retries), "failures": int(failures)}
            for state, count, attempts, retries, failures in rows}


def _timer_stats(engine) -> tuple[float, int]:
    now = engine.now()
    with engine.db.unit_of_work() as uow:
        oldest = uow.session.scalar(
            select(func.min(Timer.due_at)).join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
            .where(Timer.due_at < now, ProcessInstance.status == InstanceStatus.RUNNING))
        waiting = uow.session.scalar(select(func.count()).select_from(Timer))
    return ((now - oldest).total_seconds() if oldest else 0.0), waiting


def _metric(lines: list[str], name: str, kind: str, help_text: str, samples) -> None:
    lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    lines += [f"{name}{labels} {value}" for labels, value in samples]
