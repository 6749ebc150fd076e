"""Deploy-time checks of DMN files, in what SpiffWorkflow's DMN engine runs.

SpiffWorkflow runs one decision table per file, evaluates every cell as a Python
expression (in this engine: the restricted compiler's Python, not FEEL), and implements
the hit policies UNIQUE (the first rule that matches), FIRST, ANY (any matching rule: all
give the same output) and COLLECT without an aggregation (a list per output). Anything
else would run and give another answer than the table says, so it is refused here with
the file, the element and the reason, like a BPMN problem.
"""
from __future__ import annotations

import re
from functools import cache

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS

from engine.bundles import located, read_xml
from engine.errors import Problem
from engine.sandbox import compile_problem

VERSIONS = {"http://www.omg.org/spec/DMN/20151101/dmn.xsd": "1.1",
            "http://www.omg.org/spec/DMN/20180521/MODEL/": "1.2",
            "https://www.omg.org/spec/DMN/20191111/MODEL/": "1.3"}
HIT_POLICIES = ("UNIQUE", "FIRST", "ANY", "COLLECT")
_QUESTION_MARK = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")  # as SpiffWorkflow rewrites it


def is_dmn(root) -> bool:
    return etree.QName(root).namespace in VERSIONS


@cache
def _schema(namespace: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(SCHEMAS[namespace]))


def check(xml: bytes, filename: str) -> tuple[etree._Element | None, list[Problem]]:
    """The parsed DMN document (None if it is not one) and every problem of it (each with the file)."""
    root, problem = read_xml(xml, filename)
    if problem:
        return None, [Problem(problem.message, file=filename)]
    namespace, tag = etree.QName(root).namespace, etree.QName(root).localname
    if namespace not in VERSIONS or tag != "definitions":
        hint = " (a BPMN diagram: name it .bpmn)" if namespace == "http://www.omg.org/spec/BPMN/20100524/MODEL" else ""
        return None, [Problem(f"is not a DMN file: its root element is {tag} in namespace {namespace or 'none'}"
                              f"{hint}; expected definitions of DMN {', '.join(VERSIONS.values())}", file=filename)]
    schema = _schema(namespace)
    if not schema.validate(root):
        by_line = {}
        for node in root.iter():
            if isinstance(node.tag, str):
                by_line.setdefault(node.sourceline, node)
        return root, [located(by_line.get(error.line), f"does not match the DMN {VERSIONS[namespace]} schema "
                                                      f"(line {error.line}): {error.message}", filename)
                      for error in schema.error_log]
    ns = {"dmn": namespace}
    decisions = root.findall("dmn:decision", ns)
    if len(decisions) != 1:
        found = ", ".join(d.get("id") for d in decisions) or "none"
        return root, [Problem(f"holds {len(decisions)} decisions ({found}); SpiffWorkflow runs exactly one "
                              "decision per DMN file: put each decision table in a file of its own", file=filename)]
    return root, _id_problems(decisions[0], ns, filename) or _table_problems(decisions[0], ns, filename)


_NEEDS_ID = ("decision", "decisionTable", "input", "output", "rule", "inputEntry", "outputEntry")


def _id_problems(decision, ns: dict, filename: str) -> list[Problem]:
    """SpiffWorkflow reads the id of each part of a table (the DMN schema lets it out)."""
    parts = [decision, *decision.iterfind(".//*")]
    return [located(node.getparent() if node is not decision else node,
                    f"{etree.QName(node).localname} has no id; give it one (SpiffWorkflow needs it)", filename)
            for node in parts if isinstance(node.tag, str) and etree.QName(node).localname in _NEEDS_ID
            and etree.QName(node).namespace == ns["dmn"] and not node.get("id")]


def _table_problems(decision, ns: dict, filename: str) -> list[Problem]:
    table = decision.find("dmn:decisionTable", ns)
    if table is None:
        return [located(decision, "has no decision table; only decision tables run (not literal expressions or "
                                  "other decision logic)", filename)]
    problems = []
    policy = (table.get("hitPolicy") or "UNIQUE").upper()
    if policy not in HIT_POLICIES:
        problems.append(located(table, f"hit policy {policy} is not supported; SpiffWorkflow runs "
                                       f"{', '.join(HIT_POLICIES)}", filename))
    if table.get("aggregation"):
        problems.append(located(table, f"COLLECT with aggregation {table.get('aggregation')} is not supported; "
                                       "remove the aggregation to collect a list of the outputs", filename))
    inputs, outputs = table.findall("dmn:input", ns), table.findall("dmn:output", ns)
    for node in inputs:
        text = (node.findtext("dmn:inputExpression/dmn:text", None, ns) or "").strip()
        if not text:
            problems.append(located(node, "input has no expression; write the Python expression whose value "
                                          "the rules test, e.g. amount", filename))
        else:
            problems += _code(node, text, "input expression", filename)
    for node in outputs:
        if not (node.get("name") or node.get("label")):
            problems.append(located(node, "output has neither a name nor a label; name the variable it sets",
                                    filename))
    for rule in table.findall("dmn:rule", ns):
        entries, results = rule.findall("dmn:inputEntry", ns), rule.findall("dmn:outputEntry", ns)
        if (len(entries), len(results)) != (len(inputs), len(outputs)):
            problems.append(located(rule, f"has {len(entries)} input and {len(results)} output entries; the table "
                                          f"has {len(inputs)} inputs and {len(outputs)} outputs", filename))
        for entry in entries:
            problems += _entry_problems(entry, (entry.findtext("dmn:text", None, ns) or "").strip(), filename)
        for entry in results:
            text = (entry.findtext("dmn:text", None, ns) or "").strip()
            if text:
                problems += _code(entry, text, "output entry", filename)
    return problems


def _entry_problems(entry, text: str, filename: str) -> list[Problem]:
    """An input entry is a value (``"gold"``), a test (``< 100``), or an expression with ``?`` for
    the input; ``-`` or nothing matches anything."""
    if text in ("", "-"):
        return []
    rewritten = _QUESTION_MARK.sub("dmninputexpr", text)
    if rewritten != text:
        return _code(entry, rewritten, "input entry", filename, shown=text)
    if compile_problem(text, "eval") is None or compile_problem(f"dmninputexpr {text}", "eval") is None:
        return []
    return _code(entry, text, "input entry", filename)


def _code(node, source: str, kind: str, filename: str, shown: str | None = None) -> list[Problem]:
    refused = compile_problem(source, "eval")
    if refused is None:
        return []
    return [located(node, f"{kind} {shown or source!r} is refused: {refused} (SpiffWorkflow evaluates DMN cells "
                          "as Python expressions, e.g. \"gold\", < 100, 1 < ? < 10)", filename)]


def spiff_problem(exc: ValidationException, filename: str) -> Problem:
    """SpiffWorkflow's own finding about a DMN file."""
    message = str(exc.args[0]) if exc.args else "invalid decision"
    return Problem(message, element_id=exc.id or None, element_name=exc.name or None,
                   element_type=(exc.tag or "").rpartition("}")[2] or None, file=filename)
