"""Admins and coordinators: instances, one instance in depth, and the operations on it.

Who may read and operate is the application's rule (``application.access``), the same
the API applies; every operation names the instance
version the page showed, so acting on a stale page is refused instead of guessed.
"""
from __future__ import annotations

from flask import Response, flash, g, redirect, render_template, request, url_for

from application import access, monitoring, narration, portfolio
from application.access import ABORTERS, ASSESSORS, INSTANCE_READERS, OPERATORS
from engine import Conflict, EngineError, InstanceStatus, JobState
from innovation.domain.administrations import ADMINISTRATIONS
from innovation.domain.initiative import assessable
from innovation.domain.vocabulary import AbortCategory, Phase
from ui.auth import engine, require
from ui.blueprint import bp
from ui.i18n import error_text, problem_text, t
from ui.paging import page_number, whole_number
from ui.views.inbox import form_page

STATUSES = tuple(InstanceStatus)
OPERATIONS = ("suspend", "resume", "terminate")
#: What an admin is offered for an instance in each status (the engine refuses the rest anyway).
OFFERED = {InstanceStatus.RUNNING: ("suspend", "terminate"),
           InstanceStatus.SUSPENDED: ("resume", "terminate", "migrate"),
           InstanceStatus.ERROR: ("resume", "terminate", "migrate")}
PAGE_SIZE = 25
HISTORY_PAGE = 100


def _filters() -> dict:
    args = request.args
    return {"process_key": args.get("process_key") or None,
            "status": args.get("status") if args.get("status") in STATUSES else None,
            "phase": args.get("phase") or None, "administration": args.get("administration") or None,
            "q": (args.get("q") or "").strip() or None}


@bp.get("/monitor/instances")
@require(*INSTANCE_READERS)
def instances():
    filters = _filters()
    with engine().db.unit_of_work() as uow:
        result = portfolio.instance_page(uow.session, page=page_number(), page_size=PAGE_SIZE,
                                         within=access.instance_scope(g.principal), **filters)
        keys = monitoring.process_keys(uow.session)
    incidents = engine().job_list((JobState.INCIDENT,), 50) if g.principal.has(*OPERATORS) else []
    names = {}
    with engine().reading() as session:
        for instance_id in {job["instance_id"] for job in incidents}:
            names.update(monitoring.names(monitoring.instance_definition(session, instance_id)[1]))
    return render_template("ui/instances.html", result=result, filters=filters, keys=keys, statuses=STATUSES,
                           names=names,
                           phases=[p.value for p in Phase], administrations=[a.code for a in ADMINISTRATIONS],
                           incidents=incidents)


@bp.get("/monitor/instances/<instance_id>")
@require(*INSTANCE_READERS)
def instance(instance_id):
    _may_read(instance_id)
    detail = engine().instance(instance_id)
    history = engine().history(instance_id)
    with engine().db.unit_of_work() as uow:
        detail = portfolio.with_initiative(uow.session, detail)
        record = portfolio.initiative_record(uow.session, instance_id)
        states = monitoring.element_states(uow.session, instance_id, detail["status"])
        _, definition = monitoring.instance_definition(uow.session, instance_id)
        versions = [d.version for d in monitoring.definitions_of(uow.session, detail["process_key"])]
        page = page_number()
        shown = narration.history(uow.session, instance_id,
                                  list(reversed(history))[(page - 1) * HISTORY_PAGE:page * HISTORY_PAGE])
    operations = [op for op in OFFERED.get(detail["status"], ()) if op != "migrate" or len(versions) > 1]
    acts = record is not None and detail["status"] == InstanceStatus.RUNNING and _acts_on(instance_id)
    return render_template("ui/instance.html", i=detail, record=record, states=states,
                           named=monitoring.named_states(states, definition),
                           names=monitoring.names(definition), process=definition.name or definition.process_key,
                           versions=versions, operations=operations if g.principal.has(*OPERATORS) else [],
                           may_abort=acts and g.principal.has(*ABORTERS),
                           may_reassess=acts and g.principal.has(*ASSESSORS) and assessable(record),
                           categories=list(AbortCategory),
                           history=shown, history_page={"total": len(history), "page": page,
                                                        "page_size": HISTORY_PAGE})


@bp.get("/monitor/instances/<instance_id>/diagram.xml")
@require(*INSTANCE_READERS)
def instance_diagram(instance_id):
    _may_read(instance_id)
    with engine().db.unit_of_work() as uow:
        _, definition = monitoring.instance_definition(uow.session, instance_id)
        return Response(definition.bpmn_xml, mimetype="application/xml")


def _acts_on(instance_id: str) -> bool:
    """Whether the initiative is within the caller's administrations (what abort and reassess demand)."""
    try:
        with engine().reading() as session:
            access.authorize_instance(session, g.principal, instance_id, "acting on an initiative")
    except access.AccessDenied:
        return False
    return True


def _may_read(instance_id: str) -> None:
    with engine().reading() as session:
        access.authorize_instance(session, g.principal, instance_id, "reading an initiative", reading=True)


def _version() -> int | None:
    return whole_number(request.form.get("version"))


def _act(instance_id: str, done_message: str, call) -> Response:
    """Run an operation; the engine's refusal becomes a message on the instance page."""
    try:
        call()
        flash(done_message, "success")
    except EngineError as error:
        details = "; ".join(problem_text(p) for p in error.details)
        flash(f"{t('monitor.refused')}: {error_text(error)}" + (f" ({details})" if details else ""), "error")
    return redirect(url_for("ui.instance", instance_id=instance_id))


@bp.post("/monitor/instances/<instance_id>/<any(suspend, resume, terminate):operation>")
@require(*OPERATORS)
def operate(instance_id, operation):
    return _act(instance_id, t(f"monitor.done.{operation}"), lambda: getattr(engine(), operation)(
        instance_id, actor=g.principal.username, expected_version=_version()))


@bp.post("/monitor/instances/<instance_id>/abort")
@require(*ABORTERS)
def abort_instance(instance_id):
    reason, category = request.form.get("reason", "").strip(), request.form.get("category", "")
    if not reason or category not in set(AbortCategory):
        flash(t("monitor.reason_needed"), "error")
        return redirect(url_for("ui.instance", instance_id=instance_id, _anchor="abort"))
    with engine().reading() as session:
        return _act(instance_id, t("monitor.done.abort"), lambda: access.abort_initiative(
            engine(), session, g.principal, instance_id, category, reason, expected_version=_version()))


@bp.route("/monitor/instances/<instance_id>/assess", methods=["GET", "POST"])
@require(*ASSESSORS)
def reassess(instance_id):
    """Assess the criteria again before beslut pengar, with the diagram's own criteria form."""
    try:
        with engine().reading() as session:
            schema, ui_schema = portfolio.assessment_form(session, instance_id)
            record = portfolio.initiative_record(session, instance_id)
    except Conflict as error:
        flash(f"{t('monitor.refused')}: {error_text(error)}", "error")
        return redirect(url_for("ui.instance", instance_id=instance_id))
    latest = {"criteria": record.assessment.assessment.answers()} if record.assessment else {}

    def submit(data):
        with engine().reading() as session:
            access.reassess(engine(), session, g.principal, instance_id, data)
        flash(t("monitor.done.reassess"), "success")
        return redirect(url_for("ui.instance", instance_id=instance_id, _anchor="assessment"))

    shown = form_page(schema, ui_schema, latest, submit)
    if "response" in shown:
        return shown["response"]
    return render_template("ui/assess.html", form=shown, record=record, instance_id=instance_id), shown["status"]


@bp.post("/monitor/instances/<instance_id>/migrate")
@require(*OPERATORS)
def migrate(instance_id):
    target = request.form.get("to_version", "")
    return _act(instance_id, t("monitor.done.migrate", version=target), lambda: engine().migrate(
        instance_id, whole_number(target) or 0, actor=g.principal.username,
        expected_version=_version()))


@bp.post("/monitor/jobs/<job_id>/<any(retry, cancel):operation>")
@require(*OPERATORS)
def job_operation(job_id, operation):
    job = engine().job(job_id)
    me = g.principal.username

    def call():
        if operation == "retry":
            return engine().jobs.retry_incident(job_id, actor=me)
        return engine().jobs.cancel_incident(job_id, actor=me, reason=request.form.get("reason") or None)
    return _act(job["instance_id"], t(f"monitor.done.{operation}"), call)
