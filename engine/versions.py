"""Comparing definition versions and moving running instances between them.

A move keeps what the instance has reached (tasks waiting, ready, running, or finished but
still in its tree) and drops what SpiffWorkflow had only predicted; the rest of the path is
predicted again from the target version, so an element the target inserts downstream is
reached and a boundary event it attaches to a waiting task is armed. SpiffWorkflow's spec
diff aligns the elements. If a reached element is missing from the target or is another
kind of element there, the move is refused, naming every such element.
"""
from __future__ import annotations

import difflib
from copy import deepcopy

from lxml import etree
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.util.task import TaskState

from engine.errors import Problem
from engine.workflow import diff_to

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


def migrate(workflow, spec_json: str) -> list[Problem]:
    """Move ``workflow`` onto the specs in ``spec_json``; returns the elements that block it.

    With a blocking element nothing is changed. SpiffWorkflow's own ``migrate_workflow`` is
    not used: it resets waiting tasks, which copies their data from the parent task (after
    compaction that is the root, holding only the start data) and restarts their timers, and
    it leaves out boundary events the target adds to a waiting task.
    """
    specs, top, subprocess_diffs = diff_to(workflow, spec_json)
    moves, problems = [(workflow, top, specs["spec"])], _unmappable(workflow, top)
    for task_id, sub in workflow.subprocesses.items():
        diff = subprocess_diffs[task_id]
        if diff is None:
            caller = workflow.get_task_from_id(task_id).task_spec
            problems.append(_problem(caller, f"runs subprocess {sub.spec.name}, which the target version lacks"))
        else:
            moves.append((sub, diff, specs["subprocess_specs"][sub.spec.name]))
            problems += _unmappable(sub, diff)
    if problems:
        return list({p.element_id: p for p in problems}.values())
    workflow.subprocess_specs = specs["subprocess_specs"]
    for moved, diff, spec in moves:
        _follow(moved, diff, spec)
    return []


_UNREACHED = TaskState.PREDICTED_MASK | TaskState.FUTURE
_LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED


def _problem(spec, message: str) -> Problem:
    return Problem(message, element_id=spec.bpmn_id or spec.name, element_name=spec.bpmn_name,
                   element_type=type(spec).__name__)


def _unmappable(workflow, diff) -> list[Problem]:
    """Tasks the instance has reached (live or finished but still in its tree) that the
    target lacks or has as another kind of element; predicted tasks are predicted anew."""
    problems = []
    for task in workflow.get_tasks(skip_subprocesses=True):
        if task.has_state(_UNREACHED):
            continue
        state, target = TaskState.get_name(task.state), diff.alignment.get(task)
        if target is None:
            problems.append(_problem(task.task_spec, f"is {state} in the instance; the target version lacks it"))
        elif type(target) is not type(task.task_spec):
            problems.append(_problem(task.task_spec, f"is {state} in the instance; the target version has it "
                                                     f"as a {type(target).__name__}"))
    return problems


def _follow(workflow, diff, spec) -> None:
    """Keep every reached task (id, data, timer progress) on its aligned spec and rebuild
    everything after them from ``spec``."""
    workflow.spec = spec
    for task, target in diff.alignment.items():
        task.task_spec = target
    for task in workflow.get_tasks(state=_UNREACHED, skip_subprocesses=True):
        if task.id in workflow.tasks and not task.parent.has_state(_UNREACHED):
            workflow._remove_task(task.id)
    for task in workflow.get_tasks(state=_LIVE, skip_subprocesses=True):
        split = next((s for s in task.task_spec.inputs if isinstance(s, BoundaryEventSplit)), None)
        if split is not None and task.parent.task_spec is not split:
            _insert_parent(task, split)
    for split in workflow.get_tasks(spec_class=BoundaryEventSplit, skip_subprocesses=True):
        if any(child.has_state(_LIVE) and not isinstance(child.task_spec, BoundaryEvent) for child in split.children):
            _arm_boundary_events(split)
    for task in workflow.get_tasks(state=_LIVE, skip_subprocesses=True):
        if all(child.triggered for child in task.children):  # a loop's own iterations are triggered
            task.task_spec._predict_hook(task)
            for child in task.children:
                child.task_spec._predict(child, mask=_UNREACHED)


def _insert_parent(task, split_spec) -> None:
    """Put a completed boundary-event split between a live task and its parent, as if the
    task had been reached through it (the target attaches boundary events to it)."""
    parent = task.parent
    split = parent._add_child(split_spec, TaskState.COMPLETED)
    split.data = deepcopy(task.data)
    parent._children.remove(task.id)
    split._children.append(task.id)
    task._parent = split.id
    # the serializer stores a task's data as a delta from its parent and restores tasks in
    # this order, so a parent must come before its children
    workflow, ordered, stack = task.workflow, {}, [task.workflow.task_tree]
    while stack:
        current = stack.pop()
        ordered[current.id] = current
        stack.extend(current.children)
    workflow.tasks = ordered


def _arm_boundary_events(split) -> None:
    """Start waiting on every boundary event of the split's spec that has no task yet."""
    present = {child.task_spec for child in split.children}
    for spec in split.task_spec.outputs:
        if spec not in present:
            event = split._add_child(spec, TaskState.MAYBE)
            spec._predict(event)
            event._set_state(TaskState.WAITING)
            spec._update(event)
