"""Keeps a live workflow's task tree as small as its unfinished work.

SpiffWorkflow appends tasks for every loop iteration and never prunes them. Past a tree
depth of 1000 its task iterator stops descending and the instance silently stalls (about
250 iterations of a short loop); before that every step and every save cost more as the
tree grows. The engine keeps history in its audit log instead, so after each step it cuts
away finished tasks that can no longer matter:

the *anchor* is the deepest task whose subtree holds every unfinished task. Everything
between the root and the anchor, with its finished side branches, is history; the anchor
is re-attached directly under the root. Joins, boundary events and gateways only look at
tasks below the nearest split, which is at or below the anchor, so behaviour is unchanged.
Finished subprocesses hanging off removed tasks are dropped with them.
"""
from __future__ import annotations

from SpiffWorkflow.util.task import TaskState

_LIVE = TaskState.NOT_FINISHED_MASK | TaskState.ERROR


def compact(workflow) -> int:
    """Compact the top workflow and every subprocess; returns how many tasks were removed."""
    removed = _compact_tree(workflow)
    for sub in list(workflow.subprocesses.values()):
        removed += _compact_tree(sub)
    _drop_orphan_subprocesses(workflow)
    return removed


def _compact_tree(workflow) -> int:
    root = workflow.task_tree
    anchor = _anchor(root)
    if anchor is None or anchor.parent is None or anchor.parent is root:
        return 0
    keep = {root.id}
    keep.update(task.id for task in _subtree(anchor))
    removed = [task_id for task_id in workflow.tasks if task_id not in keep]
    for task_id in removed:
        del workflow.tasks[task_id]
    root._children = [anchor.id]
    anchor._parent = root.id
    if workflow.last_task is not None and workflow.last_task.id not in keep:
        workflow.last_task = anchor
    return len(removed)


def _anchor(root):
    """The deepest task whose subtree contains every live task, or None if none is live."""
    holds_live = _tasks_holding_live(root)
    if root.id not in holds_live:
        return None
    node = root
    while node is root or not node.has_state(_LIVE):
        live_children = [child for child in node.children if child.id in holds_live]
        if len(live_children) != 1:
            break
        node = live_children[0]
    return node


def _tasks_holding_live(root) -> set:
    """Ids of tasks whose subtree (themselves included) has a live task, in one pass."""
    order, stack = [], [root]
    while stack:
        task = stack.pop()
        order.append(task)
        stack.extend(task.children)
    holding = set()
    for task in reversed(order):
        if task.has_state(_LIVE) or any(child.id in holding for child in task.children):
            holding.add(task.id)
    return holding


def _subtree(task):
    stack = [task]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children)


def _drop_orphan_subprocesses(workflow) -> None:
    """Remove subprocess state whose parent task was compacted away, nested ones included."""
    while True:
        present = set(workflow.tasks)
        for sub in workflow.subprocesses.values():
            present.update(sub.tasks)
        orphans = [task_id for task_id, sub in workflow.subprocesses.items() if sub.parent_task_id not in present]
        if not orphans:
            return
        for task_id in orphans:
            del workflow.subprocesses[task_id]
