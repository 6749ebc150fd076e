"""Process owners: open any deployed version in bpmn-js, edit, compare with the running
version, deploy; edit forms as JSON with their validation shown.

Deploying goes through ``engine.deploy`` exactly as the API's upload does; a refusal comes
back with every problem keyed by element id, which the page pins on the diagram.
"""
from __future__ import annotations

from flask import Response, flash, g, jsonify, redirect, render_template, request, url_for

from application import modeling, monitoring
from application.access import DEPLOYERS, MODEL_READERS
from engine import DeploymentRejected, script_helpers
from innovation.model import PROCESS_KEY
from ui.auth import engine, require, settings
from ui.blueprint import bp
from ui.i18n import error_text, problem_text, t, texts
from ui.paging import whole_number


def _definitions(session) -> list:
    return [d for key in monitoring.process_keys(session) for d in monitoring.definitions_of(session, key)]


@bp.get("/modeler")
@require(*MODEL_READERS)
def modeler():
    with engine().reading() as session:
        definitions = _definitions(session)
    wanted = request.args.get("definition", "")
    latest = next((d for d in reversed(definitions) if d.process_key == PROCESS_KEY),
                  definitions[-1] if definitions else None)
    chosen = next((d for d in definitions if str(d.id) == wanted), latest)
    folder = sorted(p.name for p in engine().forms_dir.glob("*.json")) if engine().forms_dir else []
    forms = sorted(set(folder) | set(chosen.forms if chosen else {}))
    decisions = sorted(name for name in (chosen.files or {}) if name.endswith(".dmn")) if chosen else []
    return render_template("ui/modeler.html", definitions=definitions, chosen=chosen, forms=forms, decisions=decisions,
                           operations=engine().operations.names(), helpers=script_helpers(),
                           groups=[(name, t(f"role.{name}")) for name in sorted(engine().groups or ())],
                           modeler_texts=texts("js."), checkout_writable=settings().checkout_writable,
                           processes_dir=settings().processes_dir.name)


@bp.get("/modeler/definitions/<int:definition_id>.xml")
@require(*MODEL_READERS)
def definition_xml(definition_id):
    return Response(engine().definition_xml(definition_id), mimetype="application/xml")


@bp.post("/modeler/definitions/<int:definition_id>/export")
@require(*DEPLOYERS)
def export_definition(definition_id):
    """Write the version into the checkout's processes/ (only where a setting says it may be written)."""
    if not settings().checkout_writable:
        flash(t("modeler.export_off"), "error")
    else:
        target = modeling.export_to_checkout(engine(), definition_id, settings().processes_dir)
        flash(t("modeler.exported", file=f"{target.parent.name}/{target.name}"), "success")
    return redirect(url_for("ui.modeler", definition=definition_id))


@bp.get("/modeler/definitions/<int:definition_id>/files/<name>")
@require(*MODEL_READERS)
def definition_file(definition_id, name):
    """A DMN decision table (or called diagram) a version runs, for the DMN editor."""
    return Response(engine().definition_file(definition_id, name), mimetype="application/xml")


@bp.get("/modeler/forms/<name>")
@require(*MODEL_READERS)
def form_text(name):
    """A form as the opened version deployed it, or else as forms/ holds it now."""
    raw = modeling.form_text(engine(), name, whole_number(request.args.get("definition")))
    if raw is None:
        return jsonify({"message": f"form {name} does not exist"}), 404
    return Response(raw, mimetype="application/json")


@bp.post("/modeler/forms/validate")
@require(*MODEL_READERS)
def validate_form():
    body = request.get_json(silent=True) or {}
    return jsonify({"problems": modeling.form_problems(str(body.get("name", "")), str(body.get("text", "")))})


def _edited_forms(body: dict) -> dict[str, bytes]:
    return {str(name): str(text).encode() for name, text in (body.get("forms") or {}).items()}


def _edited_decisions(body: dict) -> dict[str, bytes]:
    """DMN files edited in the page's dmn-js editor, by file name (deploy checks them)."""
    return {str(name): str(text).encode() for name, text in (body.get("decisions") or {}).items()}


@bp.post("/modeler/diff")
@require(*MODEL_READERS)
def diff():
    """Each executable process in the edited diagram against its running (latest) version."""
    body = request.get_json(silent=True) or {}
    try:
        results = modeling.diff_against_running(engine(), str(body.get("xml", "")), _edited_forms(body))
    except modeling.NotWellFormed as error:
        return jsonify({"message": str(error)}), 422
    return jsonify({"processes": results})


@bp.post("/modeler/deploy")
@require(*DEPLOYERS)
def deploy():
    body = request.get_json(silent=True) or {}
    try:
        deployed = modeling.deploy_edited(engine(), str(body.get("xml", "")).encode(),
                                          str(body.get("filename") or "diagram.bpmn"), _edited_forms(body),
                                          g.principal.username, edited_files=_edited_decisions(body))
    except DeploymentRejected as error:
        return jsonify({"message": error_text(error),
                        "details": [{**p.to_dict(), "message": problem_text(p)} for p in error.details]}), 422
    return jsonify({"deployed": deployed}), 201
