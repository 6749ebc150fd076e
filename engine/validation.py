"""Deploy-time checks: a diagram is refused with every problem found, each named by the
element it belongs to, before anything of it is stored or run.

Order: size and DTD screening on raw bytes (no parser sees an entity), well-formedness,
the BPMN + SpiffWorkflow XSD (all errors, not only the last one SpiffWorkflow reports),
then our own pass over the XML for code, forms and operations, and last SpiffWorkflow's
semantic parse. SpiffWorkflow never syntax-checks Python at parse time; we compile every
snippet with the same restricted compiler the running engine uses.

What SpiffWorkflow parses is the checked tree, not the file: JUEL and FEEL there are
replaced by their Python (``engine/expressions.py``), flows without ids get ids, and an
unreadable layout position is dropped; the stored diagram stays as it was written.
Layout (BPMNDI) schema errors and likely slips only warn.
"""
from __future__ import annotations

import ast
import copy
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import VALIDATOR

from engine import assignment, bundles, camunda, clock, deadlines, dmn
from engine.errors import InvalidData, Problem
from engine.expressions import SUPPORTED, Refused, translate
from engine.forms import loads as load_form
from engine.sandbox import compile_problem
from engine.tables import HumanTask
from engine.workflow import CAMUNDA, DECISION_RESULTS, EngineParser, dump_spec, stored_specs

MAX_BPMN_BYTES = bundles.MAX_FILE_BYTES
# SpiffWorkflow 3.2.0 joins parallel branches in quadratic time or worse: branches that
# finish in one step took 0.4-0.8 s for 100, 2-2.7 s for 200 and 77-143 s for 1,000.
MAX_GATEWAY_BRANCHES = 100
_FORKING = ("parallelGateway", "inclusiveGateway", "complexGateway")
TIMER_KINDS = ("timeDate", "timeDuration", "timeCycle")
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
DI_NAMESPACES = ("http://www.omg.org/spec/BPMN/20100524/DI", "http://www.omg.org/spec/DD/20100524/DI",
                 "http://www.omg.org/spec/DD/20100524/DC")
_FORM_PROPERTIES = ("formJsonSchemaFilename", "formUiSchemaFilename")


@dataclass
class ParsedProcess:
    process_key: str
    name: str | None
    spec_json: str
    filename: str = "diagram.bpmn"
    xml: bytes = b""
    files: dict[str, bytes] = field(default_factory=dict)  # other files of the deployment it runs (DMN, callees)
    forms: dict = field(default_factory=dict)  # every form its user tasks name, callees' included
    calls: dict[str, bundles.Deployed] = field(default_factory=dict)  # deployed processes it calls


@dataclass
class Validated:
    problems: list[Problem] = field(default_factory=list)
    processes: list[ParsedProcess] = field(default_factory=list)
    forms: dict = field(default_factory=dict)
    warnings: dict[str, list[Problem]] = field(default_factory=dict)  # by file: deployed all the same
    expressions: dict[str, list[dict]] = field(default_factory=dict)  # by file: JUEL and FEEL, and their Python


def validate(xml: bytes, forms: FormSource, operations, filename: str = "diagram.bpmn", groups=None) -> Validated:
    """One diagram deployed on its own."""
    return validate_bundle({filename: xml}, forms, operations, groups=groups)


def validate_bundle(files: dict[str, bytes], forms: FormSource, operations, deployed=None, groups=None) -> Validated:
    """Several BPMN and DMN files and forms, deployed as one: every problem of every file.

    ``deployed(process_key, version)`` finds a deployed version a call activity may run
    (the latest when ``version`` is None); without it only the bundle's processes are found.
    ``groups`` are the names a candidate group may have (None: any). A problem names its
    file when the deployment holds more than one.
    """
    result = Validated()
    found = bundles.sort_files(files)
    result.problems += found.problems
    forms = FormSource(forms.folder, {**forms.uploaded, **found.forms})
    named = len(files) > 1

    def in_file(name: str, problems: list[Problem]) -> list[Problem]:
        return [replace(p, file=name) if named and p.file is None else p for p in problems]

    diagrams, form_sets, uses = {}, {}, {}
    for name, xml in found.bpmn.items():
        root, problems, form_sets[name] = _diagram_problems(xml, forms, operations, name, result, groups)
        result.problems += in_file(name, problems)
        if root is not None:
            diagrams[name] = root
    tables, decisions = _decisions(found.dmn, result.problems)
    processes = _processes(diagrams, result.problems)
    deployed = deployed or (lambda key, version: None)
    for name, root in diagrams.items():
        problems, uses[name] = _decision_problems(root, decisions)
        result.problems += in_file(name, problems + bundles.call_problems(root, processes, deployed))
        result.forms.update(form_sets[name])
    if not result.problems and found.bpmn:
        result.problems += _parse(diagrams, tables, uses, form_sets, deployed, found, result)
    return result


def _decisions(files: dict[str, bytes], problems: list[Problem]) -> tuple[dict, dict | None]:
    """The DMN files that passed every check (name -> root) and which file holds each decision
    (None when a file could not be read: which decisions there are is then not known)."""
    tables, decisions = {}, {}
    for name, xml in files.items():
        root, found = dmn.check(xml, name)
        problems += found
        if root is None:
            decisions = None
            continue
        if not found:
            tables[name] = root
        for decision in root.xpath("*[local-name()='decision']/@id"):
            if decisions is not None and decisions.setdefault(decision, name) != name:
                problems.append(Problem(f"decision {decision!r} is also in {decisions[decision]}; decision ids "
                                        "must be unique in a deployment", file=name, code="decision_twice",
                                        params={"decision": decision, "file": decisions[decision]}))
    return tables, decisions


def _processes(diagrams: dict, problems: list[Problem]) -> dict[str, bool]:
    """Every process of the deployment, and whether it is executable; each id once."""
    processes, homes = {}, {}
    for name, root in diagrams.items():
        for node in root.iterfind("bpmn:process", NS):
            if homes.setdefault(node.get("id"), name) != name:
                problems.append(replace(_problem(node, f"process {node.get('id')!r} is also in "
                                                       f"{homes[node.get('id')]}; a deployment holds each process "
                                                       "once", code="process_twice", file=homes[node.get("id")]),
                                        file=name))
            processes[node.get("id")] = node.get("isExecutable") == "true"
    return processes


def _diagram_problems(xml: bytes, forms: FormSource, operations, filename: str, result: Validated, groups=None):
    """A BPMN file's own problems: (its parsed root or None, problems, the forms it names);
    its warnings and translated expressions go to ``result``, by file."""
    root, problem = bundles.read_xml(xml, filename)
    if problem:
        return None, [problem], {}
    if dmn.is_dmn(root):
        return None, [Problem(f"{filename} is a DMN file; name it .dmn to deploy it as a decision",
                              code="dmn_as_bpmn", params={"file": filename})], {}
    if etree.QName(root).namespace != NS["bpmn"]:
        return None, [Problem(f"{filename} is not a BPMN diagram: its root element is {etree.QName(root).localname}"
                              f" in namespace {etree.QName(root).namespace or 'none'}; expected definitions of "
                              f"BPMN 2.0 ({NS['bpmn']})", code="not_bpmn", params={"file": filename})], {}
    problems = _length_problems(root)
    schema_problems, warnings = _schema_problems(root)
    problems += schema_problems
    warnings += _name_flows(root)
    translation_problems, result.expressions[filename], refused = _translate(root)
    problems += translation_problems
    problems += _code_problems(root, skip=refused)
    result.warnings[filename] = warnings + _literal_name_warnings(root, skip=refused)
    problems += _branch_problems(root)
    problems += _reference_problems(root)
    problems += _operation_problems(root, operations)
    problems += _assignment_problems(root, groups)
    problems += [_problem(node, message) for node, message in deadlines.problems(root)]
    form_problems, found_forms = _form_problems(root, forms)
    camunda_problems, camunda_forms = _camunda_form_problems(root)
    return root, problems + form_problems + camunda_problems, {**found_forms, **camunda_forms}


def _decision_problems(root, decisions: dict | None) -> tuple[list[Problem], set[str]]:
    """Every business rule task must name a decision of the deployment's DMN files (None: a
    DMN file could not be read, so which decisions there are is not known), as spiff
    (``calledDecisionId``) or Camunda (``decisionRef``, with its result mapping) writes it."""
    problems, used = [], set()
    known = ", ".join(sorted(decisions or ())) or "none"
    for task in root.iterfind(".//bpmn:businessRuleTask", NS):
        ref = (task.findtext("bpmn:extensionElements/spiffworkflow:calledDecisionId", None, NS)
               or task.get(f"{CAMUNDA}decisionRef") or "").strip()
        mapping, binding = task.get(f"{CAMUNDA}mapDecisionResult"), task.get(f"{CAMUNDA}decisionRefBinding")
        if mapping is not None and mapping not in DECISION_RESULTS:
            problems.append(_problem(task, f"camunda:mapDecisionResult {mapping!r} is not one of "
                                           f"{', '.join(DECISION_RESULTS)}", code="decision_mapping", mapping=mapping,
                                     known=", ".join(DECISION_RESULTS)))
        if binding not in (None, "latest", "deployment"):
            problems.append(_problem(task, f"camunda:decisionRefBinding {binding!r} is not supported: a decision "
                                           "comes from the DMN files deployed with the diagram",
                                     code="decision_binding", binding=binding))
        if not ref:
            problems.append(_problem(task, "business rule task names no decision; set its "
                                           "spiffworkflow:calledDecisionId (or camunda:decisionRef) to the id of a "
                                           "decision in a .dmn file deployed with it", code="decision_unnamed"))
        elif decisions is not None and ref not in decisions:
            problems.append(_problem(task, f"business rule task calls decision {ref!r}, which no DMN file of this "
                                           f"deployment holds (decisions here: {known}); deploy its .dmn file "
                                           "with the diagram", code="decision_unknown", decision=ref, known=known))
        elif decisions is not None:
            used.add(decisions[ref])
    return problems, used


def _element(node):
    """The nearest enclosing element with an id: where a problem is reported."""
    while node is not None and node.get("id") is None:
        node = node.getparent()
    return node


def _problem(node, message: str, code: str | None = None, **params) -> Problem:
    """A problem at ``node``'s element; ``code`` and ``params`` name it for translation (the
    element's name, else its id, is the parameter ``element``)."""
    owner = _element(node)
    if owner is None:
        return Problem(message, code=code, params={"element": "–", **params} if code else None)
    return Problem(message, element_id=owner.get("id"), element_name=owner.get("name"),
                   element_type=_local(owner), code=code,
                   params={"element": owner.get("name") or owner.get("id"), **params} if code else None)


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
                                               f"the limit is {limit}", code="too_long", attribute=attribute,
                                         length=len(value), limit=limit))
    return problems


def _schema_problems(root) -> tuple[list[Problem], list[Problem]]:
    """(problems, warnings): schema errors in the diagram interchange (the layout, which
    the engine does not run) are only warnings; those of the process refuse the diagram."""
    VALIDATOR.preprocess(root)
    schema = VALIDATOR.validator
    if schema.validate(root):
        return [], []
    errors = [(error.line, error.message) for error in schema.error_log]
    layout = [node for node in root if isinstance(node.tag, str) and etree.QName(node).namespace in DI_NAMESPACES]
    if layout:
        without_layout = copy.deepcopy(root)  # line numbers stay those of the file
        for node in without_layout:
            if isinstance(node.tag, str) and etree.QName(node).namespace in DI_NAMESPACES:
                without_layout.remove(node)
        schema.validate(without_layout)
        refused = {(error.line, error.message) for error in schema.error_log}
        _drop_unreadable_bounds(root)
    else:
        refused = set(errors)
    by_line = {}
    for node in root.iter():
        if isinstance(node.tag, str) and node.get("id") is not None:
            by_line.setdefault(node.sourceline, node)
    problems, warnings = [], []
    for line, text in errors:
        node = by_line.get(line)
        if (line, text) in refused:
            message = f"does not match the BPMN schema (line {line}): {text}"
            problems.append(_problem(node, message, code="schema", line=line, detail=text))
        else:
            warnings.append(Problem(f"the diagram's layout (BPMNDI, line {line}) does not match the BPMN "
                                    f"schema: {text}; the process runs without it, a modeler may draw it "
                                    "differently", code="layout_schema", params={"line": line, "detail": text}))
    return problems, warnings


def _drop_unreadable_bounds(root) -> None:
    """SpiffWorkflow reads shape positions (to order a gateway's flows) with float(); a
    position that is no number is left out rather than crash the parse."""
    for bounds in list(root.iter("{http://www.omg.org/spec/DD/20100524/DC}Bounds")):
        try:
            float(bounds.get("x", 0)), float(bounds.get("y", 0))
        except ValueError:
            bounds.getparent().remove(bounds)


def _name_flows(root) -> list[Problem]:
    """Sequence flows without an id get one in the parsed process (SpiffWorkflow would
    otherwise follow none of them and the instance would wait forever with nothing to do)."""
    ids = {node.get("id") for node in root.iter() if isinstance(node.tag, str)}
    warnings = []
    for flow in root.iterfind(".//bpmn:sequenceFlow", NS):
        if flow.get("id"):
            continue
        base = f"Flow_{flow.get('sourceRef')}_{flow.get('targetRef')}"
        name, number = base, 1
        while name in ids:
            number += 1
            name = f"{base}_{number}"
        ids.add(name)
        flow.set("id", name)
        ends = f"from {flow.get('sourceRef')!r} to {flow.get('targetRef')!r}"
        warnings.append(_problem(flow, f"a sequence flow {ends} has no id; it runs as {name!r} (save the diagram "
                                       "in a modeler to give it one)", code="flow_without_id", name=name))
    return warnings


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
    for node in root.iterfind(".//spiffworkflow:parameter[@value]", NS):  # without one it is not passed
        yield node, "eval", node.get("value"), f"parameter {node.get('id')}"
    for tag in ("loopCardinality", "completionCondition"):
        for node in root.iterfind(f".//bpmn:{tag}", NS):
            yield node, "eval", node.text or "", tag
    for node in root.iterfind(".//spiffworkflow:messagePayload", NS):
        yield node, "eval", node.text or "", "message payload"
    for node in root.iterfind(".//spiffworkflow:property[@name='scope']", NS):
        yield node, "eval", node.get("value") or "", "scope"


_TRANSLATED = ("condition", "event condition", *TIMER_KINDS, "loopCardinality", "completionCondition")
_EMPTY_ALLOWED = ("preScript", "postScript")  # SpiffWorkflow runs nothing, as with none at all
_EMPTY = {
    "script": "write the Python to run in the task's script, or make it a plain task if nothing should run",
    "condition": "write a Python expression such as amount > 1000, or remove it and mark the flow as default",
    "event condition": "write a Python expression such as approved == True",
    "scope": "write a Python expression such as request[\"administration\"], or remove the property",
}


def _translate(root) -> tuple[list[Problem], list[dict], set]:
    """JUEL and FEEL replaced by their Python in the tree SpiffWorkflow parses (the stored
    diagram keeps what was written); also the refusals, and the nodes they concern."""
    problems, translated, refused = [], [], set()
    for node, _, source, kind in _snippets(root):
        if kind not in _TRANSLATED or kind in TIMER_KINDS and clock.timer_literal(source):
            continue
        try:
            translation = translate(source, declared=node.get("language"), composite=kind in TIMER_KINDS)
        except Refused as exc:
            problems.append(_problem(node, f"{kind} {source.strip()!r} is refused: {exc}. Supported in JUEL "
                                           f"${{…}} and FEEL =…: {SUPPORTED}", code="expression_refused", kind=kind,
                                     source=source.strip(), detail=str(exc)))
            refused.add(node)
            continue
        if translation is not None:
            node.text = translation.python
            owner = _element(node)
            translated.append({"element_id": owner.get("id"), "element_type": _local(owner), "kind": kind,
                               "language": translation.language, "original": translation.original.strip(),
                               "python": translation.python})
    return problems, translated, refused


_OTHER_LITERALS = {"true": "True", "false": "False", "null": "None"}


def _literal_name_warnings(root, skip) -> list[Problem]:
    """Python conditions naming JUEL's and FEEL's true, false or null: unless a variable of
    that name exists they fail when reached, so deploy says so now."""
    warnings = []
    for node, _, source, kind in _snippets(root):
        if kind not in _TRANSLATED or node in skip:
            continue
        try:
            names = {n.id for n in ast.walk(ast.parse(source.strip(), mode="eval")) if isinstance(n, ast.Name)}
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            continue  # the code checks report it
        found = sorted(names & set(_OTHER_LITERALS))
        if found:
            python = ", ".join(f"{name} as {_OTHER_LITERALS[name]}" for name in found)
            warnings.append(_problem(node, f"{kind} {source.strip()!r} is Python, where {', '.join(found)} would be "
                                           f"variables: write {python}, or mark the expression as JUEL ${{…}} "
                                           "or FEEL =…", code="python_literals", kind=kind, names=", ".join(found),
                                     python=python))
    return warnings


def _python_expected(node, kind: str, refused: str) -> str:
    """A syntax error's hint: which language the text must be in."""
    if "SyntaxError" not in refused:
        return ""
    if kind in ("script", "preScript", "postScript"):
        form = node.getparent().get("scriptFormat") if kind == "script" else None
        other = f" (scriptFormat {form!r} is not supported)" if form and "python" not in form.lower() else ""
        return f"; scripts are Python{other}"
    if kind in _TRANSLATED:
        return ("; Python is expected here, or JUEL ${…} or FEEL =… of the supported kinds: "
                f"{SUPPORTED}")
    return "; Python is expected here"


def _code_problems(root, skip=frozenset()) -> list[Problem]:
    problems = []
    for task in root.iterfind(".//bpmn:scriptTask", NS):
        if task.find("bpmn:script", NS) is None:
            problems.append(_problem(task, f"script task has no script; {_EMPTY['script']}", code="script_missing"))
    for node, mode, source, kind in _snippets(root):
        source = source.strip()
        if node in skip:
            continue
        if kind in TIMER_KINDS:
            problems += _timer_problems(node, source, kind)
        elif not source:
            if kind not in _EMPTY_ALLOWED:
                problems.append(_problem(node, f"{kind} is empty" + (f"; {_EMPTY[kind]}" if kind in _EMPTY else ""),
                                         code="code_empty", kind=kind))
        else:
            refused = compile_problem(source, mode)
            if refused:
                code, params = _code_refusal(kind, refused)
                problems.append(_problem(node, f"{kind} {source!r} is refused: {refused}"
                                               + _python_expected(node, kind, refused), code, **params))
    return problems


_SYNTAX = re.compile(r"^Line (\d+): SyntaxError: (.*?)(?: at statement: .*)?$")


def _code_refusal(kind: str, refused: str) -> tuple:
    """(code, params) of the restricted compiler's refusal: a syntax error names its line."""
    syntax = _SYNTAX.match(refused.split("; ")[0])
    if syntax:
        code = "script_syntax" if kind in ("script", "preScript", "postScript") else "expression_syntax"
        return code, {"kind": kind, "line": int(syntax.group(1)), "detail": syntax.group(2)}
    return "code_refused", {"kind": kind, "detail": refused}


def _timer_problems(node, source: str, kind: str) -> list[Problem]:
    """A timer is an ISO 8601 value, written bare (as Camunda Modeler does) or quoted, or an
    expression producing one. Whatever can be known now is checked now, not weeks later."""
    hint = f"write an ISO 8601 value such as {clock.EXAMPLES[kind]}, or an expression that returns one"
    if not source:
        return [_problem(node, f"{kind} is empty; {hint}", code="timer_empty", kind=kind, example=clock.EXAMPLES[kind])]
    value = clock.timer_literal(source)
    if value is None:
        refused = compile_problem(source, "eval")
        if refused:
            return [_problem(node, f"{kind} {source!r} is neither an ISO 8601 value nor an expression "
                                   f"({refused}); {hint} (in Python, or JUEL ${{…}} or FEEL =…)",
                             code="timer_unreadable", kind=kind, source=source, example=clock.EXAMPLES[kind])]
        try:
            value = ast.literal_eval(source)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return []  # an expression: its value is checked when the timer starts
    problem = clock.timer_value_problem(kind, value)
    return [_problem(node, f"{kind} {source!r} {problem}", code="timer_value", kind=kind, source=source,
                     detail=problem)] if problem else []


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
                                                      "multi-instance task or split the work", code="gateway_width",
                                             count=count, direction=direction, limit=MAX_GATEWAY_BRANCHES))
    return problems


def _assignment_problems(root, groups) -> list[Problem]:
    """Candidates and assignees of user tasks and lanes (``engine/assignment.py``): each
    expression translatable, each literal group one of ``groups``; at the element that says it."""
    elements = [*root.iter(f"{{{NS['bpmn']}}}userTask"), *assignment.lanes_by_name(root).values()]
    return [_problem(element, message, code="assignment", detail=message)
            for element in elements for message in assignment.problems(element, groups)]


def _operation_problems(root, operations) -> list[Problem]:
    problems = []
    for task in root.iterfind(".//bpmn:serviceTask", NS):
        operator = task.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
        if operator is None or not operator.get("id"):
            problems.append(_problem(task, "service task names no operation (spiffworkflow:serviceTaskOperator)",
                                     code="operation_missing"))
        elif operator.get("id") not in operations:
            known = ", ".join(operations.names()) or "none"
            problems.append(_problem(task, f"operation {operator.get('id')!r} is not registered; known: {known}",
                                     code="operation_unknown", operation=operator.get("id"), known=known))
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


def _names_spiff_form(task) -> bool:
    return any(prop.get("name") == "formJsonSchemaFilename"
               for prop in task.iterfind("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS))


def _camunda_form_problems(root) -> tuple[list[Problem], dict]:
    """Camunda Modeler's task forms translated to JSON Schema (engine/camunda.py); a task
    that names a spiff form keeps it, and a Camunda form this engine cannot show is refused."""
    problems, forms = [], {}
    for task in root.iterfind(".//bpmn:userTask", NS):
        if _names_spiff_form(task):
            continue
        data = camunda.form_data(task)
        if data is not None:
            schema, found = camunda.form_schema(data)
            problems += [_problem(task, f"camunda:formField {field_id!r}: {message}" if field_id else message,
                                  code="camunda_form", detail=f"{field_id}: {message}" if field_id else message)
                         for field_id, message in found]
            forms[camunda.generated_form_name(task.get("id"))] = schema
        elif camunda.form_key(task):
            problems.append(_problem(task, f"camunda:formKey {camunda.form_key(task)!r} names a form page this "
                                           "engine cannot show; define the fields as camunda:formField, or name a "
                                           "JSON Schema form (spiffworkflow:property formJsonSchemaFilename)",
                                     code="camunda_form_key", form=camunda.form_key(task)))
    return problems, forms


def _form_problems(root, source: FormSource) -> tuple[list[Problem], dict]:
    problems, forms = [], {}
    for prop in root.iterfind(".//spiffworkflow:properties/spiffworkflow:property", NS):
        if prop.get("name") not in _FORM_PROPERTIES:
            continue
        name = prop.get("value") or ""
        raw = source.read(name)
        if raw is None:
            problems.append(_problem(prop, f"form {name!r} does not exist: neither in this deployment nor in forms/",
                                     code="form_missing", form=name))
            continue
        try:
            document = load_form(raw)
        except InvalidData as exc:
            detail = "; ".join(map(str, exc.details))
            problems.append(_problem(prop, f"form {name!r} is not valid JSON: {detail}", code="form_not_json",
                                     form=name, detail=detail))
            continue
        if prop.get("name") == "formJsonSchemaFilename":
            try:
                Draft202012Validator.check_schema(document)
            except SchemaError as exc:
                where = "/".join(str(p) for p in exc.path) or "(root)"
                problems.append(_problem(prop, f"form {name!r} is not a valid JSON Schema at {where}: {exc.message}",
                                         code="form_schema", form=name, where=where, detail=exc.message))
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
                                                   "process or subprocess", code="reference_unknown",
                                             reference=flow.get(end) or "–"))
            source, target = nodes.get(flow.get("sourceRef")), nodes.get(flow.get("targetRef"))
            if (source is not None and target is not None and _local(source) == "eventBasedGateway"
                    and _local(target) not in _EVENT_GATEWAY_TARGETS):
                problems.append(_problem(flow, f"leads from event-based gateway {source.get('id')!r} to a "
                                               f"{_local(target)}; it may only lead to an intermediate catch "
                                               "event or a receive task", code="event_gateway_target",
                                         target=_local(target)))
    for kind, attribute in (("message", "messageRef"), ("signal", "signalRef"), ("error", "errorRef"),
                            ("escalation", "escalationRef")):
        declared = {node.get("id") for node in root.iterfind(f"bpmn:{kind}", NS)}
        for node in root.iterfind(f".//bpmn:{kind}EventDefinition[@{attribute}]", NS):
            if node.get(attribute) not in declared:
                problems.append(_problem(node, f"{attribute} {node.get(attribute)!r} names no bpmn:{kind} of "
                                               f"this diagram; declare <bpmn:{kind} id=\"{node.get(attribute)}\"> "
                                               "or refer to one that exists", code="reference_unknown",
                                         reference=node.get(attribute)))
    for node in root.iterfind(".//bpmn:timerEventDefinition", NS):
        if not any(node.find(f"bpmn:{kind}", NS) is not None for kind in TIMER_KINDS):
            problems.append(_problem(node, "timer has no timeDuration, timeDate or timeCycle; add one, e.g. "
                                           "a timeDuration of PT5M", code="timer_missing"))
    data_objects = {node.get("id") for node in root.iterfind(".//bpmn:dataObject", NS)}
    for node in root.iterfind(".//bpmn:dataObjectReference", NS):
        if node.get("dataObjectRef") not in data_objects:
            problems.append(_problem(node, f"dataObjectRef {node.get('dataObjectRef')!r} names no bpmn:dataObject; "
                                           "point it at a data object of the process", code="reference_unknown",
                                     reference=node.get("dataObjectRef") or "–"))
    ids = {node.get("id") for node in root.iter() if isinstance(node.tag, str)}
    for path in ("bpmn:dataInputAssociation/bpmn:sourceRef", "bpmn:dataOutputAssociation/bpmn:targetRef"):
        for node in root.iterfind(f".//{path}", NS):
            if (node.text or "").strip() not in ids:
                problems.append(_problem(node, f"{path.replace('bpmn:', '')} {node.text!r} names no element "
                                               "of this diagram", code="reference_unknown", reference=node.text or "–"))
    return problems


_EVENT_GATEWAY_TARGETS = ("intermediateCatchEvent", "receiveTask")
_REPR = re.compile(r"<(?:Element )?(?:\{[^}]*\})?(?:[\w]+\.)*(\w+)(?: object)? at 0x[0-9a-fA-F]+>")
_NO_DECISION = re.compile(r"No DMN Diagram available with id \"?None\"?")
_WRAPPED = re.compile(r"(\w+)\((['\"])(.*)\2\)", re.DOTALL)


def _spiff_problem(exc: ValidationException) -> Problem:
    """SpiffWorkflow's finding without its reprs: element id, name and type, plain message."""
    message = _REPR.sub(lambda m: m.group(1), str(exc.args[0]) if exc.args else "invalid diagram")
    wrapped = _WRAPPED.fullmatch(message)
    if wrapped:  # an unexpected error inside SpiffWorkflow's parser, shown by it as a repr
        message = f"SpiffWorkflow could not parse this element ({wrapped.group(1)}: {wrapped.group(3)})"
    element_type = (exc.tag or "").rpartition(":")[2].rpartition("}")[2] or None
    if message.endswith("tasks of type"):  # SpiffWorkflow leaves the type out
        message = (f"{message} {element_type}: add a parallel gateway after it to run the flows together, or "
                   "an exclusive gateway with conditions to choose one")
    elif _NO_DECISION.search(message):
        message = "business rule task names no decision; set the decision it evaluates (calledDecisionId)"
    return Problem(message, element_id=exc.id or None, element_name=exc.name or None, element_type=element_type,
                   code="spiff", params={"element": exc.name or exc.id or "–", "detail": message})


def _parse(diagrams: dict, tables: dict, uses: dict, form_sets: dict, deployed, found, result: Validated):
    """SpiffWorkflow's own parse of the whole deployment, then each executable process with
    what it calls (from the deployment or deployed) and the decisions and forms it uses."""
    parser = EngineParser()
    named = len(diagrams) + len(tables) > 1

    def spiff(exc: ValidationException) -> Problem:
        problem = _spiff_problem(exc)
        return replace(problem, file=exc.file_name or None) if named else problem

    for name, root in tables.items():
        try:
            parser.add_dmn_xml(root, name)
            parser.dmn_parsers[root.xpath("*[local-name()='decision']/@id")[0]].parse()
        except ValidationException as exc:
            return [dmn.spiff_problem(exc, name)]
    pins = {}
    for name, root in diagrams.items():
        try:
            parser.add_bpmn_xml(root, name)
        except ValidationException as exc:
            return [spiff(exc)]
        pins.update({(name, call): version for call, version in bundles.pinned_versions(root).items()})
    keys = parser.get_process_ids()
    if not keys:
        return [Problem("the diagram has no executable process (isExecutable=\"true\")", code="not_executable")]
    problems = []
    for key in keys:
        try:
            assembled = bundles.assemble(parser, key, pins, deployed, stored_specs)
        except ValidationException as exc:
            problems.append(spiff(exc))
            continue
        if assembled.problems:
            problems += [p if named else replace(p, file=None) for p in assembled.problems]
            continue
        own = assembled.spec.file
        used = {dmn_file for f in assembled.files for dmn_file in uses.get(f, ())}
        forms = {name: form for f in assembled.files for name, form in form_sets.get(f, {}).items()}
        for callee in assembled.calls.values():
            forms = {**callee.forms, **forms}
        process = diagrams[own].find(f"bpmn:process[@id='{key}']", NS)
        result.processes.append(ParsedProcess(
            key, process.get("name") if process is not None else None,
            dump_spec(assembled.spec, assembled.subprocess_specs), own, found.bpmn[own],
            {f: (found.bpmn.get(f) or found.dmn[f]) for f in sorted((assembled.files | used) - {own})},
            forms, assembled.calls))
    return problems
