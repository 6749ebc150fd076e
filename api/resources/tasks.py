"""The caseworkers' inbox: find, claim, fill in and complete user tasks.

Role rules: only a member of the lane's role may claim or complete a task; a decision
maker acts only for their own administration; an idea owner only on initiatives they
submitted; managers (coordinators, admins) may reassign.
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from api import queries
from api.auth import deny, principal, require
from api.resources import engine, reader
from api.schemas import AssignArgs, CompleteTask, ErrorResponse, InstanceDetail, Task, TaskForm, TaskQuery
from engine.errors import Conflict, NotFound
from innovation.roles import LANE_ROLES

blp = Blueprint("tasks", __name__, url_prefix="/api/tasks", description="The inbox of user tasks.")
MANAGERS = ("coordinator", "admin")


def _authorize(task_id: str) -> dict:
    """The task, if the caller may work on it; otherwise 403 (audited)."""
    found = queries.task_context(reader(), task_id)
    if found is None:
        raise NotFound(f"task {task_id} does not exist")
    task, started_by, administration, _ = found
    who, role = principal(), LANE_ROLES.get(task.lane)
    if role is None and not who.has(*MANAGERS):
        deny(f"task {task.element_id} has no lane role; only coordinators and admins may act on it", task.instance_id)
    if role is not None and not who.has(role):
        deny(f"task {task.element_id} is in lane {task.lane}: only a {role} may act on it", task.instance_id)
    if role == "decision_maker" and administration not in who.administrations:
        deny(f"task {task.element_id} belongs to {administration}; you decide for "
             f"{', '.join(sorted(who.administrations)) or 'no administration'}", task.instance_id)
    if role == "idea_owner" and who.username not in (started_by, task.assignee):
        deny(f"task {task.element_id} belongs to the idea owner who submitted the initiative", task.instance_id)
    return {"id": task.id, "assignee": task.assignee, "element_id": task.element_id,
            "instance_id": task.instance_id}


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
        _authorize(task_id)
        return engine().task_form(task_id)


@blp.route("/<task_id>/claim")
class Claim(MethodView):
    @blp.response(200, Task)
    @blp.alt_response(409, schema=ErrorResponse, description="someone else holds the task")
    def post(self, task_id):
        """Take the task: it leaves the others' inboxes."""
        _authorize(task_id)
        me = principal().username
        return engine().assign_task(task_id, me, actor=me, only_if_unassigned=True)


@blp.route("/<task_id>/unclaim")
class Unclaim(MethodView):
    @blp.response(200, Task)
    def post(self, task_id):
        """Give the task back to the lane (its holder, or a manager)."""
        if not principal().has(*MANAGERS):
            task = _authorize(task_id)
            if task["assignee"] != principal().username:
                deny(f"task {task['element_id']} is held by {task['assignee']}", task["instance_id"])
        return engine().assign_task(task_id, None, actor=principal().username)


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
        task = _authorize(task_id)
        if task["assignee"] not in (None, principal().username):
            raise Conflict(f"task {task['element_id']} is claimed by {task['assignee']}")
        return engine().complete_task(task_id, args["data"], actor=principal().username,
                                      expected_version=args.get("version"))
