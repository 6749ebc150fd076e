"""The caseworkers' inbox: find, claim, fill in and complete user tasks (rules in api/policy.py)."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api import queries
from api.auth import principal, require
from api.policy import MANAGERS, authorize_completion, authorize_task, release_task
from api.resources import engine, reader
from api.schemas import AssignArgs, CompleteTask, ErrorResponse, InstanceDetail, Task, TaskForm, TaskQuery

blp = Blueprint("tasks", __name__, url_prefix="/api/tasks", description="The inbox of user tasks.")


@blp.route("")
class Inbox(MethodView):
    @blp.arguments(TaskQuery, location="query")
    @blp.response(200, Task(many=True))
    def get(self, args):
        """My tasks and my roles' unclaimed tasks, soonest due first (overdue ones flagged)."""
        with engine().runtime.time():
            now = engine().clock.now()
        return queries.inbox(reader(), principal(), now=now, **args)


@blp.route("/<task_id>/form")
class Form(MethodView):
    @blp.response(200, TaskForm)
    def get(self, task_id):
        """The task's JSON Schema and UI schema, filled with the instance's current values."""
        authorize_task(task_id)
        return engine().task_form(task_id)


@blp.route("/<task_id>/claim")
class Claim(MethodView):
    @blp.response(200, Task)
    @blp.alt_response(409, schema=ErrorResponse, description="someone else holds the task")
    def post(self, task_id):
        """Take the task: it leaves the others' inboxes."""
        authorize_task(task_id)
        me = principal().username
        return engine().assign_task(task_id, me, actor=me, only_if_unassigned=True)


@blp.route("/<task_id>/unclaim")
class Unclaim(MethodView):
    @blp.response(200, Task)
    def post(self, task_id):
        """Give the task back to the lane (its holder, or a manager)."""
        return release_task(task_id)


@blp.route("/<task_id>/assign")
class Assign(MethodView):
    @require(*MANAGERS)
    @blp.arguments(AssignArgs)
    @blp.response(200, Task)
    def post(self, args, task_id):
        """Reassign the task to a user (managers only)."""
        return engine().assign_task(task_id, args["assignee"], actor=principal().username)


@blp.route("/<task_id>/complete")
class Complete(MethodView):
    @blp.arguments(CompleteTask)
    @blp.response(200, InstanceDetail)
    @blp.alt_response(422, schema=ErrorResponse, description="the data breaks the form; details name each field")
    @blp.alt_response(409, schema=ErrorResponse, description="already completed, stale version or held by another")
    def post(self, args, task_id):
        """Complete the task with its form data."""
        authorize_completion(task_id)
        return engine().complete_task(task_id, args["data"], actor=principal().username,
                                      expected_version=args.get("version"))
