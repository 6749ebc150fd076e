"""Caseworkers: the inbox, claiming, task forms with the initiative beside them, new initiatives.

Who may see and act on a task is decided by the API's own rule (``authorize_task`` in
api/resources/tasks.py, which audits refusals); data is validated by the engine, whose
field errors are shown next to the fields.
"""
from __future__ import annotations

from flask import Response, flash, g, redirect, render_template, request, url_for
from lxml import etree

from api import queries
from api.auth import require
from api.policy import authorize_task, release_task
from engine import queries as engine_queries
from engine.errors import Conflict, InvalidData, StaleVersion
from engine.tables import ProcessInstance
from engine.validation import NS
from innovation.adapters.records import from_dict
from innovation.adapters.tables import Initiative
from ui import forms
from ui import queries as ui_queries
from ui.auth import engine
from ui.blueprint import bp
from ui.i18n import t
from ui.paging import whole_number

SCOPES = ("inbox", "mine", "available")
START_PROCESS = "innovation"


@bp.get("/inbox")
def inbox():
    scope = request.args.get("scope") if request.args.get("scope") in SCOPES else "inbox"
    with engine().runtime.time():
        now = engine().clock.now()
    with engine().db.unit_of_work() as uow:
        items = queries.inbox(uow.session, g.principal, scope=scope, now=now, limit=200)
    return render_template("ui/inbox.html", items=items, scope=scope, scopes=SCOPES)


def _back(task_id: str):
    return redirect(url_for("ui.task", task_id=task_id) if request.form.get("back") == "task"
                    else url_for("ui.inbox"))


@bp.post("/tasks/<task_id>/claim")
def claim(task_id):
    authorize_task(task_id)
    me = g.principal.username
    try:
        engine().assign_task(task_id, me, actor=me, only_if_unassigned=True)
        flash(t("task.claimed"), "success")
    except Conflict as error:
        flash(error.message, "error")
    return _back(task_id)


@bp.post("/tasks/<task_id>/unclaim")
def unclaim(task_id):
    """Give the task back to its lane: its holder may, and managers (as in the API)."""
    release_task(task_id)
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
            data, path = forms.change_rows(schema, data, request.form.get("_add"), request.form.get("_remove"))
            focus = forms.field_id(path) if path else None
        else:
            try:
                return {"response": submit(data)}
            except InvalidData as error:
                errors, general, status = *forms.problems_by_field(error.details), 422
            except Conflict as error:
                general, status = [error.message], 409
    fields = forms.build(schema, ui_schema, data, errors)
    general += forms.unplaced(fields, errors)
    return {"fields": fields, "problems": forms.summary(fields, general), "focus": focus, "status": status,
            "title": schema.get("title", ""), "description": schema.get("description", "")}


@bp.route("/tasks/<task_id>", methods=["GET", "POST"])
def task(task_id):
    allowed = authorize_task(task_id)
    form = engine().task_form(task_id)
    me = g.principal.username

    def submit(data):
        if allowed["assignee"] not in (None, me):
            raise Conflict(t("task.held_by", name=allowed["assignee"]))
        expected = whole_number(request.form.get("version"))
        try:
            engine().complete_task(task_id, data, actor=me, expected_version=expected)
        except StaleVersion as error:
            raise Conflict(t("task.stale")) from error
        flash(t("task.completed", name=form["task"]["name"] or form["task"]["element_id"]), "success")
        return redirect(url_for("ui.inbox"))

    shown = form_page(form["schema"], form["ui_schema"], form["data"], submit)
    if "response" in shown:
        return shown["response"]
    context = instance_context(form["task"]["instance_id"])
    version = engine().task_form(task_id)["instance_version"] if shown["status"] == 409 else form["instance_version"]
    return render_template("ui/task.html", task=form["task"], form=shown, context=context, version=version), \
        shown["status"]


def instance_context(instance_id: str) -> dict:
    """What a caseworker sees beside a form: the initiative, earlier answers, where it stands."""
    with engine().db.unit_of_work() as uow:
        status = uow.session.get(ProcessInstance, instance_id).status
        row = uow.session.get(Initiative, instance_id)
        return {"record": from_dict(row.record) if row else None,
                "answers": ui_queries.answers(uow.session, instance_id),
                "states": ui_queries.element_states(uow.session, instance_id, status)}


@bp.get("/tasks/<task_id>/diagram.xml")
def task_diagram(task_id):
    """The diagram of the task's instance, for whoever may work on the task."""
    allowed = authorize_task(task_id)
    with engine().db.unit_of_work() as uow:
        _, definition = ui_queries.instance_definition(uow.session, allowed["instance_id"])
        return Response(definition.bpmn_xml, mimetype="application/xml")


def start_forms(definition) -> tuple[dict | None, dict | None]:
    """The JSON Schema and UI schema named on the process's own start event (as the engine reads it)."""
    root = etree.fromstring(definition.bpmn_xml.encode(), etree.XMLParser(resolve_entities=False, no_network=True))
    start = root.find(f"bpmn:process[@id='{definition.process_key}']/bpmn:startEvent", NS)

    def form(prop: str) -> dict | None:
        found = None if start is None else start.find(
            f"bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property[@name='{prop}']", NS)
        return None if found is None else definition.forms.get(found.get("value"))
    return form("formJsonSchemaFilename"), form("formUiSchemaFilename")


@bp.route("/initiatives/new", methods=["GET", "POST"])
@require("idea_owner", "admin")
def new_initiative():
    with engine().db.unit_of_work() as uow:
        definition = engine_queries.definition(uow.session, START_PROCESS)
    schema, ui_schema = start_forms(definition)

    def submit(data):
        engine().start(START_PROCESS, data, actor=g.principal.username)
        flash(t("new.started", title=data.get("title", "")), "success")
        return redirect(url_for("ui.inbox"))

    shown = form_page(schema, ui_schema, {}, submit)
    if "response" in shown:
        return shown["response"]
    return render_template("ui/new_initiative.html", form=shown), shown["status"]
