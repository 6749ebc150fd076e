"""Who may do what: the role rules every entrypoint (API, pages) applies the same way.

Only a candidate of a task may claim or complete it: a named candidate user, or a holder of
a candidate group (the diagram's, else the lane's role) or of a role the model lets act on
that task too; decision makers, coordinators and managers act only for the administrations
they hold their role for — for the task's scope where it has one (each paying
administration's share of a money decision), else the initiative's administration (where an
administration has no manager, its decision makers take the manager's tasks); an idea owner
only on initiatives they own; coordinators reassign and release tasks, see and abort
initiatives of their own administrations, admins everywhere. A refusal is an ``AccessDenied``;
the entrypoint answers 403 and writes it to the audit log with ``audit_refusal``.
"""
from __future__ import annotations

from application import accounts, decisions, portfolio
from application.accounts import Principal
from engine import Conflict, HumanTask, InvalidData, NotFound, Problem
from innovation.model import ALSO_ACTING, LANE_ROLES, OWNER_ASSIGNMENT, SCOPED_ROLES, STAND_INS, Role

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
PUBLISHERS = (Role.COORDINATOR, Role.ADMIN)  # review and publish the public record (coordinators: in their scope)
TERM_EDITORS = (Role.ADMIN,)  # the public database's vocabularies
OWNERS = (Role.IDEA_OWNER,)  # Mina initiativ: one's own initiatives
DECIDERS = (Role.DECISION_MAKER, Role.MANAGER)  # their administration's decisions and budget
PIPELINE_READERS = (Role.COORDINATOR, Role.ADMIN)  # the pipeline of their administrations (admins: all)
DUE_SETTERS = (Role.PROCESS_OWNER, Role.ADMIN)  # default due dates of user tasks


class AccessDenied(Exception):
    """The caller's roles do not allow the action; ``reason`` says why in an English sentence,
    ``reason_code`` and ``params`` name it for a page that says it in the reader's language."""

    def __init__(self, reason: str, instance_id: str | None = None, *, reason_code: str | None = None,
                 params: dict | None = None):
        super().__init__(reason)
        self.reason = reason
        self.instance_id = instance_id
        self.reason_code = reason_code
        self.params = dict(params or {})


def demand(principal: Principal, roles, action: str) -> None:
    """Refuse ``action`` unless the caller holds one of ``roles``."""
    if not principal.has(*roles):
        raise AccessDenied(f"{action} needs the role {' or '.join(roles)}", reason_code="role_needed",
                           params={"action": action, "roles": list(roles)})


def audit_refusal(engine, principal: Principal, denial: AccessDenied, *, method: str, path: str) -> None:
    engine.record(actor=principal.username, action="access_denied", instance_id=denial.instance_id,
                  details={"method": method, "path": path, "reason": denial.reason})


def instance_scope(principal: Principal, *, reading: bool = True) -> frozenset[str] | None:
    """The administrations whose initiatives the caller may see (or operate on); None for all.

    Admins see and operate on every initiative and process owners see every one; a
    coordinator sees and operates on those of the administrations they coordinate.
    """
    if principal.has(Role.ADMIN) or (reading and principal.has(Role.PROCESS_OWNER)):
        return None
    return principal.administrations_for(Role.COORDINATOR)


def covers(held, administration: str | None) -> bool:
    """Whether a role held for the administrations ``held`` reaches work of ``administration``;
    work of no administration (a process other than the innovation model) is every holder's.
    accounts.holders and the inbox query apply the same rule in SQL."""
    return administration is None or administration in held


def authorize_instance(session, principal: Principal, instance_id: str, action: str, *,
                       reading: bool = False) -> None:
    """Refuse ``action`` on an initiative outside the caller's administrations."""
    scope = instance_scope(principal, reading=reading)
    if scope is None:
        return
    administration = portfolio.administration_of(session, instance_id)
    if not covers(scope, administration):
        raise AccessDenied(f"{action}: the initiative belongs to {administration or 'no administration'}; you "
                           f"coordinate {', '.join(sorted(scope)) or 'no administration'}", instance_id,
                           reason_code="outside_administrations",
                           params={"action": action, "administration": administration or "–",
                                   "held": ", ".join(sorted(scope)) or "–"})


def candidates(task) -> tuple[list[str], list[str], str]:
    """(groups, users, where they come from) that may act on a task: what the diagram names
    (its candidate groups and users, or its lane's), else the lane's role in ``LANE_ROLES``
    (diagrams whose lanes do not yet carry their roles)."""
    groups, users = HumanTask.names(task.candidate_groups), HumanTask.names(task.candidate_users)
    if groups is None and users is None:
        role = LANE_ROLES.get(task.lane)
        return ([role] if role else []), [], f"lane {task.lane}"
    return groups or [], users or [], "the diagram"


def _denial(task, reason: str, *, code: str, **params) -> AccessDenied:
    """A refusal to act on ``task`` (its element is the ``task`` parameter)."""
    return AccessDenied(reason, task.instance_id, reason_code=code, params={"task": task.element_id, **params})


def _refusal(session, person: Principal, task, administration: str | None, owner: str | None,
             assignee: str | None = None) -> AccessDenied | None:
    """Why ``person`` may not act on ``task``, or None when they may.

    The task's candidates say who: a named candidate user, or a holder of a candidate group
    (the diagram's, else the lane's role); a scoped role acts only for ``administration``; the
    idea owner's role belongs to the initiative's owner (who submitted it, or the internal
    owner a coordinator assigned to a resident's idea); where an administration has no
    manager, its decision makers stand in for the manager.
    """
    for also in ALSO_ACTING.get(task.element_id, ()):  # a role the model lets act on this task beside the lane's
        if person.has(also) and (also not in SCOPED_ROLES or administration in person.administrations_for(also)):
            return None
    groups, users, source = candidates(task)
    if person.username in users:
        return None
    if not groups:
        if users:
            return _denial(task, f"{person.username} is not {' or '.join(users)}, who act on task "
                           f"{task.element_id} ({source})", code="not_candidate", user=person.username,
                           candidates=", ".join(users))
        if not person.has(*TASK_MANAGERS):
            return _denial(task, f"task {task.element_id} has no lane role; only coordinators and admins may act on it",
                           code="no_lane_role")
        if not person.has(Role.ADMIN) and administration not in person.administrations_for(Role.COORDINATOR):
            return _denial(task, f"task {task.element_id} belongs to {administration}, which {person.username} does "
                           "not coordinate", code="task_outside_administrations", administration=administration,
                           user=person.username)
        return None
    if not any(person.has(role) or person.has(STAND_INS.get(role, role)) for role in groups):
        named = " nor ".join(part for part in (f"a {' or '.join(groups)}", " or ".join(users)) if part)
        return _denial(task, f"{person.username} is not {named}, who act on task {task.element_id} ({source})",
                       code="not_in_roles", user=person.username, roles=list(groups))
    refusals = [_role_refusal(session, person, role, task, source, administration, owner, assignee)
                for role in groups]
    return None if None in refusals else refusals[0]


def _role_refusal(session, person: Principal, role: str, task, source: str, administration: str | None,
                  owner: str | None, assignee: str | None) -> AccessDenied | None:
    """Why ``person`` may not act on ``task`` through the candidate group ``role``."""
    element_id = task.element_id
    not_in_role = f"{person.username} is not a {role}, who act on task {element_id} ({source})"
    if role == Role.IDEA_OWNER:
        if not person.has(role):
            return _denial(task, not_in_role, code="not_in_roles", user=person.username, roles=[role])
        if person.username not in (owner, assignee):
            return _denial(task, f"task {element_id} belongs to the initiative's idea owner ({owner})",
                           code="not_owner", owner=owner or "–")
        return None
    if role not in SCOPED_ROLES:
        return None if person.has(role) else _denial(task, not_in_role, code="not_in_roles", user=person.username,
                                                     roles=[role])
    if person.has(role) and covers(person.administrations_for(role), administration):
        return None
    stand_in = STAND_INS.get(role)
    if stand_in and administration in person.administrations_for(stand_in):
        if administration not in accounts.administrations_with(session, role):
            return None
        return _denial(task, f"task {element_id} is for the {role} of {administration}; {administration} has one, "
                       f"so its {stand_in}s do not stand in", code="no_stand_in", role=role,
                       administration=administration, stand_in=stand_in)
    if not person.has(role) and not (stand_in and person.has(stand_in)):
        return _denial(task, not_in_role, code="not_in_roles", user=person.username, roles=[role])
    held = sorted(person.administrations_for(role) | (person.administrations_for(stand_in) if stand_in else set()))
    return _denial(task, f"task {element_id} belongs to {administration}; {person.username} acts as {role} for "
                   f"{', '.join(held) or 'no administration'}", code="role_outside_administration",
                   administration=administration or "–", user=person.username, role=role,
                   held=", ".join(held) or "–")


def authorize_task(session, principal: Principal, task_id: str) -> dict:
    """The task, if the caller may work on it; otherwise AccessDenied."""
    found = portfolio.task_context(session, task_id)
    if found is None:
        raise NotFound(f"task {task_id} does not exist", reason_code="task_not_found", params={"task": task_id})
    task, owner, administration, _ = found
    denial = _refusal(session, principal, task, task.scope or administration, owner, task.assignee)
    if denial:
        raise denial
    return {"id": task.id, "assignee": task.assignee, "element_id": task.element_id,
            "instance_id": task.instance_id, "scope": task.scope}


def people_for_task(session, task, administration: str | None, owner: str | None) -> list[str]:
    """Everyone who may act on an unclaimed task by the rules of ``_refusal`` (for notifications)."""
    groups, users, _ = candidates(task)
    people = dict.fromkeys(users)
    for role in ALSO_ACTING.get(task.element_id, ()):
        people.update(dict.fromkeys(accounts.holders(session, role, administration)))
    for role in groups:
        if role == Role.IDEA_OWNER:
            people.update(dict.fromkeys(accounts.holders(session, role, among=[owner]) if owner else []))
            continue
        found = accounts.holders(session, role, administration)
        stand_in = STAND_INS.get(role)
        if not found and stand_in:
            found = accounts.holders(session, stand_in, administration)
        people.update(dict.fromkeys(found))
    return list(people)


def authorize_completion(session, principal: Principal, task_id: str) -> dict:
    """As ``authorize_task``, and the task must not be claimed by someone else."""
    task = authorize_task(session, principal, task_id)
    if task["assignee"] not in (None, principal.username):
        raise Conflict(f"task {task['element_id']} is claimed by {task['assignee']}", reason_code="task_claimed",
                       params={"task": task["element_id"], "assignee": task["assignee"]})
    return task


def claim_task(engine, session, principal: Principal, task_id: str) -> dict:
    authorize_task(session, principal, task_id)
    return engine.assign_task(task_id, principal.username, actor=principal.username, only_if_unassigned=True)


def release_task(engine, session, principal: Principal, task_id: str) -> dict:
    """Give a task back to its lane: its holder may, and managers may for anyone in their scope."""
    if principal.has(*TASK_MANAGERS):
        _authorize_manager(session, principal, task_id, "releasing a task")
    else:
        task = authorize_task(session, principal, task_id)
        if task["assignee"] != principal.username:
            raise AccessDenied(f"task {task['element_id']} is held by {task['assignee']}", task["instance_id"],
                               reason_code="task_held",
                               params={"task": task["element_id"], "assignee": task["assignee"]})
    return engine.assign_task(task_id, None, actor=principal.username)


def _authorize_manager(session, manager: Principal, task_id: str, action: str):
    """The task's context, if ``manager`` (a coordinator or admin) may reassign it."""
    found = portfolio.task_context(session, task_id)
    if found is None:
        raise NotFound(f"task {task_id} does not exist", reason_code="task_not_found", params={"task": task_id})
    authorize_instance(session, manager, found[0].instance_id, action)
    return found


def check_submission(session, element_id: str, data: dict) -> None:
    """What a form cannot check: the internal owner of a resident's idea is a user who may
    work the idea owner's tasks (422 on the field otherwise)."""
    if element_id != OWNER_ASSIGNMENT.task:
        return
    field = OWNER_ASSIGNMENT.field
    username = data.get(field)
    if not isinstance(username, str):
        return  # missing or not text: the form's schema says so
    person = accounts.principal_for(session, username)
    if person is None or not person.has(Role.IDEA_OWNER):
        reason = (f"{username!r} is not a user" if person is None else f"{username} does not hold the role "
                  f"{Role.IDEA_OWNER}") + ": the internal owner must be a user who may work as idea owner"
        code = "owner_not_user" if person is None else "owner_not_idea_owner"
        raise InvalidData(f"task {element_id} cannot be completed: {reason}",
                          [Problem(reason, field=f"/{field}", code=code, params={"user": username})])


def complete_task(engine, session, principal: Principal, task_id: str, data: dict,
                  expected_version: int | None = None) -> dict:
    """Complete a task the caller may act on, once its data keeps the task's own rules."""
    task = authorize_completion(session, principal, task_id)
    decisions.check(engine, task, data)
    check_submission(session, task["element_id"], data)
    return engine.complete_task(task_id, data, actor=principal.username, expected_version=expected_version,
                                located=(task["instance_id"], task["element_id"], task["scope"]))


def assign_task(engine, session, manager: Principal, task_id: str, assignee: str) -> dict:
    """A manager hands a task to someone who could take it: an existing user among its
    candidates (for a decision, in the initiative's administration). Otherwise 422 on ``assignee``."""
    demand(manager, TASK_MANAGERS, "assigning a task")
    task, owner, administration, _ = _authorize_manager(session, manager, task_id, "assigning a task")
    person = accounts.principal_for(session, assignee)
    if person is None:
        denial = AccessDenied(f"user {assignee!r} does not exist", reason_code="user_not_found",
                              params={"user": assignee})
    else:
        denial = _refusal(session, person, task, task.scope or administration, owner, assignee)
    if denial is None:
        return engine.assign_task(task_id, assignee, actor=manager.username)
    raise InvalidData(f"task {task.element_id} cannot be assigned: {denial.reason}",
                      [Problem(denial.reason, field="/assignee", code=denial.reason_code, params=denial.params)])


def abort_initiative(engine, session, principal: Principal, instance_id: str, category: str, reason: str,
                     expected_version: int | None = None) -> dict:
    """Abort an initiative: admins any, coordinators those of their own administrations."""
    demand(principal, ABORTERS, "aborting an initiative")
    authorize_instance(session, principal, instance_id, "aborting an initiative")
    return portfolio.abort_initiative(engine, principal, instance_id, category, reason, expected_version)


def reassess(engine, session, principal: Principal, instance_id: str, data: dict,
             expected_version: int | None = None) -> dict:
    """Assess the criteria again: coordinators of the initiative's administration (admins any)."""
    demand(principal, ASSESSORS, "assessing the criteria again")
    authorize_instance(session, principal, instance_id, "assessing the criteria again")
    return portfolio.reassess(engine, principal, instance_id, data, expected_version)
