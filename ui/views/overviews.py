"""Each role's own work: Mina initiativ (idea owners), the administration's decisions and budget
(decision makers, managers), the pipeline (coordinators, admins), and the process owners'
default due dates. The rules and figures are the API's (``application.overviews``)."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from application import monitoring, overviews
from application.access import DECIDERS, DUE_SETTERS, OWNERS, PIPELINE_READERS
from engine import InvalidData
from innovation.model import PROCESS_KEY
from ui.auth import engine, require, settings
from ui.blueprint import bp
from ui.i18n import engine_message, t


@bp.get("/my-initiatives")
@require(*OWNERS)
def my_initiatives():
    with engine().reading() as session:
        items = overviews.my_initiatives(session, g.principal, engine().now())
    return render_template("ui/my_initiatives.html", items=items)


@bp.get("/administration")
@require(*DECIDERS)
def administration():
    wanted = request.args.get("administration") or None
    with engine().reading() as session:
        found = overviews.administration_overview(session, g.principal, engine().now(), wanted)
    return render_template("ui/administration.html", overviews=found,
                           held=overviews.deciding_administrations(g.principal), chosen=wanted)


@bp.get("/pipeline")
@require(*PIPELINE_READERS)
def pipeline():
    with engine().reading() as session:
        found = overviews.pipeline(session, g.principal, engine().now(), settings().stuck_days)
    return render_template("ui/pipeline.html", pipeline=found)


@bp.route("/due-dates", methods=["GET", "POST"])
@require(*DUE_SETTERS)
def due_dates():
    """Default due dates for the user tasks whose diagram gives none, per process."""
    with engine().reading() as session:
        keys = monitoring.process_keys(session)
    key = request.values.get("process_key")
    key = key if key in keys else (PROCESS_KEY if PROCESS_KEY in keys else (keys[0] if keys else None))
    errors, status = {}, 200
    if request.method == "POST" and key:
        element_id = request.form.get("element_id", "")
        duration = request.form.get("duration", "").strip() or None
        try:
            engine().set_due_default(key, element_id, duration, actor=g.principal.username)
            flash(t("due.saved") if duration else t("due.removed"), "success")
            return redirect(url_for("ui.due_dates", process_key=key))
        except InvalidData as error:
            errors[element_id] = engine_message(error.details[0].message if error.details else error.message)
            status = 422
    listing = engine().due_dates(key) if key else None
    return render_template("ui/due_dates.html", keys=keys, key=key, listing=listing, errors=errors,
                           submitted=request.form), status
