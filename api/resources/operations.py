"""Jobs and timers, for admins: what waits, what failed, and retrying incidents."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import principal, require
from api.resources import engine
from api.schemas import CancelArgs, ErrorResponse, Job, JobQuery, Timer, TimerQuery
from application.access import OPERATORS
from engine import OPEN_JOBS, JobState

blp = Blueprint("operations", __name__, url_prefix="/api", description="Jobs, incidents and timers (admins).")
OPEN = (*OPEN_JOBS, JobState.INCIDENT)  # "open": everything not settled


@blp.route("/jobs")
class Jobs(MethodView):
    @require(*OPERATORS)
    @blp.arguments(JobQuery, location="query")
    @blp.response(200, Job(many=True))
    def get(self, args):
        """Jobs by state: `open` (pending, running, incident), or one state; `failed` means incidents."""
        state = args["state"]
        states = OPEN if state == "open" else (JobState.INCIDENT,) if state == "failed" else (state,)
        return engine().job_list(states, args["limit"])


@blp.route("/jobs/<job_id>/retry")
class Retry(MethodView):
    @require(*OPERATORS)
    @blp.response(200, Job)
    @blp.alt_response(409, schema=ErrorResponse, description="the job is not an incident")
    def post(self, job_id):
        """Run a failed job (an incident) again, after its cause was fixed."""
        engine().jobs.retry_incident(job_id, actor=principal().username)
        return engine().job(job_id)


@blp.route("/jobs/<job_id>/cancel")
class Cancel(MethodView):
    @require(*OPERATORS)
    @blp.arguments(CancelArgs)
    @blp.response(200, Job)
    @blp.alt_response(409, schema=ErrorResponse, description="the job is not an incident")
    def post(self, args, job_id):
        """Give up on an incident: the task fails and the instance waits in status `error` for an admin."""
        engine().jobs.cancel_incident(job_id, actor=principal().username, reason=args.get("reason"))
        return engine().job(job_id)


@blp.route("/timers")
class Timers(MethodView):
    @require(*OPERATORS)
    @blp.arguments(TimerQuery, location="query")
    @blp.response(200, Timer(many=True))
    def get(self, args):
        """Waiting timers, soonest first."""
        return engine().waiting_timers(args["limit"])
