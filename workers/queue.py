"""Handing committed jobs to rq workers through Redis.

Redis only carries wake-up calls; the jobs table says what must run. Each rq job is named
after its engine job, so queueing one twice is harmless (the worker's claim in the
database decides who runs it), and whatever Redis loses (a flush, a restart, a worker
that died holding it) ``requeue`` queues again from the database.
"""
from __future__ import annotations

import logging
import math
from datetime import timedelta

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.job import Job as RqJob
from rq.job import JobStatus
from rq.utils import now as rq_now

from application.settings import JOB_QUEUE as QUEUE

log = logging.getLogger(__name__)
RUN_JOB = "workers.tasks.run_job"
DONE_TTL = 60  # a finished rq job is kept briefly, so a duplicate of it can still finish cleanly
GRACE = 1.0  # seconds a committer has to queue its new jobs before the sweeper does
FAILED_TTL = 7 * 24 * 3600  # keep an rq failure (the database was away) a week for inspection


def connect(url: str) -> Redis:
    return Redis.from_url(url, health_check_interval=30)


class Dispatcher:
    """Queues the engine's new jobs after each commit, and re-queues what Redis lost."""

    def __init__(self, engine, redis: Redis, queue_name: str = QUEUE):
        self.engine = engine
        self.queue = Queue(queue_name, connection=redis)

    def start(self) -> Dispatcher:
        self.engine.on_jobs_committed(self.jobs_committed)
        return self

    def stop(self) -> None:
        self.engine.off_jobs_committed(self.jobs_committed)

    def jobs_committed(self, job_ids: list[str]) -> None:
        """Job observer: the jobs are committed, so a Redis failure here loses nothing."""
        try:
            self.enqueue(job_ids)
        except RedisError as exc:
            log.warning("could not queue jobs %s (%s); the sweeper will", job_ids, exc)

    def enqueue(self, job_ids: list[str]) -> None:
        # The rq timeout is the lease: a worker claims for as long as rq lets it run.
        lease = math.ceil(self.engine.jobs.lease_seconds)
        self.queue.enqueue_many([
            Queue.prepare_data(RUN_JOB, args=(job_id,), job_id=job_id, timeout=lease, result_ttl=DONE_TTL,
                               failure_ttl=FAILED_TTL, description=f"engine job {job_id}")
            for job_id in job_ids])

    def requeue(self, limit: int = 500) -> int:
        """Queue the due pending jobs that Redis does not hold (queued or being started)."""
        job_ids = self.engine.jobs.due(limit, grace=GRACE)
        held = RqJob.fetch_many(job_ids, connection=self.queue.connection) if job_ids else []
        lost = [job_id for job_id, job in zip(job_ids, held) if not self._held(job)]
        if lost:
            log.info("re-queueing %d job(s) Redis lost: %s", len(lost), lost[:10])
            self.enqueue(lost)
        return len(lost)

    def _held(self, job: RqJob | None) -> bool:
        """Queued, or just taken by a worker that has yet to claim it, and for less than a
        lease: an older entry belongs to a dead worker or a queue that lost it."""
        if job is None or job.get_status(refresh=False) not in (JobStatus.QUEUED, JobStatus.STARTED):
            return False
        since = job.started_at if job.get_status(refresh=False) == JobStatus.STARTED else job.enqueued_at
        return since is not None and rq_now() - since < timedelta(seconds=self.engine.jobs.lease_seconds)
