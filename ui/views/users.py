"""Admins list, create and change the people who use the service (``application.people``).

A new user's one-time password, and one made by a reset, is shown once on the page that
made it. Every change is written to the audit log; a refusal of a non-admin is a 403.
"""
from __future__ import annotations

from flask import flash, g, render_template, request

from application import people
from application.access import OPERATORS
from engine import Conflict, InvalidData
from ui.auth import engine, require
from ui.blueprint import bp
from ui.i18n import t

DETAILS = ("username", "display_name", "email")


def _roles_from_form() -> people.Roles:
    return people.Roles(frozenset(request.form.getlist("roles")),
                        **{name: frozenset(request.form.getlist(name)) for name in people.SCOPED_FIELDS})


def _errors(error: InvalidData | Conflict) -> dict[str, str]:
    """The problems as texts next to their fields."""
    errors = {}
    for problem in error.details:
        key = "users.taken" if isinstance(error, Conflict) else f"users.bad.{problem.field}"
        errors.setdefault(problem.field, t(key))
    return errors


def _choices() -> dict:
    return {"general_roles": people.GENERAL_ROLES, "administrations": people.ADMINISTRATION_CODES,
            "scoped_fields": people.SCOPED_FIELDS}


def _list_page(form=None, errors=None, created=None, status=200):
    with engine().db.unit_of_work() as uow:
        everyone = people.listing(uow.session)
    form = form or {"roles": people.Roles()}
    return render_template("ui/users.html", users=everyone, form=form, errors=errors or {}, created=created,
                           **_choices()), status


def _user_page(username: str, errors=None, form=None, password=None, status=200):
    with engine().db.unit_of_work() as uow:
        user = people.person(uow.session, username)
    return render_template("ui/user.html", user=user, form=form or user, errors=errors or {}, password=password,
                           **_choices()), status


@bp.get("/admin/users")
@require(*OPERATORS)
def users():
    return _list_page()


@bp.post("/admin/users")
@require(*OPERATORS)
def create_user():
    form = {key: request.form.get(key, "") for key in DETAILS} | {"roles": _roles_from_form()}
    try:
        with engine().db.unit_of_work(write=True) as uow:
            password = people.create(uow.session, form["username"], form["display_name"], form["email"],
                                     form["roles"])
            uow.commit()
    except (InvalidData, Conflict) as error:
        flash(t("users.invalid"), "error")
        return _list_page(form, _errors(error), status=409 if isinstance(error, Conflict) else 422)
    username = form["username"].strip()
    engine().record(actor=g.principal.username, action="user_created",
                    details={"username": username, "roles": sorted(map(str, form["roles"].grants()))})
    return _list_page(created={"username": username, "password": password})


@bp.get("/admin/users/<username>")
@require(*OPERATORS)
def user(username: str):
    return _user_page(username)


@bp.post("/admin/users/<username>")
@require(*OPERATORS)
def update_user(username: str):
    form = {key: request.form.get(key, "") for key in DETAILS[1:]}
    try:
        with engine().db.unit_of_work(write=True) as uow:
            people.update(uow.session, username, form["display_name"], form["email"])
            uow.commit()
    except InvalidData as error:
        flash(t("users.invalid"), "error")
        return _user_page(username, _errors(error), form={**form, "username": username}, status=422)
    engine().record(actor=g.principal.username, action="user_changed", details={"username": username, **form})
    flash(t("users.saved"), "success")
    return _user_page(username)


@bp.post("/admin/users/<username>/roles")
@require(*OPERATORS)
def user_roles(username: str):
    roles = _roles_from_form()
    try:
        with engine().db.unit_of_work(write=True) as uow:
            people.set_roles(uow.session, username, roles, by=g.principal.username)
            uow.commit()
    except InvalidData as error:
        flash(t("users.invalid"), "error")
        return _user_page(username, _errors(error), status=422)
    engine().record(actor=g.principal.username, action="roles_changed",
                    details={"username": username, "roles": sorted(map(str, roles.grants()))})
    flash(t("users.roles_saved"), "success")
    return _user_page(username)


@bp.post("/admin/users/<username>/password")
@require(*OPERATORS)
def reset_password(username: str):
    with engine().db.unit_of_work(write=True) as uow:
        password = people.reset_password(uow.session, username)
        uow.commit()
    engine().record(actor=g.principal.username, action="password_reset", details={"username": username})
    return _user_page(username, password=password)
