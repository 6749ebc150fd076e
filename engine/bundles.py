"""A deployment as a bundle: several BPMN and DMN files and forms deployed as one.

The files are sorted by kind (by name, then checked by content), each screened before any
parser sees it, and every call activity of the bundle's processes is resolved: to a
process of the same bundle, else to the latest deployed version of the called process, or
to the version a diagram pins with Camunda's ``calledElementBinding="version"`` and
``calledElementVersion``. What an instance runs is then one spec with its called processes
as SpiffWorkflow subprocess specs, so a call activity runs as SpiffWorkflow runs it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity

from engine.errors import Problem

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_FILES = 100
MAX_NAME_LENGTH = 200
BPMN_SUFFIXES = (".bpmn", ".bpmn20.xml")
DMN_SUFFIX = ".dmn"
FORM_SUFFIX = ".json"
BUNDLE_SUFFIXES = (*BPMN_SUFFIXES, DMN_SUFFIX, FORM_SUFFIX)
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_PATH = re.compile(r"[/\\:]")


@dataclass
class Files:
    """A bundle's files by kind, and what is wrong with their names."""

    bpmn: dict[str, bytes] = field(default_factory=dict)
    dmn: dict[str, bytes] = field(default_factory=dict)
    forms: dict[str, bytes] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def sort_files(files: dict[str, bytes]) -> Files:
    """The bundle's files by suffix; names that no store, path or log can take are refused."""
    found = Files()
    if not files:
        found.problems.append(Problem("the deployment holds no file; send at least one .bpmn file"))
    if len(files) > MAX_FILES:
        found.problems.append(Problem(f"the deployment holds {len(files)} files; the limit is {MAX_FILES}"))
        return found
    for name, content in files.items():
        problem = _name_problem(name)
        if problem:
            found.problems.append(Problem(problem, file=_printable(name)))
            continue
        lowered = name.lower()
        if len(content) > MAX_FILE_BYTES:
            found.problems.append(Problem(f"is {len(content)} bytes; the limit is {MAX_FILE_BYTES}", file=name))
        elif lowered.endswith(BPMN_SUFFIXES):
            found.bpmn[name] = content
        elif lowered.endswith(DMN_SUFFIX):
            found.dmn[name] = content
        elif lowered.endswith(FORM_SUFFIX):
            found.forms[name] = content
        else:
            found.problems.append(Problem("is neither a diagram (.bpmn), a decision (.dmn) nor a form (.json)",
                                          file=_printable(name)))
    if not found.bpmn and not found.problems:
        found.problems.append(Problem("the deployment holds no .bpmn diagram; DMN files and forms are deployed "
                                      "with the diagrams that use them"))
    return found


def _name_problem(name: str) -> str | None:
    if not name or not name.strip():
        return "a file has no name"
    if len(name) > MAX_NAME_LENGTH:
        return f"the file name is {len(name)} characters long; the limit is {MAX_NAME_LENGTH}"
    if _PATH.search(name) or name.startswith(".") or not name.isprintable():
        return ("the file name may not hold a path (/, \\ or :) or a character that cannot be printed "
                "(a control character, a NUL, a lone surrogate), nor start with a dot")
    return None


def _printable(name: str) -> str:
    """A refused name as it can be shown and stored: control characters escaped, cut short."""
    shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in name)
    return shown[:MAX_NAME_LENGTH] + ("…" if len(shown) > MAX_NAME_LENGTH else "")


def read_xml(xml: bytes, filename: str) -> tuple[etree._Element | None, Problem | None]:
    """Screen raw bytes (UTF-8, no DTD or entity; ``sort_files`` checked the size) before
    parsing them, then parse."""
    try:
        xml.decode("utf-8")
    except UnicodeDecodeError as exc:  # also keeps UTF-16 from slipping past the byte-level DTD screen
        return None, Problem(f"{filename} is not UTF-8 text (byte {exc.start} cannot be read as UTF-8); "
                             "save it as UTF-8")
    if _DTD.search(xml):
        return None, Problem(f"{filename} declares a DTD or entities, which are not accepted")
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=False)
        return etree.fromstring(xml, parser=parser), None
    except etree.XMLSyntaxError as exc:
        return None, Problem(f"{filename} is not well-formed XML: {exc.msg} (line {exc.lineno})")


def located(node, message: str, filename: str | None = None) -> Problem:
    """A problem at the nearest enclosing element with an id."""
    while node is not None and node.get("id") is None:
        node = node.getparent()
    if node is None:
        return Problem(message, file=filename)
    return Problem(message, element_id=node.get("id"), element_name=node.get("name"),
                   element_type=etree.QName(node).localname, file=filename)


@dataclass(frozen=True)
class Deployed:
    """A deployed version a call activity may run: what its instance needs of it."""

    definition_id: int
    process_key: str
    version: int
    sha256: str
    spec_json: str
    forms: dict


def pinned_versions(root) -> dict[str, int]:
    """Call activity id -> the version it pins with Camunda's ``calledElementBinding="version"``
    (a pin that is not a version number is reported by ``call_problems``)."""
    pins = {}
    for call in root.iterfind(f".//{{{BPMN_NS}}}callActivity"):
        version = (call.get(f"{{{CAMUNDA_NS}}}calledElementVersion") or "").strip()
        if call.get(f"{{{CAMUNDA_NS}}}calledElementBinding") == "version" and _is_version(version):
            pins[call.get("id")] = int(version)
    return pins


def _is_version(text: str) -> bool:
    return text.isdigit() and 0 < int(text) < 2**31


def call_problems(root, processes: dict[str, bool], deployed) -> list[Problem]:
    """Every call activity must name an executable process of the deployment or a deployed
    one (the version it pins, if it pins one); ``processes`` tells which of the deployment's
    processes are executable."""
    problems, pins = [], pinned_versions(root)
    for call in root.iterfind(f".//{{{BPMN_NS}}}callActivity"):
        name, pin = (call.get("calledElement") or "").strip(), pins.get(call.get("id"))
        binding = call.get(f"{{{CAMUNDA_NS}}}calledElementBinding")
        version = (call.get(f"{{{CAMUNDA_NS}}}calledElementVersion") or "").strip()
        if not name:
            problems.append(located(call, "call activity names no process to call (calledElement)"))
        elif binding not in (None, "latest", "deployment", "version"):
            problems.append(located(call, f"camunda:calledElementBinding {binding!r} is not supported; use "
                                          "latest, deployment or version"))
        elif binding == "version" and not _is_version(version):
            problems.append(located(call, f"camunda:calledElementVersion {version!r} is not a version number; "
                                          "binding 'version' needs one, e.g. 3"))
        elif (pin or name not in processes) and deployed(name, pin) is None:
            problems.append(located(call, missing_callee(name, pin)))
        elif not pin and processes.get(name) is False:
            problems.append(located(call, f"calls process {name!r}, which is not executable; mark it "
                                          "isExecutable=\"true\" to run it"))
    return problems


def missing_callee(name: str, pin: int | None) -> str:
    if pin:
        return f"calls version {pin} of process {name!r}, which is not deployed"
    return (f"calls process {name!r}, which is neither in this deployment nor deployed; deploy it first or in "
            "the same deployment")


BUNDLE = "part of this deployment"


@dataclass
class Assembled:
    """One process of the bundle with everything its instances run."""

    spec: object
    subprocess_specs: dict = field(default_factory=dict)
    files: set[str] = field(default_factory=set)  # the bundle's BPMN files its specs come from
    calls: dict[str, Deployed] = field(default_factory=dict)  # deployed processes it runs
    problems: list[Problem] = field(default_factory=list)


def assemble(parser, key: str, pins: dict[tuple[str, str], int], deployed, load_specs) -> Assembled:
    """The process ``key`` with every process it calls, from the bundle or deployed.

    ``pins`` maps (file, call activity id) to a pinned version; ``deployed(key, version)``
    finds a deployed version (the latest when ``version`` is None); ``load_specs`` turns its
    stored spec JSON into spec objects. One instance runs one version of each process, so
    two calls of the same process that resolve differently are refused.
    """
    top = parser.get_spec(key)
    result, origin, walked, pending = Assembled(top, files={top.file}), {key: BUNDLE}, {key}, [top]
    while pending:
        spec = pending.pop()
        for task_spec in spec.task_specs.values():
            name = getattr(task_spec, "spec", None)
            if not isinstance(name, str):
                continue
            where = dict(element_id=task_spec.bpmn_id, element_name=task_spec.bpmn_name,
                         element_type=type(task_spec).__name__, file=spec.file)
            pin = pins.get((spec.file, task_spec.bpmn_id)) if isinstance(task_spec, CallActivity) else None
            callee = None
            if pin is None and name in parser.process_parsers:
                source = BUNDLE
            else:
                callee = deployed(name, pin)
                if callee is None:
                    result.problems.append(Problem(missing_callee(name, pin), **where))
                    continue
                source = f"version {callee.version}"
            if origin.setdefault(name, source) != source:
                result.problems.append(Problem(f"calls process {name!r} as {source}, but this process already runs "
                                               f"it as {origin[name]}; one instance runs one version of each "
                                               "process", **where))
                continue
            if name in result.subprocess_specs:
                continue
            if callee is None:
                found = parser.get_spec(name)
                result.subprocess_specs[name] = found
                result.files.add(found.file)
                if name not in walked:
                    walked.add(name)
                    pending.append(found)
                continue
            result.calls[name] = callee
            specs = load_specs(callee.spec_json)
            result.subprocess_specs[name] = specs["spec"]
            for sub_name, sub_spec in specs["subprocess_specs"].items():
                inherited = f"what {name} {source} runs"
                if origin.setdefault(sub_name, inherited) != inherited:
                    result.problems.append(Problem(f"calls process {name!r} {source}, which runs {sub_name!r} "
                                                   f"otherwise than this process does ({origin[sub_name]})",
                                                   **where))
                result.subprocess_specs.setdefault(sub_name, sub_spec)
    return result


