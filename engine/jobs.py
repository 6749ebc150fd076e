"""Service-task jobs: handing them out, running them, and applying their results.

A job is claimed (``pending`` -> ``running``) under SKIP LOCKED, so two workers never run
the same attempt. Each claim counts an attempt, and while a job runs its ``run_after``
is its lease: the moment a sweeper may take the worker for dead and fail that attempt
(``expire_leases``), which retries or opens an incident like any other failure.

A result is applied under the instance lock and only if its attempt is still the one
the task waits for: a result for a job that was completed, cancelled (its task was
interrupted by a boundary event) or superseded by a later attempt is logged and
dropped, so no result ever enters a workflow twice.
"""
from __future__ import annotations

import logging
import traceback
from datetime import datetime, timedelta

from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.spiff.specs.event_definitions import ErrorEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, or_, select, update

from engine import clock
from engine.errors import Conflict, NotFound
from engine.operations import BpmnError, JobSuperseded, OperationContext
from engine.projections import backoff
from engine.runtime import to_json_safe
from engine.states import OPEN_JOBS, InstanceStatus, JobState
from engine.tables import Job, ProcessInstance
from engine.views import job_view
from engine.workflow import find_task

log = logging.getLogger(__name__)


class Jobs:
    lease_seconds = 300.0  # how long a claimed attempt may run before it counts as lost

    def __init__(self, runtime, operations):
        self.runtime = runtime
        self.operations = operations
        self._seconds_per_job: float | None = None  # how long a job took lately, run to applied

    def claim(self, worker: str, limit: int = 10, job_ids=None, lease_seconds: float | None = None) -> list[dict]:
        """Mark due pending jobs as running for ``worker`` (SKIP LOCKED lets workers share)."""
        lease = timedelta(seconds=lease_seconds or self.lease_seconds)
        with self.runtime.time(), self.runtime.db.unit_of_work(write=True) as uow:
            now = clock.now()
            query = select(Job, ProcessInstance.business_key) \
                .join(ProcessInstance, ProcessInstance.id == Job.instance_id) \
                .where(Job.state == JobState.PENDING, Job.run_after <= now)
            if job_ids is not None:
                query = query.where(Job.id.in_(job_ids))
            query = query.order_by(Job.run_after).limit(limit).with_for_update(skip_locked=True, of=Job)
            claimed = []
            for job, business_key in uow.session.execute(query):
                job.state, job.attempts, job.claimed_by = JobState.RUNNING, job.attempts + 1, worker
                job.updated_at, job.run_after = now, now + lease
                claimed.append({**job_view(job), "business_key": business_key})
            uow.commit()
            return claimed

    def execute(self, job: dict):
        """Run the operation outside any transaction; returns ('ok', result) or a failure."""
        context = OperationContext(job_id=job["id"], instance_id=job["instance_id"],
                                   business_key=job.get("business_key"), element_id=job["element_id"],
                                   attempt=job["attempts"], now=self.runtime.clock.now(),
                                   hold=lambda session: self.hold(session, job["id"], job["attempts"]))
        try:
            result = self.operations.get(job["operation"])(dict(job["input"]), context)
            return "ok", to_json_safe(result if result is not None else {})
        except BpmnError as exc:
            return "bpmn_error", {"code": exc.code, "message": exc.message}
        except Exception as exc:  # an operation's failure (or its timeout) becomes a retry or an incident
            log.warning("job %s (%s) failed: %s", job["id"], job["operation"], exc)
            return "failed", {"message": f"{type(exc).__name__}: {exc}",
                              "trace": traceback.format_exc(limit=5)}

    @staticmethod
    def hold(session, job_id: str, attempt: int) -> None:
        """Lock the job's row in the caller's transaction; JobSuperseded unless ``attempt``
        still runs (see OperationContext)."""
        found = session.execute(select(Job.state, Job.attempts).where(Job.id == job_id).with_for_update()).first()
        if found is None or (found.state, found.attempts) != (JobState.RUNNING, attempt):
            where = f"{found.state} at attempt {found.attempts}" if found else "gone"
            raise JobSuperseded(f"job {job_id} attempt {attempt} no longer runs (the job is {where}); "
                                "nothing was written")

    def _apply(self, job_id: str, instance_id: str, element_id: str, outcome: str, payload: dict, actor: str,
               attempt: int):
        """Hand a job's outcome to its instance: complete the task, throw the error, or retry.

        ``attempt`` names the claim the outcome belongs to; an outcome for any other
        attempt than the one running now is ignored.
        """
        def change(session, row, workflow):
            job = session.get(Job, job_id, populate_existing=True)
            task = find_task(workflow, job.task_id)
            current = job.state == JobState.RUNNING and attempt == job.attempts
            if not current or task is None or task.state != TaskState.STARTED:
                log.info("ignoring %s result of job %s attempt %s: job is %s at attempt %s",
                         outcome, job_id, attempt, job.state, job.attempts)
                return {"ignored": True, "job_id": job_id, "job_state": job.state, "outcome": outcome,
                        "attempt": attempt, "current_attempt": job.attempts}
            if outcome == "ok":
                task.data[task.task_spec.result_variable] = payload
                task.complete()
                self._finish(job, JobState.COMPLETED, payload)
            elif outcome == "bpmn_error" and self._throw(workflow, task, payload):
                self._finish(job, JobState.COMPLETED, {"bpmn_error": payload["code"]})
            else:
                message = payload.get("message", "") if outcome == "failed" else \
                    f"BPMN error {payload['code']!r} is not caught by the diagram: {payload.get('message', '')}"
                return self._failed(job, message)
            return {"job_id": job_id, "operation": job.operation, "outcome": outcome, "attempt": job.attempts}

        # Any status: a result arriving after the instance ended is recorded as ignored.
        return self.runtime.mutate(instance_id, actor=actor, action=f"job_{outcome}", change=change,
                                   statuses=None, element_id=element_id)

    def run(self, job: dict, worker: str) -> None:
        """Execute a claimed job and apply its outcome to that same attempt."""
        self.settle(job, *self.execute(job), actor=worker)

    def run_pending(self, worker: str = "in-process", limit: int = 50) -> int:
        """Run due jobs here, batch after batch, until none is left.

        A batch is as large as can run in half a lease at the pace jobs ran lately, and
        once half its lease is gone the jobs not yet started are given back: a claimed job
        that waits behind slow ones must not have its lease run out and be charged an
        attempt it never ran. One job failing never stops the others.
        """
        done = 0
        while True:
            half_lease = self.lease_seconds / 2
            fits = int(half_lease / self._seconds_per_job) if self._seconds_per_job else limit
            batch = self.claim(worker, max(1, min(limit, fits)))
            if not batch:
                return done
            deadline = self.runtime.clock.now() + timedelta(seconds=half_lease)
            for index, job in enumerate(batch):
                if self.runtime.clock.now() >= deadline:
                    self.give_back(batch[index:], worker)
                    break
                began = self.runtime.clock.now()
                try:
                    self.run(job, worker)
                except Exception:  # e.g. the database went away; the lease brings the job back
                    log.exception("job %s (%s) could not be settled; going on with the batch", job["id"],
                                  job["operation"])
                took = (self.runtime.clock.now() - began).total_seconds()
                self._seconds_per_job = took if self._seconds_per_job is None else \
                    0.8 * self._seconds_per_job + 0.2 * took
                done += 1

    def give_back(self, jobs: list[dict], worker: str) -> None:
        """Return claimed attempts that never started to ``pending``, uncounted, to run next."""
        with self.runtime.time(), self.runtime.db.unit_of_work(write=True) as uow:
            now = clock.now()
            for job in jobs:
                uow.session.execute(update(Job).where(
                    Job.id == job["id"], Job.state == JobState.RUNNING, Job.attempts == job["attempts"],
                    Job.claimed_by == worker).values(state=JobState.PENDING, attempts=Job.attempts - 1, run_after=now,
                                                     updated_at=now))
            uow.commit()

    def expire_leases(self, actor: str = "sweeper", limit: int = 100) -> int:
        """Fail the attempts whose worker let the lease run out (it died, hung or lost the
        database); each then retries after its backoff or becomes an incident."""
        with self.runtime.time(), self.runtime.db.unit_of_work() as uow:
            lost = uow.session.execute(
                select(Job.id, Job.instance_id, Job.element_id, Job.attempts, Job.claimed_by, Job.run_after)
                .where(Job.state == JobState.RUNNING, Job.run_after < clock.now()).order_by(Job.run_after).limit(limit)
            ).mappings().all()
        for job in lost:
            message = f"lease expired: {job['claimed_by']} did not report attempt {job['attempts']} " \
                      f"by {job['run_after'].isoformat()}"
            try:
                self.settle(job, "failed", {"message": message}, actor=actor)
            except Exception:  # the next sweep tries it again; the other lost jobs go on now
                log.exception("could not settle the lost attempt of job %s", job["id"])
        return len(lost)

    def due(self, limit: int = 500, grace: float = 0.0) -> list[str]:
        """Ids of pending jobs that may run now, oldest first.

        With ``grace``, a job made pending less than that many seconds ago to run at once
        is left out: whoever committed it is handing it out right now. A retry that waited
        out its backoff has nobody handing it out, so it is never left out.
        """
        with self.runtime.time(), self.runtime.db.unit_of_work() as uow:
            now = clock.now()
            settled = or_(Job.updated_at <= now - timedelta(seconds=grace), Job.run_after > Job.updated_at)
            due = select(Job.id).where(Job.state == JobState.PENDING, Job.run_after <= now, settled)
            return list(uow.session.scalars(due.order_by(Job.run_after).limit(limit)))

    def next_due(self) -> datetime | None:
        """The next moment job work falls due: a retry's backoff ends or a lease runs out."""
        with self.runtime.time(), self.runtime.db.unit_of_work() as uow:
            return uow.session.scalar(select(func.min(Job.run_after)).where(
                Job.state.in_(OPEN_JOBS), Job.run_after > clock.now()))

    def retry_incident(self, job_id: str, actor: str):
        """Run an incident's job again with a fresh set of attempts (attempts keep counting,
        so a straggling result of an old attempt can never pass for a new one)."""
        def change(session, row, workflow):
            job = self._incident(session, job_id)
            spec = find_task(workflow, job.task_id).task_spec
            policy = self.operations.retry_policy(job.operation, spec.retries, spec.retry_backoff_base)
            job.state, job.max_attempts = JobState.PENDING, job.attempts + policy.attempts
            job.run_after, job.updated_at = clock.now(), clock.now()
            return {"job_id": job_id, "max_attempts": job.max_attempts}
        instance_id, element_id = self._locate(job_id)
        event = self.runtime.mutate(instance_id, actor=actor, action="incident_retried", change=change,
                                    element_id=element_id)
        self.runtime.jobs_committed([job_id])
        return event

    def cancel_incident(self, job_id: str, actor: str, reason: str | None = None):
        """Give up on an incident: its call is never made again.

        The job is cancelled, its service task marked ERROR and the instance parked in
        status ``error``, since the process cannot go on past a call that never answered.
        An admin then terminates the instance, or resumes it when an event on the task
        (a boundary timer, a message) should take over.
        """
        def change(session, row, workflow):
            job = self._incident(session, job_id)
            find_task(workflow, job.task_id).error()
            job.state, job.updated_at = JobState.CANCELLED, clock.now()
            job.result = {"cancelled_by": actor, "reason": reason}
            row.status = InstanceStatus.ERROR
            return {"job_id": job_id, "reason": reason, "last_error": job.last_error}
        instance_id, element_id = self._locate(job_id)
        return self.runtime.mutate(instance_id, actor=actor, action="incident_cancelled", change=change,
                                   element_id=element_id)

    def settle(self, job, outcome: str, payload: dict, actor: str) -> None:
        """Apply an attempt's outcome; if the diagram then fails, park the instance instead
        and make the job an incident."""
        self.runtime.contain(job["instance_id"], lambda: self._apply(
            job["id"], job["instance_id"], job["element_id"], outcome, payload, actor, job["attempts"]),
            actor=actor, action="job", job=job)

    @staticmethod
    def _incident(session, job_id: str) -> Job:
        job = session.get(Job, job_id, populate_existing=True)
        if job.state != JobState.INCIDENT:
            raise Conflict(f"job {job_id} is {job.state}, not an incident", reason_code="job_not_incident",
                           params={"job": job_id})
        return job

    @staticmethod
    def _finish(job: Job, state: str, result: dict) -> None:
        job.state, job.result, job.updated_at, job.last_error = state, result, clock.now(), None

    @staticmethod
    def _failed(job: Job, message: str) -> dict:
        now = clock.now()
        job.error_history = [*job.error_history, {"attempt": job.attempts, "at": now.isoformat(),
                                                  "error": message[:2000]}]
        job.last_error, job.updated_at = message[:2000], now
        if job.attempts < job.max_attempts:
            job.state, job.run_after = JobState.PENDING, backoff(job, now)
            return {"job_id": job.id, "attempt": job.attempts, "retry_at": job.run_after.isoformat(),
                    "error": message[:500]}
        job.state = JobState.INCIDENT
        return {"job_id": job.id, "attempt": job.attempts, "incident": True, "error": message[:500]}

    @staticmethod
    def _throw(workflow, task, payload) -> bool:
        """Throw a BPMN error from the task; False if nothing in the diagram catches it."""
        definition = ErrorEventDefinition(payload["code"], code=payload["code"])
        event = BpmnEvent(definition, payload={"code": payload["code"], "message": payload.get("message")},
                          target=task.workflow)
        catchers = [t for t in workflow.get_tasks(state=TaskState.WAITING)
                    if t.task_spec.catches(t, event)]
        if not catchers:
            return False
        workflow.catch(event)
        return True

    def _locate(self, job_id: str) -> tuple[str, str]:
        with self.runtime.db.unit_of_work() as uow:
            found = uow.session.execute(select(Job.instance_id, Job.element_id).where(Job.id == job_id)).first()
        if found is None:
            raise NotFound(f"job {job_id} does not exist", reason_code="job_not_found", params={"job": job_id})
        return found.instance_id, found.element_id
