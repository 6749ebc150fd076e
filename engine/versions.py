"""Comparing definition versions and moving running instances between them.

An instance can move to another version only if every task it still holds (SpiffWorkflow
restores tasks by their spec name) exists in the target with the same kind of element;
otherwise the move is refused with the element that blocks it.
"""
from __future__ import annotations

import difflib
import json
from copy import deepcopy

from lxml import etree

from engine.errors import Problem

_DI = "{http://www.omg.org/spec/BPMN/20100524/DI}"


def _elements(xml: str) -> dict[str, tuple[str, str | None, bytes]]:
    root = etree.fromstring(xml.encode(), parser=etree.XMLParser(resolve_entities=False, no_network=True))
    found = {}
    for node in root.iter():
        if isinstance(node.tag, str) and node.get("id") and not node.tag.startswith(_DI):
            if node.getparent() is not None and str(node.getparent().tag).startswith(_DI):
                continue
            tag = etree.QName(node).localname
            if tag in ("BPMNDiagram", "BPMNPlane", "BPMNShape", "BPMNEdge", "BPMNLabel"):
                continue
            found[node.get("id")] = (tag, node.get("name"), _own_content(node))
    return found


def _own_content(node) -> bytes:
    """An element without its id-bearing children, so a changed task does not mark its process changed."""
    copy = deepcopy(node)
    for child in [c for c in copy.iter() if c is not copy and isinstance(c.tag, str) and c.get("id")]:
        if child.getparent() is not None:
            child.getparent().remove(child)
    return etree.tostring(copy, with_tail=False)


def canonical(xml: str) -> str:
    """The diagram with formatting, attribute order and quoting normalised (C14N 2.0, one
    element per line), so a comparison shows what changed rather than how it was written."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(etree.canonicalize(xml, strip_text=True).encode(), parser)
    return etree.tostring(root, pretty_print=True, encoding="unicode")


def diff(old_xml: str, new_xml: str) -> dict:
    """Elements added, removed and changed between two diagrams, and a text diff."""
    old, new = _elements(old_xml), _elements(new_xml)
    describe = lambda ids, side: [{"element_id": i, "type": side[i][0], "name": side[i][1]} for i in sorted(ids)]  # noqa: E731
    changed = {i for i in old.keys() & new.keys() if old[i][2] != new[i][2]}
    text = difflib.unified_diff(old_xml.splitlines(), new_xml.splitlines(), "old", "new", lineterm="", n=1)
    return {"added": describe(new.keys() - old.keys(), new), "removed": describe(old.keys() - new.keys(), old),
            "changed": describe(changed, new), "unified": "\n".join(text)}


def _spec_types(spec: dict) -> dict[str, str]:
    return {name: task["typename"] for name, task in spec["task_specs"].items()}


def migration_problems(state_json: str, old_spec_json: str, new_spec_json: str) -> list[Problem]:
    state, old, new = json.loads(state_json), json.loads(old_spec_json), json.loads(new_spec_json)
    problems = []

    def check(tasks: dict, old_spec: dict, new_spec: dict | None, where: str) -> None:
        old_types = _spec_types(old_spec)
        new_types = _spec_types(new_spec) if new_spec else {}
        for name in sorted({t["task_spec"] for t in tasks.values()}):
            if name not in new_types:
                problems.append(Problem(f"the instance holds {name} ({where}), which the target version lacks",
                                        element_id=name))
            elif new_types[name] != old_types.get(name):
                problems.append(Problem(f"{name} changes from {old_types.get(name)} to {new_types[name]}",
                                        element_id=name))

    check(state["tasks"], old["spec"], new["spec"], "main process")
    for sub in state.get("subprocesses", {}).values():
        check(sub["tasks"], old["subprocess_specs"][sub["spec"]], new["subprocess_specs"].get(sub["spec"]),
              f"subprocess {sub['spec']}")
    return problems
