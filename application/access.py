"""Who may do what: the role rules every entrypoint (API, pages) applies the same way.

Only a member of the lane's role (or of a role the model lets act on that task too) may
claim or complete a task; a decision maker acts only for their own administration — the
task's scope where it has one (each paying administration's share of a money decision),
else the initiative's; an idea owner only on initiatives they submitted; managers
(coordinators, admins) may reassign and release any task. A refusal is an ``AccessDenied``;
the entrypoint answers 403 and writes it to the audit log with ``audit_refusal``.
"""
from __future__ import annotations

from application import accounts, decisions, portfolio
from application.accounts import Principal
from engine import Conflict, InvalidData, NotFound, Problem
from innovation.model import ALSO_ACTING, LANE_ROLES, Role

# Who may use which group of operations.
INSTANCE_READERS = (Role.ADMIN, Role.COORDINATOR, Role.PROCESS_OWNER)
TASK_MANAGERS = (Role.COORDINATOR, Role.ADMIN)
MODEL_READERS = (Role.PROCESS_OWNER, Role.ADMIN)  # read deployed diagrams and their versions
DEPLOYERS = (Role.PROCESS_OWNER,)
STARTERS = (Role.IDEA_OWNER, Role.ADMIN)  # submit an initiative
ABORTERS = (Role.ADMIN, Role.COORDINATOR)
ASSESSORS = (Role.COORDINATOR,)  # assess the criteria again before beslut pengar (innovationsledare)
HOLD_READERS = (Role.ADMIN, Role.COORDINATOR, Role.PROCESS_OWNER, Role.DECISION_MAKER)  # initiatives on hold
OPERATORS = (Role.ADMIN,)  # suspend, resume, terminate, migrate, jobs, queues, stats


class AccessDenied(Exception):
    """The caller's roles do not allow the action; ``reason`` says why in a sentence."""

    def __init__(self, reason: str, instance_id: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.instance_id = instance_id


def demand(principal: Principal, roles, action: str) -> None:
    """Refuse ``action`` unless the caller holds one of ``roles``."""
    if not principal.has(*roles):
        raise AccessDenied(f"{action} needs the role {' or '.join(roles)}")


def audit_refusal(engine, principal: Principal, denial: AccessDenied, *, method: str, path: str) -> None:
    engine.record(actor=principal.username, action="access_denied", instance_id=denial.instance_id,
                  details={"method": method, "path": path, "reason": denial.reason})


def authorize_task(session, principal: Principal, task_id: str) -> dict:
    """The task, if the caller may work on it; otherwise AccessDenied."""
    found = portfolio.task_context(session, task_id)
    if found is None:
        raise NotFound(f"task {task_id} does not exist")
    task, started_by, administration, _ = found
    administration = task.scope or administration
    role = LANE_ROLES.get(task.lane)

    def deny(reason):
        raise AccessDenied(reason, task.instance_id)
    if principal.has(*ALSO_ACTING.get(task.element_id, ())):
        role = None  # the model lets this role act on the task beside the lane's
    elif role is None and not principal.has(*TASK_MANAGERS):
        deny(f"task {task.element_id} has no lane role; only coordinators and admins may act on it")
    if role is not None and not principal.has(role):
        deny(f"task {task.element_id} is in lane {task.lane}: only a {role} may act on it")
    if role == Role.DECISION_MAKER and administration not in principal.administrations:
        deny(f"task {task.element_id} belongs to {administration}; you decide for "
             f"{', '.join(sorted(principal.administrations)) or 'no administration'}")
    if role == Role.IDEA_OWNER and principal.username not in (started_by, task.assignee):
        deny(f"task {task.element_id} belongs to the idea owner who submitted the initiative")
    return {"id": task.id, "assignee": task.assignee, "element_id": task.element_id,
            "instance_id": task.instance_id, "scope": task.scope}


def authorize_completion(session, principal: Principal, task_id: str) -> dict:
    """As ``authorize_task``, and the task must not be claimed by someone else."""
    task = authorize_task(session, principal, task_id)
    if task["assignee"] not in (None, principal.username):
        raise Conflict(f"task {task['element_id']} is claimed by {task['assignee']}")
    return task


def claim_task(engine, session, principal: Principal, task_id: str) -> dict:
    authorize_task(session, principal, task_id)
    return engine.assign_task(task_id, principal.username, actor=principal.username, only_if_unassigned=True)


def release_task(engine, session, principal: Principal, task_id: str) -> dict:
    """Give a task back to its lane: its holder may, and managers may for anyone."""
    if not principal.has(*TASK_MANAGERS):
        task = authorize_task(session, principal, task_id)
        if task["assignee"] != principal.username:
            raise AccessDenied(f"task {task['element_id']} is held by {task['assignee']}", task["instance_id"])
    return engine.assign_task(task_id, None, actor=principal.username)


def complete_task(engine, session, principal: Principal, task_id: str, data: dict,
                  expected_version: int | None = None) -> dict:
    """Complete a task the caller may act on, once its data keeps the task's own rules."""
    task = authorize_completion(session, principal, task_id)
    decisions.check(engine, task, data)
    return engine.complete_task(task_id, data, actor=principal.username, expected_version=expected_version)


def assign_task(engine, session, manager: Principal, task_id: str, assignee: str) -> dict:
    """A manager hands a task to someone who could take it: an existing user holding the
    lane's role (for a decision, in the initiative's administration). Otherwise 422 on ``assignee``."""
    demand(manager, TASK_MANAGERS, "assigning a task")
    found = portfolio.task_context(session, task_id)
    if found is None:
        raise NotFound(f"task {task_id} does not exist")
    task, _, administration, _ = found
    administration = task.scope or administration
    role = LANE_ROLES.get(task.lane)
    person = accounts.principal_for(session, assignee)
    if person is None:
        reason = f"user {assignee!r} does not exist"
    elif role is None and not person.has(*TASK_MANAGERS):
        reason = f"{assignee} is not a coordinator or admin, who act on task {task.element_id} (no lane role)"
    elif role is not None and not person.has(role):
        reason = f"{assignee} is not a {role}, the role of lane {task.lane}"
    elif role == Role.DECISION_MAKER and administration not in person.administrations:
        reason = f"{assignee} does not decide for {administration}, the administration the task is for"
    else:
        return engine.assign_task(task_id, assignee, actor=manager.username)
    raise InvalidData(f"task {task.element_id} cannot be assigned: {reason}", [Problem(reason, field="/assignee")])
