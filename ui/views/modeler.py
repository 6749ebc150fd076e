"""Process owners: open any deployed version in bpmn-js, edit, compare with the running
version, deploy; edit forms as JSON with their validation shown.

Deploying goes through ``engine.deploy`` exactly as the API's upload does; a refusal comes
back with every problem keyed by element id, which the page pins on the diagram.
"""
from __future__ import annotations

import json

from flask import Response, g, jsonify, render_template, request
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from lxml import etree

from api.auth import require
from engine import queries as engine_queries
from engine import versions
from engine.deployments import describe
from engine.errors import DeploymentRejected
from engine.validation import NS, FormSource
from ui import queries as ui_queries
from ui.auth import engine
from ui.blueprint import bp
from ui.i18n import texts
from ui.paging import whole_number

EDITORS = ("process_owner", "admin")  # who may read definitions (as in the API); only process owners deploy
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _definitions(session) -> list:
    return [d for key in ui_queries.process_keys(session) for d in ui_queries.definitions_of(session, key)]


@bp.get("/modeler")
@require(*EDITORS)
def modeler():
    with engine().db.unit_of_work() as uow:
        definitions = _definitions(uow.session)
    wanted = request.args.get("definition", "")
    latest = next((d for d in reversed(definitions) if d.process_key == "innovation"),
                  definitions[-1] if definitions else None)
    chosen = next((d for d in definitions if str(d.id) == wanted), latest)
    folder = sorted(p.name for p in engine().forms_dir.glob("*.json")) if engine().forms_dir else []
    forms = sorted(set(folder) | set(chosen.forms if chosen else {}))
    return render_template("ui/modeler.html", definitions=definitions, chosen=chosen, forms=forms,
                           operations=engine().operations.names(), modeler_texts=texts("js."))


@bp.get("/modeler/definitions/<int:definition_id>.xml")
@require(*EDITORS)
def definition_xml(definition_id):
    return Response(engine().definition_xml(definition_id), mimetype="application/xml")


@bp.get("/modeler/forms/<name>")
@require(*EDITORS)
def form_text(name):
    """A form as the opened version deployed it, or else as forms/ holds it now."""
    definition_id = whole_number(request.args.get("definition"))
    if definition_id is not None:
        with engine().db.unit_of_work() as uow:
            snapshot = engine_queries.definition_by_id(uow.session, definition_id).forms
        if name in snapshot:
            return Response(json.dumps(snapshot[name], ensure_ascii=False, indent=2), mimetype="application/json")
    raw = FormSource(engine().forms_dir).read(name)
    if raw is None:
        return jsonify({"message": f"form {name} does not exist"}), 404
    return Response(raw, mimetype="application/json")


def form_problems(name: str, text: str) -> list[dict]:
    """What deploy would say about a form: JSON syntax (with line and column), then the schema."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return [{"message": error.msg, "line": error.lineno, "column": error.colno}]
    if not isinstance(document, dict):
        return [{"message": "a form is a JSON object"}]
    if name.endswith(".schema.json"):
        try:
            Draft202012Validator.check_schema(document)
        except SchemaError as error:
            where = "/".join(str(p) for p in error.path) or "(root)"
            return [{"message": f"not a valid JSON Schema at {where}: {error.message}"}]
    return []


@bp.post("/modeler/forms/validate")
@require(*EDITORS)
def validate_form():
    body = request.get_json(silent=True) or {}
    return jsonify({"problems": form_problems(str(body.get("name", "")), str(body.get("text", "")))})


def _edited_forms(body: dict) -> dict[str, bytes]:
    return {str(name): str(text).encode() for name, text in (body.get("forms") or {}).items()}


def canonical(xml: str) -> str:
    """The diagram with formatting, attribute order and quoting normalised (C14N 2.0, one
    element per line), so a comparison shows what changed rather than how it was written."""
    root = etree.fromstring(etree.canonicalize(xml, strip_text=True).encode(), _PARSER)
    return etree.tostring(root, pretty_print=True, encoding="unicode")


@bp.post("/modeler/diff")
@require(*EDITORS)
def diff():
    """Each executable process in the edited diagram against its running (latest) version."""
    body = request.get_json(silent=True) or {}
    try:
        root = etree.fromstring(str(body.get("xml", "")).encode(), _PARSER)
        new = canonical(str(body["xml"]))
    except (etree.XMLSyntaxError, KeyError, ValueError) as error:
        return jsonify({"message": f"the diagram is not well-formed XML: {error}"}), 422
    edited = _edited_forms(body)
    results = []
    with engine().db.unit_of_work() as uow:
        for process in root.iterfind("bpmn:process[@isExecutable='true']", NS):
            running = ui_queries.definitions_of(uow.session, process.get("id"))
            if not running:
                results.append({"process_key": process.get("id"), "against": None})
                continue
            latest = running[-1]
            changes = versions.diff(canonical(latest.bpmn_xml), new)
            results.append({"process_key": process.get("id"), "against": describe(latest), **changes,
                            "forms_changed": _forms_changed(latest.forms, edited)})
    return jsonify({"processes": results})


def _forms_changed(running: dict, edited: dict[str, bytes]) -> list[str]:
    source = FormSource(engine().forms_dir, edited)
    changed = []
    for name in sorted(set(running) | set(edited)):
        raw = source.read(name)
        try:
            now = json.loads(raw) if raw is not None else None
        except ValueError:
            now = raw
        if now != running.get(name):
            changed.append(name)
    return changed


@bp.post("/modeler/deploy")
@require("process_owner")
def deploy():
    body = request.get_json(silent=True) or {}
    try:
        deployed = engine().deploy(str(body.get("xml", "")).encode(), deployed_by=g.principal.username,
                                   filename=str(body.get("filename") or "diagram.bpmn"), forms=_edited_forms(body))
    except DeploymentRejected as error:
        return jsonify({"message": error.message, "details": [p.to_dict() for p in error.details]}), 422
    return jsonify({"deployed": deployed}), 201
