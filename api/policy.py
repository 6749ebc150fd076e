"""Who may work on a task: the rules the API and the web pages share.

Only a member of the lane's role may claim or complete a task; a decision maker acts only
for their own administration; an idea owner only on initiatives they submitted; managers
(coordinators, admins) may reassign and release any task. Refusals are 403 and audited.
"""
from __future__ import annotations

from api import queries
from api.auth import deny, principal
from api.resources import engine, reader
from engine.errors import Conflict, NotFound
from innovation.roles import LANE_ROLES

MANAGERS = ("coordinator", "admin")


def authorize_task(task_id: str) -> dict:
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


def authorize_completion(task_id: str) -> dict:
    """As ``authorize_task``, and the task must not be claimed by someone else."""
    task = authorize_task(task_id)
    if task["assignee"] not in (None, principal().username):
        raise Conflict(f"task {task['element_id']} is claimed by {task['assignee']}")
    return task


def release_task(task_id: str) -> dict:
    """Give a task back to its lane: its holder may, and managers may for anyone."""
    if not principal().has(*MANAGERS):
        task = authorize_task(task_id)
        if task["assignee"] != principal().username:
            deny(f"task {task['element_id']} is held by {task['assignee']}", task["instance_id"])
    return engine().assign_task(task_id, None, actor=principal().username)
