"""Signing people in: a local password, or the city's OpenID Connect provider.

Failed password sign-ins are kept in ``login_failures`` (in the database, so every
process counts the same ones) and throttle further tries per account and per address;
the entrypoint writes each failure to the audit log (``login_failed``, never the password).
A single sign-on user is found by the provider's issuer and subject, created at the first
sign-in, and gets exactly the roles the admins' claim mappings give their claims.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from application import accounts
from application.accounts import LoginFailure, Principal, User
from application.settings import Settings


class SignInRefused(Exception):
    """Wrong credentials, or an account that cannot sign in this way; ``reason`` is for the audit
    log, ``reason_code`` and ``params`` name it for the sign-in page."""

    def __init__(self, reason: str, *, reason_code: str | None = None, params: dict | None = None):
        super().__init__(reason)
        self.reason, self.reason_code, self.params = reason, reason_code, dict(params or {})


class Throttled(Exception):
    """Too many failures lately; try again in ``retry_after`` seconds."""

    def __init__(self, retry_after: int, reason: str):
        super().__init__(reason)
        self.retry_after, self.reason = retry_after, reason


@dataclass(frozen=True)
class SignedIn:
    """Who signed in, the session version to put in their cookie, and whether the password must change."""

    principal: Principal
    session_version: int
    change_password: bool = False


def _retry_after(session, column, value: str, limit: int, window: timedelta, now: datetime) -> int | None:
    """Seconds until fewer than ``limit`` failures for ``value`` lie in the window; None when under it."""
    recent = session.scalars(select(LoginFailure.at).where(column == value, LoginFailure.at > now - window)
                             .order_by(LoginFailure.at.desc()).limit(limit)).all()
    if len(recent) < limit:
        return None
    return max(1, int((recent[-1] + window - now).total_seconds()) + 1)


def check_throttle(session, settings: Settings, username: str, address: str, now: datetime) -> None:
    """Raise Throttled when the account or the address has failed too often in the window."""
    window = timedelta(seconds=settings.login_window_seconds)
    for column, value, limit, what in ((LoginFailure.username, username, settings.login_failures_per_account,
                                        "account"),
                                       (LoginFailure.address, address, settings.login_failures_per_address,
                                        "address")):
        wait = _retry_after(session, column, value, limit, window, now)
        if wait is not None:
            raise Throttled(wait, f"{limit} failed sign-ins for this {what} within "
                                  f"{settings.login_window_seconds // 60} minutes")


def with_password(db, settings: Settings, username: str, password: str, address: str, now: datetime) -> SignedIn:
    """Check the throttle and the password; count a failure, or forget the account's failures."""
    if not settings.local_accounts:
        raise SignInRefused("local accounts are switched off")
    username = username.strip()[:100]
    with db.unit_of_work() as uow:
        check_throttle(uow.session, settings, username, address, now)
    with db.unit_of_work(write=True) as uow:  # Argon2's deliberate cost is paid once, here
        user = accounts.check_password(uow.session, username, password) if username and password else None
        if user is None:
            uow.session.add(LoginFailure(username=username, address=address[:64], at=now))
            # failures older than the window no longer count: keep the table that small
            uow.session.execute(delete(LoginFailure).where(
                LoginFailure.at <= now - timedelta(seconds=settings.login_window_seconds)))
            uow.commit()
            raise SignInRefused("unknown user or wrong password")
        uow.session.execute(delete(LoginFailure).where(LoginFailure.username == username))
        signed_in = SignedIn(accounts.principal_for(uow.session, username), user.session_version,
                             user.password_temporary)
        uow.commit()
    return signed_in


def with_provider(session, issuer: str, claims: dict) -> SignedIn:
    """The provider's user (found by issuer and subject, created on first sign-in), with the
    roles the claim mappings give; the provider, not this service, decides them."""
    subject = claims.get("sub")
    if not subject:
        raise SignInRefused("the provider sent no subject (sub) claim", reason_code="no_subject")
    external_id = f"{issuer}#{subject}"
    user = session.scalar(select(User).where(User.external_id == external_id))
    if user is None:
        username = str(claims.get("preferred_username") or claims.get("email") or subject)[:100]
        if session.scalar(select(User).where(User.username == username)) is not None:
            raise SignInRefused(f"the user name {username!r} already belongs to another account",
                                reason_code="username_taken", params={"user": username})
        user = accounts.add_user(session, username, claims.get("name"), claims.get("email"))
        user.external_id = external_id
    else:
        user.display_name = claims.get("name") or user.display_name
        user.email = claims.get("email") or user.email
    accounts.replace_grants(session, user, accounts.mapped_grants(session, claims))
    session.flush()
    return SignedIn(accounts.principal_for(session, user.username), user.session_version)
