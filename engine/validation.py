"""Deploy-time checks: a diagram is refused with every problem found, each named by the
element it belongs to, before anything of it is stored or run.

Order: size and DTD screening on raw bytes (no parser sees an entity), well-formedness,
the BPMN + SpiffWorkflow XSD (all errors, not only the last one SpiffWorkflow reports),
then our own pass over the XML for code, forms and operations, and last SpiffWorkflow's
semantic parse. SpiffWorkflow never syntax-checks Python at parse time; we compile every
snippet with the same restricted compiler the running engine uses.
"""
from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import VALIDATOR

from engine import clock
from engine.errors import InvalidData, Problem
from engine.forms import loads as load_form
from engine.sandbox import compile_problem
from engine.tables import HumanTask
from engine.workflow import EngineParser, dump_spec

MAX_BPMN_BYTES = 5 * 1024 * 1024
# SpiffWorkflow 3.2.0 joins parallel branches in quadratic time or worse: branches that
# finish in one step took 0.4-0.8 s for 100, 2-2.7 s for 200 and 77-143 s for 1,000.
MAX_GATEWAY_BRANCHES = 100
_FORKING = ("parallelGateway", "inclusiveGateway", "complexGateway")
TIMER_KINDS = ("timeDate", "timeDuration", "timeCycle")
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


def validate(xml: bytes, forms: FormSource, operations, filename: str = "diagram.bpmn") -> Validated:
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
    result.problems += _branch_problems(root)
    result.problems += _reference_problems(root)
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
    return Problem(message, element_id=owner.get("id"), element_name=owner.get("name"),
                   element_type=_local(owner))


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
    for node in root.iterfind(".//bpmn:conditionalEventDefinition/bpmn:condition", NS):
        yield node, "eval", node.text or "", "event condition"
    for node in root.iterfind(".//bpmn:scriptTask/bpmn:script", NS):
        yield node, "exec", node.text or "", "script"
    for tag in ("preScript", "postScript"):
        for node in root.iterfind(f".//spiffworkflow:{tag}", NS):
            yield node, "exec", node.text or "", tag
    for tag in TIMER_KINDS:
        for node in root.iterfind(f".//bpmn:timerEventDefinition/bpmn:{tag}", NS):
            yield node, "eval", node.text or "", tag
    for node in root.iterfind(".//spiffworkflow:parameter", NS):
        yield node, "eval", node.get("value") or "", f"parameter {node.get('id')}"
    for tag in ("loopCardinality", "completionCondition"):
        for node in root.iterfind(f".//bpmn:{tag}", NS):
            yield node, "eval", node.text or "", tag
    for node in root.iterfind(".//spiffworkflow:messagePayload", NS):
        yield node, "eval", node.text or "", "message payload"
    for node in root.iterfind(".//spiffworkflow:property[@name='scope']", NS):
        yield node, "eval", node.get("value") or "", "scope"


_EMPTY = {
    "script": "write the Python to run in the task's script, or make it a plain task if nothing should run",
    "condition": "write a Python expression such as amount > 1000, or remove it and mark the flow as default",
    "event condition": "write a Python expression such as approved == True",
    "scope": "write a Python expression such as request[\"administration\"], or remove the property",
}


def _code_problems(root) -> list[Problem]:
    problems = []
    for task in root.iterfind(".//bpmn:scriptTask", NS):
        if task.find("bpmn:script", NS) is None:
            problems.append(_problem(task, f"script task has no script; {_EMPTY['script']}"))
    for node, mode, source, kind in _snippets(root):
        source = source.strip()
        if kind in TIMER_KINDS:
            problems += _timer_problems(node, source, kind)
        elif not source:
            problems.append(_problem(node, f"{kind} is empty" + (f"; {_EMPTY[kind]}" if kind in _EMPTY else "")))
        else:
            refused = compile_problem(source, mode)
            if refused:
                problems.append(_problem(node, f"{kind} {source!r} is refused: {refused}"))
    return problems


def _timer_problems(node, source: str, kind: str) -> list[Problem]:
    """A timer is an ISO 8601 value, written bare (as Camunda Modeler does) or quoted, or an
    expression producing one. Whatever can be known now is checked now, not weeks later."""
    hint = f"write an ISO 8601 value such as {clock.EXAMPLES[kind]}, or an expression that returns one"
    if not source:
        return [_problem(node, f"{kind} is empty; {hint}")]
    value = clock.timer_literal(source)
    if value is None:
        refused = compile_problem(source, "eval")
        if refused:
            return [_problem(node, f"{kind} {source!r} is neither an ISO 8601 value nor an expression "
                                   f"({refused}); {hint}")]
        try:
            value = ast.literal_eval(source)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return []  # an expression: its value is checked when the timer starts
    problem = clock.timer_value_problem(kind, value)
    return [_problem(node, f"{kind} {source!r} {problem}")] if problem else []


def _containers(root):
    """(child elements by id, sequence flows) of every process and subprocess with flows."""
    parents = {id(flow.getparent()): flow.getparent() for flow in root.iterfind(".//bpmn:sequenceFlow", NS)}
    for container in parents.values():
        nodes = {node.get("id"): node for node in container if isinstance(node.tag, str) and node.get("id")}
        yield nodes, container.findall("bpmn:sequenceFlow", NS)


def _local(node) -> str:
    return etree.QName(node).localname


def _branch_problems(root) -> list[Problem]:
    """Gateways wider than SpiffWorkflow can start or join quickly (its join is quadratic)."""
    problems = []
    for nodes, flows in _containers(root):
        for end, direction in (("sourceRef", "outgoing"), ("targetRef", "incoming")):
            for gateway_id, count in Counter(flow.get(end) for flow in flows).items():
                gateway = nodes.get(gateway_id)
                if count > MAX_GATEWAY_BRANCHES and gateway is not None and _local(gateway) in _FORKING:
                    problems.append(_problem(gateway, f"has {count} {direction} flows; the limit is "
                                                      f"{MAX_GATEWAY_BRANCHES} (MAX_GATEWAY_BRANCHES): use a "
                                                      "multi-instance task or split the work"))
    return problems


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


def _reference_problems(root) -> list[Problem]:
    """Structure SpiffWorkflow follows without checking: it stops at the first such
    problem with a TypeError or a guess, so these are listed here, all of them."""
    problems = []
    for nodes, flows in _containers(root):
        for flow in flows:
            for end in ("sourceRef", "targetRef"):
                if flow.get(end) not in nodes:
                    problems.append(_problem(flow, f"{end} {flow.get(end)!r} names no element of the same "
                                                   "process or subprocess"))
            source, target = nodes.get(flow.get("sourceRef")), nodes.get(flow.get("targetRef"))
            if (source is not None and target is not None and _local(source) == "eventBasedGateway"
                    and _local(target) not in _EVENT_GATEWAY_TARGETS):
                problems.append(_problem(flow, f"leads from event-based gateway {source.get('id')!r} to a "
                                               f"{_local(target)}; it may only lead to an intermediate catch "
                                               "event or a receive task"))
    for kind, attribute in (("message", "messageRef"), ("signal", "signalRef"), ("error", "errorRef"),
                            ("escalation", "escalationRef")):
        declared = {node.get("id") for node in root.iterfind(f"bpmn:{kind}", NS)}
        for node in root.iterfind(f".//bpmn:{kind}EventDefinition[@{attribute}]", NS):
            if node.get(attribute) not in declared:
                problems.append(_problem(node, f"{attribute} {node.get(attribute)!r} names no bpmn:{kind} of "
                                               f"this diagram; declare <bpmn:{kind} id=\"{node.get(attribute)}\"> "
                                               "or refer to one that exists"))
    for node in root.iterfind(".//bpmn:timerEventDefinition", NS):
        if not any(node.find(f"bpmn:{kind}", NS) is not None for kind in TIMER_KINDS):
            problems.append(_problem(node, "timer has no timeDuration, timeDate or timeCycle; add one, e.g. "
                                           "a timeDuration of PT5M"))
    data_objects = {node.get("id") for node in root.iterfind(".//bpmn:dataObject", NS)}
    for node in root.iterfind(".//bpmn:dataObjectReference", NS):
        if node.get("dataObjectRef") not in data_objects:
            problems.append(_problem(node, f"dataObjectRef {node.get('dataObjectRef')!r} names no bpmn:dataObject; "
                                           "point it at a data object of the process"))
    ids = {node.get("id") for node in root.iter() if isinstance(node.tag, str)}
    for path in ("bpmn:dataInputAssociation/bpmn:sourceRef", "bpmn:dataOutputAssociation/bpmn:targetRef"):
        for node in root.iterfind(f".//{path}", NS):
            if (node.text or "").strip() not in ids:
                problems.append(_problem(node, f"{path.replace('bpmn:', '')} {node.text!r} names no element "
                                               "of this diagram"))
    processes = {node.get("id") for node in root.iterfind("bpmn:process", NS)}
    for call in root.iterfind(".//bpmn:callActivity", NS):
        if call.get("calledElement") not in processes:
            problems.append(_problem(call, f"calls process {call.get('calledElement')!r}, which this diagram does "
                                           f"not contain; processes here: {', '.join(sorted(processes))}"))
    return problems


_EVENT_GATEWAY_TARGETS = ("intermediateCatchEvent", "receiveTask")
_REPR = re.compile(r"<Element (?:\{[^}]*\})?(\w+) at 0x[0-9a-f]+>")
_WRAPPED = re.compile(r"(\w+)\((['\"])(.*)\2\)", re.DOTALL)


def _spiff_problem(exc: ValidationException) -> Problem:
    """SpiffWorkflow's finding without its reprs: element id, name and type, plain message."""
    message = _REPR.sub(lambda m: m.group(1), str(exc.args[0]) if exc.args else "invalid diagram")
    wrapped = _WRAPPED.fullmatch(message)
    if wrapped:  # an unexpected error inside SpiffWorkflow's parser, shown by it as a repr
        message = f"SpiffWorkflow could not parse this element ({wrapped.group(1)}: {wrapped.group(3)})"
    return Problem(message, element_id=exc.id or None, element_name=exc.name or None,
                   element_type=(exc.tag or "").rpartition(":")[2].rpartition("}")[2] or None)


def _parse(root, filename: str, result: Validated) -> list[Problem]:
    """SpiffWorkflow's own parse, process by process, so each process's problem is listed."""
    parser = EngineParser()
    try:
        parser.add_bpmn_xml(root, filename)
    except ValidationException as exc:
        return [_spiff_problem(exc)]
    keys = parser.get_process_ids()
    if not keys:
        return [Problem("the diagram has no executable process (isExecutable=\"true\")")]
    problems = []
    for key in keys:
        try:
            spec = parser.get_spec(key)
            subprocess_specs = parser.get_subprocess_specs(key)
        except ValidationException as exc:
            problems.append(_spiff_problem(exc))
            continue
        process = root.find(f"bpmn:process[@id='{key}']", NS)
        name = process.get("name") if process is not None else None
        result.processes.append(ParsedProcess(key, name, dump_spec(spec, subprocess_specs)))
    return problems
