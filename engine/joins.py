"""Deploy-time warning: branches of one parallel or inclusive split that write the same variable.

At run time a join merges what each branch changed since the split, and when two branches
changed the same variable the branch that arrives last wins (engine/workflow.py,
``BranchMerge``). Which branch arrives last depends on people and timers, so a diagram
where two branches write one variable is usually a modelling mistake; deploying it still
works, with a warning that names the split and the variable.

What counts as a write: an assignment in a script task, a service task's result variable,
and a top-level field of a user task's form. A branch is what is reachable from one
outgoing flow of the split and from no other, so work after the join is not counted.
"""
from __future__ import annotations

import ast
from collections import defaultdict

from lxml import etree

from engine.errors import Problem

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "spiffworkflow": SPIFF}
_SPLITS = {f"{{{BPMN}}}parallelGateway", f"{{{BPMN}}}inclusiveGateway"}
_SCOPES = {f"{{{BPMN}}}process", f"{{{BPMN}}}subProcess", f"{{{BPMN}}}transaction", f"{{{BPMN}}}adHocSubProcess"}


def join_warnings(xml: bytes, forms: dict) -> dict[str, list[Problem]]:
    """Warnings per process id (its subprocesses included), for every split with two
    branches that write the same variable."""
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    found = {}
    for process in root.iterfind("bpmn:process", NS):
        found[process.get("id")] = [p for scope in process.iter(*_SCOPES) for p in _scope_warnings(scope, forms)]
    return found


def _scope_warnings(scope, forms: dict) -> list[Problem]:
    nodes = {node.get("id"): node for node in scope if node.get("id") and node.tag != f"{{{BPMN}}}sequenceFlow"}
    outgoing = defaultdict(list)
    for flow in scope.iterfind("bpmn:sequenceFlow", NS):
        outgoing[flow.get("sourceRef")].append(flow.get("targetRef"))
    # A boundary event continues the flow of the activity it is attached to.
    for node in nodes.values():
        if node.tag == f"{{{BPMN}}}boundaryEvent":
            outgoing[node.get("attachedToRef")].append(node.get("id"))
    problems = []
    for split_id, split in nodes.items():
        if split.tag not in _SPLITS or len(outgoing[split_id]) < 2:
            continue
        reach = [_reachable(target, outgoing, split_id) for target in outgoing[split_id]]
        writes = []
        for index, reached in enumerate(reach):
            others = set().union(*(r for j, r in enumerate(reach) if j != index))
            writes.append({var for node_id in reached - others if node_id in nodes
                           for var in _written(nodes[node_id], forms)})
        shared = sorted({var for i, a in enumerate(writes) for b in writes[i + 1:] for var in a & b})
        if shared:
            problems.append(Problem(
                f"more than one branch of this split writes {', '.join(shared)}; at the join the branch that "
                "arrives last wins for a variable two branches changed", element_id=split_id,
                element_name=split.get("name")))
    return problems


def _reachable(start: str, outgoing: dict, split_id: str) -> set:
    seen, stack = set(), [start]
    while stack:
        node_id = stack.pop()
        if node_id in seen or node_id == split_id:
            continue
        seen.add(node_id)
        stack.extend(outgoing[node_id])
    return seen


def _written(node, forms: dict) -> set:
    names = set()
    for script in [*node.iterfind("bpmn:script", NS), *node.iterfind(".//bpmn:scriptTask/bpmn:script", NS)]:
        names |= _assigned(script.text or "")
    for operator in node.iterfind(".//spiffworkflow:serviceTaskOperator", NS):
        if operator.get("resultVariable"):
            names.add(operator.get("resultVariable"))
    for prop in node.iterfind(".//spiffworkflow:property[@name='formJsonSchemaFilename']", NS):
        names |= set((forms.get(prop.get("value")) or {}).get("properties", {}))
    return names


def _assigned(source: str) -> set:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()  # validation reports it
    names = set()
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
        for target in targets:
            names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return names
