"""Caseworkers: the inbox, claiming, task forms with the initiative beside them, new initiatives.

Who may see and act on a task is the application's rule (``application.access``), the
same the API applies; data is validated by the engine, whose field errors are shown next
to the fields.
"""
from __future__ import annotations

from datetime import datetime

from flask import Response, flash, g, redirect, render_template, request, url_for

from application import access, decisions, modeling, monitoring, narration, portfolio
from application.access import HOLD_READERS, STARTERS
from engine import Conflict, InvalidData, StaleVersion
from innovation.model import PROCESS_KEY
from ui import forms
from ui.auth import engine, require
from ui.blueprint import bp
from ui.i18n import error_text, t
from ui.paging import whole_number

SCOPES = ("inbox", "mine", "available")


@bp.get("/inbox")
def inbox():
    scope = request.args.get("scope") if request.args.get("scope") in SCOPES else "inbox"
    now = engine().now()
    with engine().reading() as session:
        items = portfolio.inbox(session, g.principal, scope=scope, now=now, limit=200)
    return render_template("ui/inbox.html", items=items, scope=scope, scopes=SCOPES)


def _back(task_id: str):
    return redirect(url_for("ui.task", task_id=task_id) if request.form.get("back") == "task"
                    else url_for("ui.inbox"))


@bp.post("/tasks/<task_id>/claim")
def claim(task_id):
    try:
        with engine().reading() as session:
            access.claim_task(engine(), session, g.principal, task_id)
        flash(t("task.claimed"), "success")
    except Conflict as error:
        flash(error_text(error), "error")
    return _back(task_id)


@bp.post("/tasks/<task_id>/unclaim")
def unclaim(task_id):
    """Give the task back to its lane: its holder may, and managers (as in the API)."""
    with engine().reading() as session:
        access.release_task(engine(), session, g.principal, task_id)
    flash(t("task.unclaimed"), "success")
    return _back(task_id)


def form_page(schema: dict | None, ui_schema: dict | None, data: dict, submit) -> dict:
    """What a schema form page shows after GET or POST; ``submit(data)`` runs on a real submit
    and returns a response, or raises the engine's InvalidData / Conflict."""
    schema = schema or {"type": "object", "properties": {}}
    errors, general, focus, status = {}, [], None, 200
    if request.method == "POST":
        data = forms.parse(schema, request.form)
        if request.form.get("_add") or request.form.get("_remove"):
            data, focus = forms.change_rows(schema, data, request.form.get("_add"), request.form.get("_remove"))
        else:
            try:
                return {"response": submit(data)}
            except InvalidData as error:
                errors, general, status = *forms.problems_by_field(error.details), 422
            except Conflict as error:
                general, status = [error_text(error)], 409
    fields = forms.build(schema, ui_schema, data, errors)
    general += forms.unplaced(fields, errors)
    return {"fields": fields, "problems": forms.summary(fields, general), "focus": focus, "status": status,
            "title": schema.get("title", ""), "description": schema.get("description", "")}


@bp.route("/tasks/<task_id>", methods=["GET", "POST"])
def task(task_id):
    allowed = _authorized(task_id)
    form = engine().task_form(task_id)
    me = g.principal.username

    def submit(data):
        if allowed["assignee"] not in (None, me):
            raise Conflict(t("task.held_by", name=allowed["assignee"]))
        with engine().reading() as session:
            access.check_submission(session, allowed["element_id"], data)
        expected = whole_number(request.form.get("version"))
        try:
            with engine().reading() as session:
                access.complete_task(engine(), session, g.principal, task_id, data, expected_version=expected)
        except StaleVersion as error:
            raise Conflict(t("task.stale")) from error
        flash(t("task.completed", name=form["task"]["name"] or form["task"]["element_id"]), "success")
        return redirect(url_for("ui.inbox"))

    shown = form_page(form["schema"], form["ui_schema"], form["data"], submit)
    if "response" in shown:
        return shown["response"]
    context = instance_context(form["task"]["instance_id"])
    with engine().reading() as session:
        money = decisions.budget_context(engine(), session, allowed)
    version = engine().task_form(task_id)["instance_version"] if shown["status"] == 409 else form["instance_version"]
    due = form["task"]["due_at"]
    overdue = bool(due) and datetime.fromisoformat(due) < engine().now()
    return render_template("ui/task.html", task=form["task"], form=shown, context=context, version=version,
                           money=money, overdue=overdue,
                           may_complete=allowed["assignee"] in (None, me)), shown["status"]


def _authorized(task_id: str) -> dict:
    with engine().reading() as session:
        return access.authorize_task(session, g.principal, task_id)


def instance_context(instance_id: str) -> dict:
    """What a caseworker sees beside a form: the initiative, earlier answers, where it stands."""
    with engine().reading() as session:
        return {**monitoring.instance_context(session, instance_id), "answers": narration.answers(session, instance_id)}


@bp.get("/on-hold")
@require(*HOLD_READERS)
def holds():
    """Initiatives on hold, with the gate, the reason and the date they are taken up again."""
    with engine().reading() as session:
        items = portfolio.on_hold(session)
    return render_template("ui/holds.html", items=items)


@bp.get("/tasks/<task_id>/diagram.xml")
def task_diagram(task_id):
    """The diagram of the task's instance, for whoever may work on the task."""
    allowed = _authorized(task_id)
    with engine().reading() as session:
        _, definition = monitoring.instance_definition(session, allowed["instance_id"])
        return Response(definition.bpmn_xml, mimetype="application/xml")


@bp.route("/initiatives/new", methods=["GET", "POST"])
@require(*STARTERS)
def new_initiative():
    schema, ui_schema = modeling.start_forms(engine().definition(PROCESS_KEY))

    def submit(data):
        engine().start(PROCESS_KEY, data, actor=g.principal.username)
        flash(t("new.started", title=data.get("title", "")), "success")
        return redirect(url_for("ui.inbox"))

    shown = form_page(schema, ui_schema, {}, submit)
    if "response" in shown:
        return shown["response"]
    return render_template("ui/new_initiative.html", form=shown), shown["status"]
