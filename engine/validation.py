"""Deploy-time checks: a diagram is refused with every problem found, each named by the
element it belongs to, before anything of it is stored or run.

Order: size and DTD screening on raw bytes (no parser sees an entity), well-formedness,
the BPMN + SpiffWorkflow XSD (all errors, not only the last one SpiffWorkflow reports),
then our own pass over the XML for code, forms and operations, and last SpiffWorkflow's
semantic parse. SpiffWorkflow never syntax-checks Python at parse time; we compile every
snippet with the same restricted compiler the running engine uses.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.spiff.parser.process import VALIDATOR

from engine.errors import InvalidData, Problem
from engine.forms import loads as load_form
from engine.sandbox import compile_problem
from engine.tables import HumanTask
from engine.workflow import EngineParser, dump_spec

MAX_BPMN_BYTES = 5 * 1024 * 1024
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_FORM_PROPERTIES = ("formJsonSchemaFilename", "formUiSchemaFilename")


@dataclass
class ParsedProcess:
    process_key: str
    name: str | None
    spec_json: str


@dataclass
class Validated:
    problems: list[Problem] = field(default_factory=list)
    processes: list[ParsedProcess] = field(default_factory=list)
    forms: dict = field(default_factory=dict)


def validate(xml: bytes, forms: "FormSource", operations, filename: str = "diagram.bpmn") -> Validated:
    result = Validated()
    if len(xml) > MAX_BPMN_BYTES:
        result.problems.append(Problem(f"{filename} is {len(xml)} bytes; the limit is {MAX_BPMN_BYTES}"))
        return result
    try:
        xml.decode("utf-8")
    except UnicodeDecodeError as exc:  # also keeps UTF-16 from slipping past the byte-level DTD screen
        result.problems.append(Problem(f"{filename} is not UTF-8 text (byte {exc.start} cannot be read as UTF-8); "
                                       "save the diagram as UTF-8"))
        return result
    if _DTD.search(xml):
        result.problems.append(Problem(f"{filename} declares a DTD or entities, which are not accepted"))
        return result
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=False)
        root = etree.fromstring(xml, parser=parser)
    except etree.XMLSyntaxError as exc:
        result.problems.append(Problem(f"{filename} is not well-formed XML: {exc.msg} (line {exc.lineno})"))
        return result
    result.problems += _length_problems(root)
    result.problems += _schema_problems(root)
    result.problems += _code_problems(root)
    result.problems += _operation_problems(root, operations)
    form_problems, result.forms = _form_problems(root, forms)
    result.problems += form_problems
    if not result.problems:
        result.problems += _parse(root, filename, result)
    return result


def _element(node):
    """The nearest enclosing element with an id: where a problem is reported."""
    while node is not None and node.get("id") is None:
        node = node.getparent()
    return node


def _problem(node, message: str) -> Problem:
    owner = _element(node)
    if owner is None:
        return Problem(message)
    return Problem(message, element_id=owner.get("id"), element_name=owner.get("name"))


def _length_problems(root) -> list[Problem]:
    """Ids, names and form references longer than the columns that store them (inbox, timers,
    jobs, audit): such a diagram would deploy and then fail when an instance reaches them."""
    limits = {"id": HumanTask.element_id.type.length, "name": HumanTask.name.type.length}
    problems = []
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        local = etree.QName(node).localname
        attributes = dict(limits, name=HumanTask.lane.type.length) if local == "lane" else limits
        if local == "property" and node.get("name") in _FORM_PROPERTIES:
            attributes = {"value": HumanTask.form.type.length}
        for attribute, limit in attributes.items():
            value = node.get(attribute) or ""
            if len(value) > limit:
                problems.append(_problem(node, f"{local} {attribute} is {len(value)} characters long; "
                                               f"the limit is {limit}"))
    return problems


def _schema_problems(root) -> list[Problem]:
    VALIDATOR.preprocess(root)
    schema = VALIDATOR.validator
    if schema.validate(root):
        return []
    by_line = {}
    for node in root.iter():
        if isinstance(node.tag, str) and node.get("id") is not None:
            by_line.setdefault(node.sourceline, node)
    problems = []
    for error in schema.error_log:
        node = by_line.get(error.line)
        message = f"does not match the BPMN schema (line {error.line}): {error.message}"
        problems.append(_problem(node, message) if node is not None else Problem(message))
    return problems


def _snippets(root):
    """Every piece of diagram code: (node, mode, source, kind)."""
    for node in root.iterfind(".//bpmn:conditionExpression", NS):
        yield node, "eval", node.text or "", "condition"
    for node in root.iterfind(".//bpmn:scriptTask/bpmn:script", NS):
        yield node, "exec", node.text or "", "script"
    for tag in ("preScript", "postScript"):
        for node in root.iterfind(f".//spiffworkflow:{tag}", NS):
            yield node, "exec", node.text or "", tag
    for tag in ("timeDate", "timeDuration", "timeCycle"):
        for node in root.iterfind(f".//bpmn:timerEventDefinition/bpmn:{tag}", NS):
            yield node, "eval", node.text or "", tag
    for node in root.iterfind(".//spiffworkflow:parameter", NS):
        yield node, "eval", node.get("value") or "", f"parameter {node.get('id')}"
    for tag in ("loopCardinality", "completionCondition"):
        for node in root.iterfind(f".//bpmn:{tag}", NS):
            yield node, "eval", node.text or "", tag
    for node in root.iterfind(".//spiffworkflow:messagePayload", NS):
        yield node, "eval", node.text or "", "message payload"


def _code_problems(root) -> list[Problem]:
    problems = []
    for node, mode, source, kind in _snippets(root):
        if not source.strip():
            problems.append(_problem(node, f"{kind} is empty"))
            continue
        refused = compile_problem(source.strip(), mode)
        if refused:
            problems.append(_problem(node, f"{kind} {source.strip()!r} is refused: {refused}"))
        elif kind.startswith("time"):
            problems += _literal_timer_problems(node, source.strip(), kind)
    return problems


def _literal_timer_problems(node, source: str, kind: str) -> list[Problem]:
    """A quoted timer literal can be checked now instead of failing weeks later."""
    try:
        literal = json.loads(source) if source[0] == '"' else None
    except ValueError:
        literal = None
    if not isinstance(literal, str):
        return []
    parse = {"timeDuration": TimerEventDefinition.parse_iso_duration,
             "timeDate": TimerEventDefinition.parse_time_or_duration,
             "timeCycle": TimerEventDefinition.parse_iso_recurring_interval}[kind]
    try:
        parse(literal)
    except Exception as exc:  # the library raises bare Exception for bad durations
        return [_problem(node, f"{kind} {literal!r} is not a valid ISO-8601 value: {exc}")]
    return []


def _operation_problems(root, operations) -> list[Problem]:
    problems = []
    for task in root.iterfind(".//bpmn:serviceTask", NS):
        operator = task.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
        if operator is None or not operator.get("id"):
            problems.append(_problem(task, "service task names no operation (spiffworkflow:serviceTaskOperator)"))
        elif operator.get("id") not in operations:
            problems.append(_problem(task, f"operation {operator.get('id')!r} is not registered; "
                                           f"known: {', '.join(operations.names()) or 'none'}"))
    return problems


class FormSource:
    """Where referenced forms come from: uploaded files first, then a forms folder."""

    def __init__(self, folder: Path | None = None, uploaded: dict[str, bytes] | None = None):
        self.folder = Path(folder) if folder else None
        self.uploaded = uploaded or {}

    def read(self, name: str) -> bytes | None:
        if name in self.uploaded:
            return self.uploaded[name]
        if self.folder is None or "/" in name or "\\" in name or name.startswith("."):
            return None
        path = self.folder / name
        return path.read_bytes() if path.is_file() else None


def _form_problems(root, source: FormSource) -> tuple[list[Problem], dict]:
    problems, forms = [], {}
    for prop in root.iterfind(".//spiffworkflow:properties/spiffworkflow:property", NS):
        if prop.get("name") not in _FORM_PROPERTIES:
            continue
        name = prop.get("value") or ""
        raw = source.read(name)
        if raw is None:
            problems.append(_problem(prop, f"form {name!r} does not exist in forms/"))
            continue
        try:
            document = load_form(raw)
        except InvalidData as exc:
            problems.append(_problem(prop, f"form {name!r} is not valid JSON: {'; '.join(map(str, exc.details))}"))
            continue
        if prop.get("name") == "formJsonSchemaFilename":
            try:
                Draft202012Validator.check_schema(document)
            except SchemaError as exc:
                where = "/".join(str(p) for p in exc.path) or "(root)"
                problems.append(_problem(prop, f"form {name!r} is not a valid JSON Schema at {where}: {exc.message}"))
                continue
        forms[name] = document
    return problems, forms


def _parse(root, filename: str, result: Validated) -> list[Problem]:
    parser = EngineParser()
    try:
        parser.add_bpmn_xml(root, filename)
        keys = parser.get_process_ids()
        if not keys:
            return [Problem("the diagram has no executable process (isExecutable=\"true\")")]
        for key in keys:
            spec = parser.get_spec(key)
            process = root.find(f"bpmn:process[@id='{key}']", NS)
            name = process.get("name") if process is not None else None
            result.processes.append(ParsedProcess(key, name, dump_spec(spec, parser.get_subprocess_specs(key))))
    except ValidationException as exc:
        return [Problem(exc.msg if hasattr(exc, "msg") else str(exc), element_id=exc.id or None,
                        element_name=exc.name or None)]
    return []
