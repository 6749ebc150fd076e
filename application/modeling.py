"""What process owners do with diagrams and forms before and while deploying them.

Previewing an edited diagram against the running version, deploying it with the decisions
it runs, checking a form as deploy would, reading a form as a version deployed it, and the
start form a process names.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from lxml import etree

from application import monitoring
from engine import BPMN_NAMESPACES, FormSource, ProcessDefinition, canonical_xml, definition_view, diff_diagrams

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


class NotWellFormed(ValueError):
    """The edited diagram is not XML at all."""


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


def form_text(engine, name: str, definition_id: int | None = None) -> str | None:
    """A form as the given version deployed it, or else as the forms folder holds it now."""
    if definition_id is not None:
        snapshot = engine.definition_row(definition_id).forms
        if name in snapshot:
            return json.dumps(snapshot[name], ensure_ascii=False, indent=2)
    return FormSource(engine.forms_dir).read(name)


def diff_against_running(engine, xml: str, edited_forms: dict[str, bytes]) -> list[dict]:
    """Each executable process of an edited diagram against its latest deployed version."""
    try:
        root = etree.fromstring(xml.encode(), _PARSER)
        new = canonical_xml(xml)
    except (etree.XMLSyntaxError, ValueError) as error:
        raise NotWellFormed(f"the diagram is not well-formed XML: {error}") from error
    results = []
    with engine.reading() as session:
        for process in root.iterfind("bpmn:process[@isExecutable='true']", BPMN_NAMESPACES):
            running = monitoring.definitions_of(session, process.get("id"))
            if not running:
                results.append({"process_key": process.get("id"), "against": None})
                continue
            latest = running[-1]
            results.append({"process_key": process.get("id"), "against": definition_view(latest),
                            **diff_diagrams(canonical_xml(latest.bpmn_xml), new),
                            "forms_changed": _forms_changed(engine, latest.forms, edited_forms)})
    return results


def deploy_edited(engine, xml: bytes, filename: str, edited_forms: dict[str, bytes], deployed_by: str,
                  edited_files: dict[str, bytes] | None = None) -> list[dict]:
    """Deploy an edited diagram with what its processes' running versions took from their
    deployment: the files they run besides it (DMN decision tables, diagrams they call) and
    the forms that forms/ lacks. A diagram deployed with its decisions and forms can so be
    edited here and deployed again; edited forms, edited decision tables (``edited_files``)
    and forms/ still come first."""
    files, forms, folder = {**(edited_files or {}), filename: xml}, {}, FormSource(engine.forms_dir)
    try:
        root = etree.fromstring(xml, _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        root = None  # the engine refuses it with the reason
    for process in [] if root is None else root.iterfind("bpmn:process", BPMN_NAMESPACES):
        running = engine.definitions(process.get("id"))
        if not running:
            continue
        for name in running[-1]["files"]:
            files.setdefault(name, engine.definition_file(running[-1]["id"], name).encode())
        snapshot = engine.definition_row(running[-1]["id"]).forms
        forms.update({name: json.dumps(form).encode() for name, form in snapshot.items() if folder.read(name) is None})
    return engine.deploy_bundle(files, deployed_by=deployed_by, forms={**forms, **edited_forms})


def _forms_changed(engine, running: dict, edited: dict[str, bytes]) -> list[str]:
    source = FormSource(engine.forms_dir, edited)
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


def start_forms(definition) -> tuple[dict | None, dict | None]:
    """The JSON Schema and UI schema named on the process's own start event (as the engine reads it)."""
    root = etree.fromstring(definition.bpmn_xml.encode(), _PARSER)
    start = root.find(f"bpmn:process[@id='{definition.process_key}']/bpmn:startEvent", BPMN_NAMESPACES)

    def form(prop: str) -> dict | None:
        found = None if start is None else start.find(
            f"bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property[@name='{prop}']",
            BPMN_NAMESPACES)
        return None if found is None else definition.forms.get(found.get("value"))
    return form("formJsonSchemaFilename"), form("formUiSchemaFilename")


def deploy_checkout(engine, paths, deployed_by: str) -> tuple[list[dict], list[str]]:
    """Deploy diagrams from the checkout (``make run``) without undoing a process owner's work.

    A file is deployed when the running version came from it (``source``: the engine then
    says "unchanged" or stores the edit) or equals it; otherwise a newer version was deployed
    from elsewhere (the modeler) and stays, whether the file is unchanged since it was last
    deployed from here or changed: the notice says which, and how to export that version into
    the file. (deployed, what was kept and why)."""
    files, notices = [], []
    for path in map(Path, paths):
        reason = _kept_because(engine, path) if path.suffix == ".bpmn" and path.is_file() else None
        if reason:
            notices.append(reason)
        else:
            files.append(path)
    return (engine.deploy_files(files, deployed_by=deployed_by) if files else []), notices


def _kept_because(engine, path: Path) -> str | None:
    raw = path.read_bytes()
    try:
        root, mine = etree.fromstring(raw, _PARSER), canonical_xml(raw.decode("utf-8"))
    except (etree.XMLSyntaxError, ValueError):
        return None  # the engine refuses it with the reason
    digest = hashlib.sha256(raw).hexdigest()

    def from_here(version: dict) -> bool:
        """Deployed from this file (the modeler and the API record no file, nor did versions before 0022)."""
        source = version["source"]
        return source is not None and Path(source["path"]).resolve() == path.resolve()

    def equal(version: dict) -> bool:
        source = version["source"]
        return (source or {}).get("sha256") == digest or canonical_xml(engine.definition_xml(version["id"])) == mine

    for process in root.iterfind("bpmn:process", BPMN_NAMESPACES):
        key, versions = process.get("id"), engine.definitions(process.get("id"))
        if not versions or from_here(versions[-1]) or equal(versions[-1]):
            continue
        latest, here = versions[-1], next((v for v in reversed(versions) if from_here(v)), None)
        advice = (f"to keep v{latest['version']} in the checkout: `innovation export {key} > {path}` (or the "
                  f"button on the modeler's page); `innovation deploy {path}` deploys the file over it anyway")
        newer = f"{key} v{latest['version']} ({latest['deployed_by']}, {latest['deployed_at'][:10]}) is newer"
        if here is not None and equal(here):
            return (f"{path}: unchanged since it was deployed as {key} v{here['version']}; {newer} and keeps "
                    f"running; {advice}")
        return f"{path}: changed, but {newer}, deployed from elsewhere; not deployed over it; {advice}"
    return None


def export_to_checkout(engine, definition_id: int, processes_dir: Path) -> Path:
    """Write a deployed version into the checkout's processes/ (the file it was last deployed
    from there, else ``<key>.bpmn``) and note that file as its source, so the next ``make run``
    sees the checkout holding the running version instead of an older one."""
    with engine.db.unit_of_work(write=True) as uow:
        definition = uow.session.get(ProcessDefinition, definition_id)
        if definition is None:
            raise LookupError(f"no deployed version {definition_id}")
        earlier = [d.source["path"] for d in monitoring.definitions_of(uow.session, definition.process_key)
                   if d.source]
        inside = [Path(p).name for p in reversed(earlier) if Path(p).resolve().parent == processes_dir.resolve()]
        target = processes_dir / (inside[0] if inside else f"{definition.process_key}.bpmn")
        raw = definition.bpmn_xml.encode("utf-8")
        target.write_bytes(raw)
        definition.source = {"path": str(target), "sha256": hashlib.sha256(raw).hexdigest()}
        uow.commit()
    return target
