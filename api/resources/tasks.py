"""The caseworkers' inbox: find, claim, fill in and complete user tasks (rules in application.access)."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import principal, require
from api.resources import engine, reader
from api.schemas import (
    AssignArgs,
    BudgetContext,
    CompleteTask,
    ErrorResponse,
    InstanceDetail,
    Task,
    TaskForm,
    TaskQuery,
)
from application import access, decisions, portfolio
from engine import NotFound

blp = Blueprint("tasks", __name__, url_prefix="/api/tasks", description="The inbox of user tasks.")


@blp.route("")
class Inbox(MethodView):
    @blp.arguments(TaskQuery, location="query")
    @blp.response(200, Task(many=True))
    def get(self, args):
        """My tasks and my roles' unclaimed tasks, soonest due first (overdue ones flagged)."""
        return portfolio.inbox(reader(), principal(), now=engine().now(), **args)


@blp.route("/<task_id>/form")
class Form(MethodView):
    @blp.response(200, TaskForm)
    def get(self, task_id):
        """The task's JSON Schema and UI schema, filled with the instance's current values."""
        access.authorize_task(reader(), principal(), task_id)
        return engine().task_form(task_id)


@blp.route("/<task_id>/budget")
class Budget(MethodView):
    @blp.response(200, BudgetContext)
    @blp.alt_response(404, schema=ErrorResponse, description="no such task, or not a task of the money gate")
    def get(self, task_id):
        """For a money gate task: the administration's budget position for the year, the request,
        the budget check per administration, the decisions so far and a refused reservation's reason."""
        task = access.authorize_task(reader(), principal(), task_id)
        context = decisions.budget_context(engine(), reader(), task)
        if context is None:
            raise NotFound(f"task {task['element_id']} is not a task of the money gate")
        return context


@blp.route("/<task_id>/claim")
class Claim(MethodView):
    @blp.response(200, Task)
    @blp.alt_response(409, schema=ErrorResponse, description="someone else holds the task")
    def post(self, task_id):
        """Take the task: it leaves the others' inboxes."""
        return access.claim_task(engine(), reader(), principal(), task_id)


@blp.route("/<task_id>/unclaim")
class Unclaim(MethodView):
    @blp.response(200, Task)
    def post(self, task_id):
        """Give the task back to the lane (its holder, or a manager)."""
        return access.release_task(engine(), reader(), principal(), task_id)


@blp.route("/<task_id>/assign")
class Assign(MethodView):
    @require(*access.TASK_MANAGERS)
    @blp.arguments(AssignArgs)
    @blp.response(200, Task)
    @blp.alt_response(422, schema=ErrorResponse, description="no such user, or one without the lane's role")
    def post(self, args, task_id):
        """Reassign the task to a user who holds the lane's role (managers only)."""
        return access.assign_task(engine(), reader(), principal(), task_id, args["assignee"])


@blp.route("/<task_id>/complete")
class Complete(MethodView):
    @blp.arguments(CompleteTask)
    @blp.response(200, InstanceDetail)
    @blp.alt_response(422, schema=ErrorResponse, description="the data breaks the form; details name each field")
    @blp.alt_response(409, schema=ErrorResponse, description="already completed, stale version or held by another")
    def post(self, args, task_id):
        """Complete the task with its form data."""
        return access.complete_task(engine(), reader(), principal(), task_id, args["data"],
                                    expected_version=args.get("version"))
