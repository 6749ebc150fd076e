"""The worker side of rq: what runs for each queued engine job.

A worker runs jobs in its own process (rq's SimpleWorker): the engine and its connection
pool are built once per process, and forking per job would cost more than most jobs.
rq's timeout still applies (SIGALRM), and it is the lease the job is claimed for, so an
attempt rq gave up on is also one the sweeper may take back.
"""
from __future__ import annotations

import logging

from redis import Redis
from rq import Queue, SimpleWorker, get_current_job

from workers.queue import QUEUE

log = logging.getLogger(__name__)
_engine = None


def bind(engine) -> None:
    """Give this process's rq jobs the engine they run against (None unbinds)."""
    global _engine
    _engine = engine


def run_job(job_id: str) -> None:
    """Claim the engine job, run its operation and apply the outcome.

    Claiming nothing is normal: the job is done, cancelled, not due yet, or another
    worker holds it (the same id may be queued more than once).
    """
    if _engine is None:
        raise RuntimeError("no engine bound in this process; start workers with `innovation worker`")
    current = get_current_job()
    claimed = _engine.jobs.claim(current.worker_name, limit=1, job_ids=[job_id], lease_seconds=current.timeout)
    if not claimed:
        log.info("job %s: nothing to claim", job_id)
        return
    _engine.jobs.run(claimed[0], current.worker_name)


def worker(engine, redis: Redis, name: str | None = None, queue_name: str = QUEUE) -> SimpleWorker:
    """An rq worker on the engine's queue, bound to ``engine``."""
    bind(engine)
    return SimpleWorker([Queue(queue_name, connection=redis)], connection=redis, name=name)
