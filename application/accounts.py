"""Users, their roles, their passwords and their API tokens.

Tokens are random 256-bit strings shown once; only their SHA-256 is stored, so a leaked
database does not leak credentials. Each token has a name, an expiry and a scope (``read``
tokens may only read); its owner or an admin revokes it. Passwords are stored as Argon2
hashes. A user's ``session_version`` is written into their web sessions: bumping it (logout,
password change, revocation) ends every session they have. A decision maker's role is
granted for one administration and only lets them decide for it; so are a coordinator's
and a manager's (``SCOPED_ROLES``): each acts only on the initiatives of the administrations
it holds the role for.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, bindparam, delete, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from engine import Conflict, InvalidData, NotFound, Problem, UtcDateTime
from innovation.domain.administrations import ADMINISTRATIONS
from innovation.model import SCOPED_ROLES, Role

ROLES = tuple(role.value for role in Role)
ADMINISTRATION_CODES = tuple(a.code for a in ADMINISTRATIONS)
READ, WRITE = "read", "write"  # token scopes: read-only, or everything the owner may do
TOKEN_SCOPES = (READ, WRITE)
TOKEN_MAX_DAYS = 365
MIN_PASSWORD_LENGTH = 12
HASHER = PasswordHasher()  # argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile)


class UsersBase(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime()}


class User(UsersBase):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # A one-time password (first admin, reset) must be replaced at the first sign-in.
    password_temporary: Mapped[bool] = mapped_column(Boolean, default=False)
    session_version: Mapped[int] = mapped_column(Integer, default=0)
    # "issuer#subject" of a user who signs in through OpenID Connect (never a user name:
    # a provider's user names can change hands, its subject identifiers cannot).
    external_id: Mapped[str | None] = mapped_column(String(400), unique=True)


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
    name: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(10))
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class LoginFailure(UsersBase):
    """One failed sign-in; counted per account and per address to throttle guessing in
    every process alike."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(index=True)


class RoleMapping(UsersBase):
    """A claim value of the identity provider that gives a role: e.g. the claim ``groups``
    holding ``innovation-coordinators`` gives ``coordinator``; admins read and change these."""

    __tablename__ = "role_mappings"
    __table_args__ = (UniqueConstraint("claim", "value", "role", "administration"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim: Mapped[str] = mapped_column(String(100))
    value: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(30))
    administration: Mapped[str | None] = mapped_column(String(10))


@dataclass(frozen=True)
class Credential:
    """The API token a request came with: its scope and when it was last noted as used."""

    token_id: int
    scope: str
    last_used_at: datetime | None


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: who they are and what they may do."""

    username: str
    display_name: str
    roles: frozenset[str]
    administrations: frozenset[str]  # where they are decision makers
    token: Credential | None = None  # set when the caller came with an API token
    scoped: frozenset[tuple[str, str]] = frozenset()  # (role, administration) of every scoped role

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def administrations_for(self, role: str) -> frozenset[str]:
        """The administrations the caller holds ``role`` for (a scoped role)."""
        return frozenset(administration for held, administration in self.scoped if held == role)

    @property
    def read_only(self) -> bool:
        return self.token is not None and self.token.scope == READ


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(session, username: str, display_name: str | None = None, email: str | None = None) -> User:
    if session.scalar(select(User).where(User.username == username)):
        raise Conflict(f"user {username!r} already exists", reason_code="user_exists", params={"user": username})
    user = User(username=username, display_name=display_name or username, email=email,
                created_at=datetime.now(UTC))
    session.add(user)
    session.flush()
    return user


def _user(session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"user {username!r} does not exist", reason_code="user_not_found", params={"user": username})
    return user


def _check_grant(role: str, administration: str | None) -> None:
    if role not in ROLES:
        raise InvalidData(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    if (role in SCOPED_ROLES) != (administration is not None):
        scoped = ", ".join(SCOPED_ROLES)
        raise InvalidData(f"{scoped} are granted for exactly one administration each; other roles for none")
    if administration is not None and administration not in ADMINISTRATION_CODES:
        raise InvalidData(f"unknown administration {administration!r}")


def grant(session, username: str, role: str, administration: str | None = None) -> None:
    _check_grant(role, administration)
    user = _user(session, username)
    exists = session.scalar(select(RoleGrant).where(RoleGrant.user_id == user.id, RoleGrant.role == role,
                                                    RoleGrant.administration == administration))
    if exists is None:
        session.add(RoleGrant(user_id=user.id, role=role, administration=administration))


def replace_grants(session, user: User, grants: set[tuple[str, str | None]]) -> None:
    """Make ``grants`` the user's roles (a single sign-on user's roles follow the provider)."""
    session.execute(delete(RoleGrant).where(RoleGrant.user_id == user.id))
    session.add_all(RoleGrant(user_id=user.id, role=role, administration=administration)
                    for role, administration in sorted(grants, key=str))


# -- passwords and web sessions ----------------------------------------------------------
def set_password(session, username: str, password: str, *, temporary: bool = False) -> None:
    """Store the password's Argon2 hash; every session of the user ends."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidData(f"a password needs at least {MIN_PASSWORD_LENGTH} characters",
                          [Problem(f"at least {MIN_PASSWORD_LENGTH} characters", field="password")])
    user = _user(session, username)
    user.password_hash = HASHER.hash(password)
    user.password_temporary = temporary
    user.session_version += 1


def one_time_password(session, username: str) -> str:
    """A new random password, printed once, that must be changed at the first sign-in."""
    password = secrets.token_urlsafe(15)
    set_password(session, username, password, temporary=True)
    return password


@cache
def _decoy_hash() -> str:
    return HASHER.hash(secrets.token_urlsafe(16))


def check_password(session, username: str, password: str) -> User | None:
    """The user if the password is theirs. An unknown user costs the same Argon2 work, so
    timing does not tell which user names exist; an outdated hash is upgraded."""
    user = session.scalar(select(User).where(User.username == username))
    stored = user.password_hash if user is not None and user.password_hash else None
    try:
        HASHER.verify(stored or _decoy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if stored is None:
        return None
    if HASHER.check_needs_rehash(stored):
        user.password_hash = HASHER.hash(password)
    return user


def end_sessions(session, username: str) -> None:
    """Sign the user out everywhere: sessions carrying the old version stop working."""
    _user(session, username).session_version += 1


def session_principal(session, username: str, version: int | None) -> Principal | None:
    """The user of a web session, if the session is still valid (its version is the user's)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or version != user.session_version:
        return None
    return _principal(session, user)


def signs_in_externally(session, username: str) -> bool:
    """The user comes through the identity provider and has no password here."""
    return _user(session, username).external_id is not None


def session_version(session, username: str) -> int:
    return _user(session, username).session_version


# -- API tokens ------------------------------------------------------------------------
def issue_token(session, username: str, name: str = "api", *, scope: str = WRITE, days: int = 90,
                now: datetime | None = None) -> str:
    """A new token for the user; the clear text is returned once and never stored."""
    problems = []
    if not name.strip() or len(name) > 100:
        problems.append(Problem("give the token a name of 1 to 100 characters", field="name"))
    if scope not in TOKEN_SCOPES:
        problems.append(Problem(f"the scope is one of {', '.join(TOKEN_SCOPES)}", field="scope"))
    if not 1 <= days <= TOKEN_MAX_DAYS:
        problems.append(Problem(f"a token lives 1 to {TOKEN_MAX_DAYS} days", field="days"))
    if problems:
        raise InvalidData("the token cannot be issued: " + "; ".join(p.message for p in problems), problems)
    user = _user(session, username)
    now = now or datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_sha256=_digest(token), created_at=now, name=name.strip(),
                         scope=scope, expires_at=now + timedelta(days=days)))
    return token


# One statement per request, built once: the user, the token and every grant (a row each).
_TOKEN_OWNER = (select(User, ApiToken, RoleGrant).join(ApiToken, ApiToken.user_id == User.id)
                .outerjoin(RoleGrant, RoleGrant.user_id == User.id)
                .where(ApiToken.token_sha256 == bindparam("digest"), ApiToken.revoked_at.is_(None),
                       ApiToken.expires_at > bindparam("now")))


def authenticate(session, token: str, now: datetime | None = None) -> Principal | None:
    """The token's owner, unless the token is unknown, expired or revoked."""
    now = now or datetime.now(UTC)
    found = session.execute(_TOKEN_OWNER, {"digest": _digest(token), "now": now}).all()
    if not found:
        return None
    user, row, _ = found[0]
    return _principal(session, user, Credential(row.id, row.scope, row.last_used_at),
                      [grant for *_, grant in found if grant is not None])


def note_token_use(session, credential: Credential, now: datetime, every: timedelta = timedelta(minutes=1)) -> bool:
    """Write when the token was last used, at most once per ``every`` (not a write per request)."""
    if credential.last_used_at is not None and now - credential.last_used_at < every:
        return False
    session.execute(update(ApiToken).where(ApiToken.id == credential.token_id).values(last_used_at=now))
    return True


def list_tokens(session, owner: Principal, now: datetime | None = None) -> list[dict]:
    """The caller's tokens; an admin sees everyone's. Newest first; never the token itself."""
    now = now or datetime.now(UTC)
    query = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)
    if not owner.has(Role.ADMIN):
        query = query.where(User.username == owner.username)
    rows = session.execute(query.order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).all()
    return [{"id": t.id, "username": username, "name": t.name, "scope": t.scope, "created_at": t.created_at,
             "expires_at": t.expires_at, "last_used_at": t.last_used_at, "revoked_at": t.revoked_at,
             "state": "revoked" if t.revoked_at else "expired" if t.expires_at <= now else "active"}
            for t, username in rows]


def revoke_token(session, by: Principal, token_id: int, now: datetime | None = None) -> dict:
    """Revoke a token: its owner or an admin may; to anyone else it does not exist."""
    found = session.execute(select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)
                            .where(ApiToken.id == token_id)).first()
    if found is None or (found[1] != by.username and not by.has(Role.ADMIN)):
        raise NotFound(f"token {token_id} does not exist", reason_code="token_not_found", params={"token": token_id})
    token, username = found
    if token.revoked_at is None:
        token.revoked_at = now or datetime.now(UTC)
    return {"id": token.id, "username": username, "name": token.name}


def principal_for(session, username: str) -> Principal | None:
    """The user's current roles."""
    user = session.scalar(select(User).where(User.username == username))
    return _principal(session, user) if user is not None else None


def _principal(session, user: User, credential: Credential | None = None, grants=None) -> Principal:
    """``grants``: the user's role grants, when the caller read them already."""
    if grants is None:
        grants = session.scalars(select(RoleGrant).where(RoleGrant.user_id == user.id)).all()
    return Principal(user.username, user.display_name, frozenset(g.role for g in grants),
                     frozenset(g.administration for g in grants if g.role == Role.DECISION_MAKER), credential,
                     frozenset((g.role, g.administration) for g in grants if g.role in SCOPED_ROLES))


def holders(session, role: str, administration: str | None = None, among=None) -> list[str]:
    """Who holds ``role`` (for ``administration``, when the role is scoped and the work belongs
    to one; a process of no administration is anyone's who holds the role), by user name."""
    query = select(User.username).join(RoleGrant, RoleGrant.user_id == User.id).where(RoleGrant.role == role)
    if role in SCOPED_ROLES and administration is not None:
        query = query.where(RoleGrant.administration == administration)
    if among is not None:
        query = query.where(User.username.in_(among))
    return sorted(session.scalars(query.distinct()))


def administrations_with(session, role: str) -> frozenset[str]:
    """The administrations where someone holds the scoped ``role``."""
    return frozenset(session.scalars(select(RoleGrant.administration).where(RoleGrant.role == role).distinct()))


def list_users(session) -> list[dict]:
    users = session.scalars(select(User).order_by(User.username)).all()
    grants = session.scalars(select(RoleGrant)).all()
    return [{"username": u.username, "display_name": u.display_name,
             "roles": sorted(f"{g.role}:{g.administration}" if g.administration else g.role
                             for g in grants if g.user_id == u.id)} for u in users]


# -- the identity provider's claims -> roles -------------------------------------------
def list_mappings(session) -> list[dict]:
    rows = session.scalars(select(RoleMapping).order_by(RoleMapping.claim, RoleMapping.value, RoleMapping.role)).all()
    return [{"id": m.id, "claim": m.claim, "value": m.value, "role": m.role, "administration": m.administration}
            for m in rows]


def add_mapping(session, claim: str, value: str, role: str, administration: str | None = None) -> None:
    _check_grant(role, administration)
    if not claim.strip() or not value.strip():
        raise InvalidData("a mapping names a claim and a value")
    exists = session.scalar(select(RoleMapping).where(RoleMapping.claim == claim, RoleMapping.value == value,
                                                      RoleMapping.role == role,
                                                      RoleMapping.administration == administration))
    if exists is None:
        session.add(RoleMapping(claim=claim, value=value, role=role, administration=administration))


def remove_mapping(session, mapping_id: int) -> None:
    if session.execute(delete(RoleMapping).where(RoleMapping.id == mapping_id)).rowcount == 0:
        raise NotFound(f"mapping {mapping_id} does not exist", reason_code="mapping_not_found",
                       params={"mapping": mapping_id})


def mapped_grants(session, claims: dict) -> set[tuple[str, str | None]]:
    """The roles the mappings give for these claims (a claim may hold one value or a list)."""
    grants = set()
    for mapping in session.scalars(select(RoleMapping)):
        held = claims.get(mapping.claim)
        values = held if isinstance(held, list) else [held]
        if mapping.value in (str(v) for v in values if v is not None):
            grants.add((mapping.role, mapping.administration))
    return grants


STARTER_USERS = [  # (username, display name, [(role, administration)])
    ("admin", "Administratör", [(Role.ADMIN, None), (Role.PROCESS_OWNER, None)]),
    ("idebarare", "Ada Idébärare", [(Role.IDEA_OWNER, None)]),
    ("innovationsledare", "Ivar Innovationsledare", [(Role.COORDINATOR, a.code) for a in ADMINISTRATIONS]),
    ("chef", "Cecilia Chef", [(Role.MANAGER, a.code) for a in ADMINISTRATIONS]),
    ("forvaltningsledning", "Frida Förvaltningsledning",
     [(Role.DECISION_MAKER, a.code) for a in ADMINISTRATIONS]),
]


def bootstrap(session) -> list[tuple[str, str, str]]:
    """First start: an admin and one user per lane role, each with a one-time password.

    Returns (username, roles, password) for the users created now only: running it again
    changes nothing and prints nothing secret (``innovation users password`` resets one).
    """
    created = []
    known = {u["username"] for u in list_users(session)}
    for username, name, grants in STARTER_USERS:
        if username in known:
            continue
        add_user(session, username, name)
        for role, administration in grants:
            grant(session, username, role, administration)
        roles = ", ".join(sorted({r.value for r, _ in grants}))
        created.append((username, roles, one_time_password(session, username)))
    return created
