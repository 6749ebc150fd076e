"""Users, their roles and their API tokens.

Tokens are random 256-bit strings shown once; only their SHA-256 is stored, so a leaked
database does not leak credentials. A decision maker's role is granted for one
administration and only lets them decide for it.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from engine import Conflict, InvalidData, NotFound, UtcDateTime
from innovation.domain.administrations import ADMINISTRATIONS
from innovation.model import Role

ROLES = tuple(role.value for role in Role)


class UsersBase(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime()}


class User(UsersBase):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]


class RoleGrant(UsersBase):
    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role", "administration"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    administration: Mapped[str | None] = mapped_column(String(10))


class ApiToken(UsersBase):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: who they are and what they may do."""

    username: str
    display_name: str
    roles: frozenset[str]
    administrations: frozenset[str]  # where they are decision makers

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(session, username: str, display_name: str | None = None, email: str | None = None) -> User:
    if session.scalar(select(User).where(User.username == username)):
        raise Conflict(f"user {username!r} already exists")
    user = User(username=username, display_name=display_name or username, email=email,
                created_at=datetime.now(UTC))
    session.add(user)
    session.flush()
    return user


def _user(session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"user {username!r} does not exist")
    return user


def grant(session, username: str, role: str, administration: str | None = None) -> None:
    if role not in ROLES:
        raise InvalidData(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    if (role == Role.DECISION_MAKER) != (administration is not None):
        raise InvalidData("a decision maker is granted for exactly one administration; other roles for none")
    user = _user(session, username)
    exists = session.scalar(select(RoleGrant).where(RoleGrant.user_id == user.id, RoleGrant.role == role,
                                                    RoleGrant.administration == administration))
    if exists is None:
        session.add(RoleGrant(user_id=user.id, role=role, administration=administration))


def issue_token(session, username: str) -> str:
    """A new token for the user; the clear text is returned once and never stored."""
    user = _user(session, username)
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_sha256=_digest(token), created_at=datetime.now(UTC)))
    return token


def authenticate(session, token: str) -> Principal | None:
    user = session.scalar(select(User).join(ApiToken, ApiToken.user_id == User.id)
                          .where(ApiToken.token_sha256 == _digest(token)))
    return _principal(session, user) if user is not None else None


def principal_for(session, username: str) -> Principal | None:
    """The user's current roles (a web session keeps only the username and reloads them)."""
    user = session.scalar(select(User).where(User.username == username))
    return _principal(session, user) if user is not None else None


def _principal(session, user: User) -> Principal:
    grants = session.scalars(select(RoleGrant).where(RoleGrant.user_id == user.id)).all()
    return Principal(user.username, user.display_name, frozenset(g.role for g in grants),
                     frozenset(g.administration for g in grants if g.role == Role.DECISION_MAKER))


def list_users(session) -> list[dict]:
    users = session.scalars(select(User).order_by(User.username)).all()
    grants = session.scalars(select(RoleGrant)).all()
    return [{"username": u.username, "display_name": u.display_name,
             "roles": sorted(f"{g.role}:{g.administration}" if g.administration else g.role
                             for g in grants if g.user_id == u.id)} for u in users]


STARTER_USERS = [  # (username, display name, [(role, administration)])
    ("admin", "Administratör", [(Role.ADMIN, None), (Role.PROCESS_OWNER, None)]),
    ("idebarare", "Ada Idébärare", [(Role.IDEA_OWNER, None)]),
    ("innovationsledare", "Ivar Innovationsledare", [(Role.COORDINATOR, None)]),
    ("forvaltningsledning", "Frida Förvaltningsledning",
     [(Role.DECISION_MAKER, a.code) for a in ADMINISTRATIONS]),
]


def bootstrap(session) -> list[tuple[str, str, str]]:
    """First start: an admin and one user per lane role; each gets a fresh token (username, roles, token)."""
    tokens = []
    known = {u["username"] for u in list_users(session)}
    for username, name, grants in STARTER_USERS:
        if username not in known:
            add_user(session, username, name)
            for role, administration in grants:
                grant(session, username, role, administration)
        tokens.append((username, ", ".join(sorted({r.value for r, _ in grants})), issue_token(session, username)))
    return tokens
