"""Admins read and change which claims of the city's identity provider give which roles.

A change applies at each user's next single sign-on; the mappings live in the database
(``application.accounts``), so every process uses the same ones.
"""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from application import accounts
from application.access import OPERATORS
from engine import InvalidData
from innovation.domain.administrations import ADMINISTRATIONS
from ui.auth import engine, require, settings
from ui.blueprint import bp
from ui.i18n import t


def _page(form=None, error=None, status=200):
    with engine().db.unit_of_work() as uow:
        mappings = accounts.list_mappings(uow.session)
    return render_template("ui/mappings.html", mappings=mappings, roles=accounts.ROLES, form=form or {},
                           administrations=[a.code for a in ADMINISTRATIONS], error=error,
                           configured=settings().oidc), status


@bp.get("/admin/mappings")
@require(*OPERATORS)
def mappings():
    return _page()


@bp.post("/admin/mappings")
@require(*OPERATORS)
def add_mapping():
    form = {key: request.form.get(key, "").strip() for key in ("claim", "value", "role", "administration")}
    try:
        with engine().db.unit_of_work(write=True) as uow:
            accounts.add_mapping(uow.session, form["claim"], form["value"], form["role"],
                                 form["administration"] or None)
            uow.commit()
    except InvalidData:
        return _page(form, t("mappings.invalid"), 422)
    engine().record(actor=g.principal.username, action="mapping_added", details=form)
    flash(t("mappings.added"), "success")
    return redirect(url_for("ui.mappings"))


@bp.post("/admin/mappings/<int:mapping_id>/remove")
@require(*OPERATORS)
def remove_mapping(mapping_id: int):
    with engine().db.unit_of_work(write=True) as uow:
        accounts.remove_mapping(uow.session, mapping_id)
        uow.commit()
    engine().record(actor=g.principal.username, action="mapping_removed", details={"id": mapping_id})
    flash(t("mappings.removed"), "success")
    return redirect(url_for("ui.mappings"))
