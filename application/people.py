"""Admins manage the people who sign in with a password: create them, correct their name
and e-mail, grant and revoke roles, and reset a forgotten password.

A new user and a reset password get a one-time password that the admin hands over once
and the user must replace at the first sign-in; a reset also ends the user's sessions.
Roles are whole sets: the general roles, plus decision maker, coordinator and manager for
each administration chosen, so a scoped role without an administration cannot be expressed. Validation
problems carry the form field they belong to.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from application import accounts
from application.accounts import RoleGrant, User
from engine import Conflict, InvalidData, NotFound, Problem
from innovation.domain.administrations import ADMINISTRATIONS
from innovation.model import SCOPED_ROLES, Role

GENERAL_ROLES = tuple(role for role in accounts.ROLES if role not in SCOPED_ROLES)
#: The form field that lists, for each scoped role, the administrations it is held for.
SCOPED_FIELDS = {"decides_for": Role.DECISION_MAKER, "coordinates_for": Role.COORDINATOR,
                 "manages_for": Role.MANAGER}
ADMINISTRATION_CODES = tuple(a.code for a in ADMINISTRATIONS)
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,99}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


@dataclass(frozen=True)
class Roles:
    """The roles a user holds: general ones and, per scoped role, the administrations it is held for."""

    general: frozenset[str] = frozenset()
    decides_for: frozenset[str] = frozenset()
    coordinates_for: frozenset[str] = frozenset()
    manages_for: frozenset[str] = frozenset()

    @classmethod
    def of(cls, grants) -> Roles:
        """The roles of these role grants."""
        fields = {name: frozenset(g.administration for g in grants if g.role == role)
                  for name, role in SCOPED_FIELDS.items()}
        return cls(frozenset(g.role for g in grants if g.role not in SCOPED_ROLES), **fields)

    def grants(self) -> set[tuple[str, str | None]]:
        return {(role, None) for role in self.general} | {
            (role.value, a) for name, role in SCOPED_FIELDS.items() for a in getattr(self, name)}

    def problems(self) -> list[Problem]:
        problems = [Problem(f"unknown role {r!r}; roles are {', '.join(GENERAL_ROLES)}", field="roles")
                    for r in sorted(self.general - set(GENERAL_ROLES))]
        problems += [Problem(f"unknown administration {a!r}", field=name) for name in SCOPED_FIELDS
                     for a in sorted(getattr(self, name) - set(ADMINISTRATION_CODES))]
        return problems


def _details(display_name: str, email: str) -> list[Problem]:
    problems = []
    if not display_name.strip() or len(display_name) > 200:
        problems.append(Problem("a name of 1 to 200 characters", field="display_name"))
    if email and (len(email) > 300 or not EMAIL.fullmatch(email)):
        problems.append(Problem(f"{email!r} is not an e-mail address", field="email"))
    return problems


def _refuse(what: str, problems: list[Problem]) -> None:
    if problems:
        raise InvalidData(f"{what}: " + "; ".join(f"{p.field}: {p.message}" for p in problems), problems)


def create(session, username: str, display_name: str, email: str, roles: Roles) -> str:
    """A new local user with these roles; returns their one-time password (shown once)."""
    username, email = username.strip(), email.strip()
    problems = [] if USERNAME.fullmatch(username) else [
        Problem("2 to 100 of a-z, 0-9, dot, dash, underscore; starting with a letter or digit", field="username")]
    _refuse(f"user {username!r} cannot be created", problems + _details(display_name, email) + roles.problems())
    taken = Conflict(f"user {username!r} already exists", [Problem("this user name is taken", field="username")])
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise taken
    try:
        accounts.add_user(session, username, display_name.strip(), email or None)
    except IntegrityError as race:  # another admin created the name since the check
        raise taken from race
    set_roles(session, username, roles)
    return accounts.one_time_password(session, username)


def update(session, username: str, display_name: str, email: str) -> None:
    email = email.strip()
    _refuse(f"user {username!r} cannot be changed", _details(display_name, email))
    user = _user(session, username)
    user.display_name, user.email = display_name.strip(), email or None


def set_roles(session, username: str, roles: Roles, *, by: str | None = None) -> None:
    """Make ``roles`` the user's; an admin cannot take the admin role from themself (and lock
    everyone out)."""
    _refuse(f"the roles of {username!r} cannot be set", roles.problems())
    if username == by and Role.ADMIN not in roles.general:
        raise InvalidData("you cannot take the admin role from yourself",
                          [Problem("you cannot take the admin role from yourself", field="admin")])
    accounts.replace_grants(session, _user(session, username), roles.grants())


def reset_password(session, username: str) -> str:
    """A new one-time password; the user's sessions end (a single sign-on user has none here)."""
    if _user(session, username).external_id is not None:
        raise Conflict(f"user {username!r} signs in through the identity provider and has no password here",
                       reason_code="user_signs_in_elsewhere", params={"user": username})
    return accounts.one_time_password(session, username)


def _user(session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"user {username!r} does not exist", reason_code="user_not_found", params={"user": username})
    return user


def listing(session) -> list[dict]:
    """Everyone, by user name: their details, roles and how they sign in."""
    users = session.scalars(select(User).order_by(User.username)).all()
    grants = session.scalars(select(RoleGrant)).all()
    return [{"username": u.username, "display_name": u.display_name, "email": u.email,
             "roles": Roles.of([g for g in grants if g.user_id == u.id]),
             "external": u.external_id is not None, "must_change": u.password_temporary} for u in users]


def person(session, username: str) -> dict:
    user = _user(session, username)
    grants = session.scalars(select(RoleGrant).where(RoleGrant.user_id == user.id)).all()
    return {"username": user.username, "display_name": user.display_name, "email": user.email or "",
            "roles": Roles.of(grants), "external": user.external_id is not None}
