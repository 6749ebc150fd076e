"""Personal API tokens: their owner (and an admin, for everyone) lists, creates and revokes them.

A new token is shown once, on the page that created it; only its SHA-256 is stored.
"""
from __future__ import annotations

from datetime import UTC, datetime

from flask import flash, g, redirect, render_template, request, url_for

from application import accounts
from engine import InvalidData
from innovation.model import Role
from ui.auth import engine
from ui.blueprint import bp
from ui.i18n import t

DAYS = (30, 90, 365)


def _page(created=None, errors=None, form=None, status=200):
    now = datetime.now(UTC)
    with engine().db.unit_of_work() as uow:
        tokens = accounts.list_tokens(uow.session, g.principal, now)
        external = accounts.signs_in_externally(uow.session, g.principal.username)
    return render_template("ui/tokens.html", tokens=tokens, created=created, errors=errors or {},
                           form=form or {"scope": accounts.READ, "days": "90"}, days=DAYS,
                           scopes=accounts.TOKEN_SCOPES, everyone=g.principal.has(Role.ADMIN),
                           external=external), status


@bp.get("/tokens")
def tokens():
    return _page()


@bp.post("/tokens")
def create_token():
    form = {key: request.form.get(key, "") for key in ("name", "scope", "days")}
    try:
        with engine().db.unit_of_work(write=True) as uow:
            token = accounts.issue_token(uow.session, g.principal.username, form["name"], scope=form["scope"],
                                         days=int(form["days"]) if form["days"].isdigit() else 0)
            uow.commit()
    except InvalidData as error:
        errors = {p.field: t("tokens.bad_name") if p.field == "name" else p.message for p in error.details}
        flash(t("tokens.invalid"), "error")
        return _page(errors=errors, form=form, status=422)
    engine().record(actor=g.principal.username, action="token_issued",
                    details={"name": form["name"], "scope": form["scope"], "days": form["days"]})
    return _page(created={"name": form["name"].strip(), "token": token}, form=form)


@bp.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    with engine().db.unit_of_work(write=True) as uow:
        revoked = accounts.revoke_token(uow.session, g.principal, token_id)
        uow.commit()
    engine().record(actor=g.principal.username, action="token_revoked", details=revoked)
    flash(t("tokens.revoked", name=revoked["name"]), "success")
    return redirect(url_for("ui.tokens"))
