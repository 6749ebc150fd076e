"""Service-task jobs: handing them out, running them, and applying their results.

A job's result is applied under the instance lock and only if the job is still the one
the task waits for: a result for a job that was completed, cancelled (its task was
interrupted by a boundary event) or handed to someone else meanwhile is logged and
dropped, so no result ever enters a workflow twice.
"""
from __future__ import annotations

import logging
import traceback

from sqlalchemy import select
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.spiff.specs.event_definitions import ErrorEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine import clock
from engine.errors import Conflict, NotFound, ProcessFailure
from engine.operations import BpmnError, OperationContext
from engine.projections import backoff
from engine.runtime import to_json_safe
from engine.tables import Job, ProcessInstance
from engine.workflow import find_task

log = logging.getLogger(__name__)


def describe(job: Job) -> dict:
    return {
        "id": job.id, "instance_id": job.instance_id, "task_id": job.task_id, "element_id": job.element_id,
        "operation": job.operation, "input": job.input, "state": job.state, "attempts": job.attempts,
        "max_attempts": job.max_attempts, "last_error": job.last_error, "error_history": job.error_history,
        "run_after": job.run_after.isoformat(), "claimed_by": job.claimed_by, "result": job.result,
    }


class Jobs:
    def __init__(self, runtime, operations):
        self.runtime = runtime
        self.operations = operations

    def claim(self, worker: str, limit: int = 10, job_ids=None) -> list[dict]:
        """Mark due pending jobs as running for ``worker`` (SKIP LOCKED lets workers share)."""
        with self.runtime.time(), self.runtime.db.unit_of_work(write=True) as uow:
            now = clock.now()
            query = select(Job).where(Job.state == "pending", Job.run_after <= now)
            if job_ids is not None:
                query = query.where(Job.id.in_(job_ids))
            query = query.order_by(Job.run_after).limit(limit).with_for_update(skip_locked=True)
            claimed = []
            for job in uow.session.scalars(query):
                job.state, job.attempts, job.claimed_by, job.updated_at = "running", job.attempts + 1, worker, now
                business_key = uow.session.scalar(
                    select(ProcessInstance.business_key).where(ProcessInstance.id == job.instance_id))
                claimed.append({**describe(job), "business_key": business_key})
            uow.commit()
            return claimed

    def execute(self, job: dict):
        """Run the operation outside any transaction; returns ('ok', result) or a failure."""
        context = OperationContext(job_id=job["id"], instance_id=job["instance_id"],
                                   business_key=job.get("business_key"), element_id=job["element_id"],
                                   attempt=job["attempts"], now=self.runtime.clock.now())
        try:
            result = self.operations.get(job["operation"])(dict(job["input"]), context)
            return "ok", to_json_safe(result if result is not None else {})
        except BpmnError as exc:
            return "bpmn_error", {"code": exc.code, "message": exc.message}
        except Exception as exc:  # an operation's failure becomes a retry or an incident
            log.warning("job %s (%s) failed: %s", job["id"], job["operation"], exc)
            return "failed", {"message": f"{type(exc).__name__}: {exc}",
                              "trace": traceback.format_exc(limit=5)}

    def apply(self, job_id: str, outcome: str, payload: dict, actor: str = "worker"):
        """Hand a job's outcome to its instance: complete the task, throw the error, or retry."""
        instance_id, element_id = self._locate(job_id)

        def change(session, row, workflow):
            job = session.get(Job, job_id, populate_existing=True)
            task = find_task(workflow, job.task_id)
            if job.state != "running" or task is None or task.state != TaskState.STARTED:
                log.info("ignoring %s result of job %s: job is %s", outcome, job_id, job.state)
                return {"ignored": True, "job_id": job_id, "job_state": job.state, "outcome": outcome}
            if outcome == "ok":
                task.data[task.task_spec.result_variable] = payload
                task.complete()
                self._finish(job, "completed", payload)
            elif outcome == "bpmn_error" and self._throw(workflow, task, payload):
                self._finish(job, "completed", {"bpmn_error": payload["code"]})
            else:
                message = payload.get("message", "") if outcome == "failed" else \
                    f"BPMN error {payload['code']!r} is not caught by the diagram: {payload.get('message', '')}"
                return self._failed(job, message)
            return {"job_id": job_id, "operation": job.operation, "outcome": outcome}

        # Any status: a result arriving after the instance ended is recorded as ignored.
        return self.runtime.mutate(instance_id, actor=actor, action=f"job_{outcome}", change=change,
                                   statuses=None, element_id=element_id)

    def run_pending(self, worker: str = "in-process", limit: int = 50) -> int:
        done = 0
        while True:
            batch = self.claim(worker, limit)
            if not batch:
                return done
            for job in batch:
                try:
                    self.apply(job["id"], *self.execute(job))
                except ProcessFailure as failure:
                    self.runtime.record_failure(job["instance_id"], actor=worker, action="job", failure=failure)
                done += 1

    def retry_incident(self, job_id: str, actor: str):
        def change(session, row, workflow):
            job = session.get(Job, job_id, populate_existing=True)
            if job.state != "incident":
                raise Conflict(f"job {job_id} is {job.state}, not an incident")
            job.state, job.attempts, job.run_after, job.updated_at = "pending", 0, clock.now(), clock.now()
            return {"job_id": job_id}
        instance_id, element_id = self._locate(job_id)
        return self.runtime.mutate(instance_id, actor=actor, action="incident_retried", change=change,
                                   element_id=element_id)

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
            job.state, job.run_after = "pending", backoff(job, now)
            return {"job_id": job.id, "retry_at": job.run_after.isoformat(), "error": message[:500]}
        job.state = "incident"
        return {"job_id": job.id, "incident": True, "error": message[:500]}

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
            raise NotFound(f"job {job_id} does not exist")
        return found.instance_id, found.element_id
