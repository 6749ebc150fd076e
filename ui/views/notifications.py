"""Everyone signed in: notifications (the unread count in every page's header, the list,
mark read) and how each kind reaches them by e-mail."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from werkzeug.exceptions import BadRequest

from application import notifications
from ui.auth import engine
from ui.blueprint import bp
from ui.i18n import lang, plural, t


@bp.app_context_processor
def unread_notifications():
    """The header's unread count, for the signed-in user on every page."""
    principal = g.get("principal")
    if principal is None:
        return {"unread": 0}
    with engine().reading() as session:
        return {"unread": notifications.unread_count(session, principal.username)}


@bp.get("/notifications")
def notification_list():
    with engine().reading() as session:
        items = notifications.inbox(session, g.principal.username, lang())
    return render_template("ui/notifications.html", items=items)


@bp.post("/notifications/<int:notification_id>/read")
def notification_read(notification_id):
    """Mark it read and, when asked to open it, go to its page."""
    with engine().db.unit_of_work(write=True) as uow:
        path = notifications.mark_read(uow.session, g.principal.username, notification_id, engine().now())
        uow.commit()
    if request.form.get("open") and path and path.startswith("/") and not path.startswith("//"):
        return redirect(path)
    return redirect(url_for("ui.notification_list"))


@bp.post("/notifications/read")
def notifications_all_read():
    with engine().db.unit_of_work(write=True) as uow:
        count = notifications.mark_all_read(uow.session, g.principal.username, engine().now())
        uow.commit()
    flash(plural(count, "notifications.all_read"), "success")
    return redirect(url_for("ui.notification_list"))


@bp.route("/notifications/preferences", methods=["GET", "POST"])
def notification_preferences():
    username = g.principal.username
    if request.method == "POST":
        modes = {kind: request.form.get(f"mode-{kind}", "") for kind in notifications.Kind}
        try:
            with engine().db.unit_of_work(write=True) as uow:
                notifications.save_preferences(uow.session, username, request.form.get("language", ""), modes)
                uow.commit()
        except ValueError as error:
            raise BadRequest(str(error)) from error
        flash(t("notifications.saved"), "success")
        return redirect(url_for("ui.notification_preferences"))
    with engine().reading() as session:
        chosen = notifications.preferences(session, username)
        email = notifications.address(session, username)
    return render_template("ui/notification_preferences.html", chosen=chosen, email=email,
                           kinds=list(notifications.Kind), modes=list(notifications.Mode),
                           languages=notifications.LANGUAGES)
