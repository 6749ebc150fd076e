"""Who a user task is for, as the diagram says: candidate groups, candidate users, an assignee.

A user task names them as Camunda Modeler writes them (``camunda:candidateGroups``,
``camunda:candidateUsers``: comma lists of names or JUEL ``${…}`` expressions;
``camunda:assignee``: a name or an expression). A lane names them for every task in it
(tasks of a subprocess in the lane too) as spiffworkflow properties, which bpmn-js keeps
on save and SpiffWorkflow's parser does not read::

    <bpmn:lane name="Innovationsledare">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="candidateGroups" value="coordinator" />
      </spiffworkflow:properties></bpmn:extensionElements>

A task's own list of a kind replaces its lane's. So the mapping from lanes to roles is part
of the deployed diagram and versioned with it. Deploy translates the expressions into the
restricted engine's Python (``engine/expressions.py``) and checks every literal group
against the groups the engine was given (the application's roles); the parsed spec keeps
the result in the task's extensions, and when the task becomes ready its candidates are
evaluated once on its data and stored on its inbox row.
"""
from __future__ import annotations

import re

from engine.expressions import Refused, translate

CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_NS = {"bpmn": BPMN, "camunda": CAMUNDA, "spiffworkflow": SPIFF}
KINDS = ("candidateGroups", "candidateUsers")
EXTENSION = "assignment"  # the key in a user task spec's extensions
_EXPRESSION = re.compile(r"[$#]\{")
_ITEM = re.compile(r"(?:[^,$#]|[$#](?!\{)|[$#]\{[^}]*\})+")  # a list item: commas inside ${…} do not split


def split(text: str) -> list[str]:
    """The items of a comma list, blanks dropped; ``${a, b}`` stays one item."""
    return [item.strip() for item in _ITEM.findall(text or "") if item.strip()]


def _term(text: str) -> dict:
    """A name, or an expression's Python; Refused when the expression is not translatable."""
    if not _EXPRESSION.search(text):
        return {"name": text}
    translation = translate(text, declared="JUEL", composite=True)
    return {"python": translation.python, "original": text}


def lane_properties(lane) -> dict[str, str]:
    """The assignment properties a lane element carries (kind -> comma list)."""
    found = {}
    for node in lane.iterfind("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", _NS):
        if node.get("name") in KINDS:
            found[node.get("name")] = node.get("value") or ""
    return found


def lanes_by_name(root) -> dict[str, object]:
    """The lane elements of a document by name (SpiffWorkflow knows a task's lane by name)."""
    return {lane.get("name"): lane for lane in root.iter(f"{{{BPMN}}}lane") if lane.get("name")}


def sources(task, lane) -> dict[str, tuple[object, str]]:
    """Each kind the task is given (kind -> (the element that says it, its text)): the task's
    own attribute, else its lane's property; ``assignee`` only from the task."""
    found = {}
    on_lane = lane_properties(lane) if lane is not None else {}
    for kind in KINDS:
        text = task.get(f"{{{CAMUNDA}}}{kind}")
        if text is not None:
            found[kind] = (task, text)
        elif kind in on_lane:
            found[kind] = (lane, on_lane[kind])
    assignee = task.get(f"{{{CAMUNDA}}}assignee")
    if assignee is not None and assignee.strip():
        found["assignee"] = (task, assignee.strip())
    return found


def rule(task, lane) -> dict | None:
    """What the task's spec keeps: kind -> list of terms (assignee: one term); None if the
    diagram names nobody. Expressions must have passed ``problems`` first."""
    found = sources(task, lane)
    if not found:
        return None
    return {kind: _term(text) if kind == "assignee" else [_term(item) for item in split(text)]
            for kind, (_, text) in found.items()}


def problems(element, known_groups) -> list[str]:
    """What is wrong with what a user task or a lane says itself: every expression that cannot
    run and every literal group that is not one of ``known_groups`` (None: any name is accepted)."""
    found = []
    lane = element if element.tag == f"{{{BPMN}}}lane" else None
    for kind, (_, text) in sources(element, lane).items():
        items = [text] if kind == "assignee" else split(text)
        for item in items:
            try:
                term = _term(item)
            except Refused as exc:
                found.append(f"{kind} {item!r} is refused: {exc}; write a name or ${{variable}}")
                continue
            if kind == "candidateGroups" and known_groups is not None and "name" in term \
                    and term["name"] not in known_groups:
                found.append(f"{kind} names the unknown group {term['name']!r}; known groups: "
                             f"{', '.join(sorted(known_groups))}")
    return found


def evaluate(rule: dict, evaluate_python) -> dict:
    """The task's candidates on its data: ``candidate_groups`` and ``candidate_users`` (lists,
    or None when the diagram names none of the kind) and ``assignee`` (or None). An
    expression may give a name, a comma list or a list of names; the assignee named is a
    candidate user too, so giving the task back does not lock them out."""
    def names(term) -> list[str]:
        value = term["name"] if "name" in term else evaluate_python(term["python"])
        if value is None:
            return []
        if isinstance(value, str):
            return split(value)
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return [v.strip() for v in value if v.strip()]
        raise TypeError(f"{term.get('original', value)!r} gives a {type(value).__name__}; a name, a comma list "
                        "or a list of names is expected")

    result = {}
    for kind, column in zip(KINDS, ("candidate_groups", "candidate_users"), strict=True):
        result[column] = list(dict.fromkeys(n for term in rule[kind] for n in names(term))) if kind in rule else None
    assignee = names(rule["assignee"]) if "assignee" in rule else []
    if len(assignee) > 1:
        raise TypeError(f"assignee {rule['assignee'].get('original')!r} names {len(assignee)} users; one is expected")
    result["assignee"] = assignee[0] if assignee else None
    if result["assignee"] and result["assignee"] not in (result["candidate_users"] or []):
        result["candidate_users"] = [*(result["candidate_users"] or []), result["assignee"]]
    return result
