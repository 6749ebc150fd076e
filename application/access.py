"""Who may do what: the role rules every entrypoint (API, pages) applies the same way.

Only a candidate of a task may claim or complete it: a named candidate user, or a member of
a candidate group (the diagram's, else the lane's role); a decision maker acts only for
their own administration; an idea owner only on initiatives they submitted; managers
(coordinators, admins) may reassign and release any task. A refusal is an ``AccessDenied``;
the entrypoint answers 403 and writes it to the audit log with ``audit_refusal``.
"""
from __future__ import annotations

from application import accounts, portfolio
from application.accounts import Principal
from engine import Conflict, HumanTask, InvalidData, NotFound, Problem
from innovation.model import LANE_ROLES, Role

# Who may use which group of operations.
INSTANCE_READERS = (Role.ADMIN, Role.COORDINATOR, Role.PROCESS_OWNER)
TASK_MANAGERS = (Role.COORDINATOR, Role.ADMIN)
MODEL_READERS = (Role.PROCESS_OWNER, Role.ADMIN)  # read deployed diagrams and their versions
DEPLOYERS = (Role.PROCESS_OWNER,)
STARTERS = (Role.IDEA_OWNER, Role.ADMIN)  # submit an initiative
ABORTERS = (Role.ADMIN, Role.COORDINATOR)
ASSESSORS = (Role.COORDINATOR,)  # assess the criteria again before beslut pengar (innovationsledare)
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


def candidates(task) -> tuple[list[str], list[str], str]:
    """(groups, users, where they come from) that may act on a task: what the diagram names
    (its candidate groups and users, or its lane's), else the lane's role in ``LANE_ROLES``
    (diagrams whose lanes do not yet carry their roles)."""
    groups, users = HumanTask.names(task.candidate_groups), HumanTask.names(task.candidate_users)
    if groups is None and users is None:
        role = LANE_ROLES.get(task.lane)
        return ([role] if role else []), [], f"lane {task.lane}"
    return groups or [], users or [], "the diagram"


def role_refusal(person: Principal, role: str, started_by: str | None, administration: str | None,
                 task, handed: bool = False) -> str | None:
    """Why ``person``, who holds ``role``, may still not act through it on ``task`` (None: they
    may). A manager may hand an idea owner's task to another idea owner (``handed``)."""
    if role == Role.DECISION_MAKER and administration not in person.administrations:
        return (f"task {task.element_id} belongs to {administration}; {person.username} does not decide for "
                f"{administration} (decides for {', '.join(sorted(person.administrations)) or 'none'})")
    if role == Role.IDEA_OWNER and not handed and person.username not in (started_by, task.assignee):
        return f"task {task.element_id} belongs to the idea owner who submitted the initiative"
    return None


def candidate_refusal(person: Principal, task, started_by, administration, handed: bool = False) -> str | None:
    """Why ``person`` may not act on ``task`` by its candidates (None: they may)."""
    groups, users, source = candidates(task)
    if person.username in users:
        return None
    if not groups and not users:
        return None if person.has(*TASK_MANAGERS) else (
            f"task {task.element_id} has no lane role; only coordinators and admins may act on it")
    held = [group for group in groups if person.has(group)]
    if not held:
        named = " nor ".join(part for part in (
            f"a {' or '.join(groups)}" if groups else "", " or ".join(users)) if part)
        return f"{person.username} is not {named}, who act on task {task.element_id} ({source})"
    refusals = [role_refusal(person, group, started_by, administration, task, handed) for group in held]
    return None if None in refusals else refusals[0]


def authorize_task(session, principal: Principal, task_id: str) -> dict:
    """The task, if the caller may work on it; otherwise AccessDenied."""
    found = portfolio.task_context(session, task_id)
    if found is None:
        raise NotFound(f"task {task_id} does not exist")
    task, started_by, administration, _ = found
    reason = candidate_refusal(principal, task, started_by, administration)
    if reason:
        raise AccessDenied(reason, task.instance_id)
    return {"id": task.id, "assignee": task.assignee, "element_id": task.element_id,
            "instance_id": task.instance_id}


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
    authorize_completion(session, principal, task_id)
    return engine.complete_task(task_id, data, actor=principal.username, expected_version=expected_version)


def assign_task(engine, session, manager: Principal, task_id: str, assignee: str) -> dict:
    """A manager hands a task to someone who could take it: an existing user among its
    candidates (for a decision, in the initiative's administration). Otherwise 422 on ``assignee``."""
    demand(manager, TASK_MANAGERS, "assigning a task")
    found = portfolio.task_context(session, task_id)
    if found is None:
        raise NotFound(f"task {task_id} does not exist")
    task, started_by, administration, _ = found
    person = accounts.principal_for(session, assignee)
    reason = f"user {assignee!r} does not exist" if person is None else \
        candidate_refusal(person, task, started_by, administration, handed=True)
    if reason is None:
        return engine.assign_task(task_id, assignee, actor=manager.username)
    raise InvalidData(f"task {task.element_id} cannot be assigned: {reason}", [Problem(reason, field="/assignee")])
