"""Keeps a live workflow's task tree as small as its unfinished work.

SpiffWorkflow appends tasks for every loop iteration and never prunes them. Past a tree
depth of 1000 its task iterator stops descending and the instance silently stalls (about
250 iterations of a short loop), recursive ancestor walks hit Python's recursion limit,
and before that every step and every save cost more as the tree grows. The engine keeps
history in its audit log instead, so after each step (and every 100 engine tasks within
a step) it cuts away finished tasks that can no longer matter, separately for every branch
(a *per-branch cut*). A task is kept if it is

- the root;
- live (not finished, or in error), or below a live task (predictions, multi-instance
  children a live parent still counts);
- the workflow's last completed task (a finished subprocess returns its data);
- the parent of a live task: a task inherits its data from its parent when it becomes
  ready, and a parallel or inclusive join recognises an arriving branch by the input
  element of its parent;
- a *branch point*: a task with two or more children that still hold live work (a split
  whose join still waits, a boundary-event split whose events still wait, the fork of a
  non-interrupting boundary branch). Joins look up their split as an ancestor
  (``find_ancestor``) and the engine's join merge reads the split's data as the baseline.

Every kept task is re-attached under its nearest kept ancestor, so ancestry among kept
tasks is unchanged. Chains of finished tasks between them (loop iterations), and finished
branches with nothing live in them, are dropped, with the subprocesses that hung off them.

A finished workflow is left as it is (its end events say how it ended). One difference
from the full tree is accepted: once a second non-interrupting boundary branch has ended,
the first is dropped, so SpiffWorkflow's end-of-process merge no longer sees variables
that only the first one created (variables that existed before are unaffected: the main
path's copy wins there either way).

The kept tree is then as deep as the nesting of live branches, not as long as the history.
If it is still deeper than ``MAX_DEPTH``, something grows that the cut cannot remove; the
step fails with a ProcessFailure naming the element, rather than stalling later.
"""
from __future__ import annotations

from SpiffWorkflow.util.task import TaskState

from engine.errors import Problem, ProcessFailure

_LIVE = TaskState.NOT_FINISHED_MASK | TaskState.ERROR
_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
MAX_DEPTH = 400  # well below SpiffWorkflow's iterator depth (1000) and Python's recursion limit


def compact(workflow, max_depth: int | None = None) -> int:
    """Compact the top workflow and every subprocess; returns how many tasks were removed."""
    max_depth = max_depth or MAX_DEPTH
    removed = _compact_tree(workflow, max_depth)
    for sub in list(workflow.subprocesses.values()):
        removed += _compact_tree(sub, max_depth)
    _drop_orphan_subprocesses(workflow)
    return removed


def compact_every(workflow, tasks: int = 100):
    """A ``did_complete_task`` callback for ``do_engine_steps`` that compacts after every
    ``tasks`` completed tasks, so a loop of engine tasks only (scripts, gateways) running
    thousands of rounds within one step does not outgrow the tree before the step ends."""
    completed = 0

    def after_task(task) -> None:
        nonlocal completed
        completed += 1
        if completed % tasks == 0:
            compact(workflow)
    return after_task


def _compact_tree(workflow, max_depth: int) -> int:
    root = workflow.task_tree
    order = _preorder(root)
    keep = _kept(root, order)
    if keep is None:
        return 0  # finished: nothing grows any more, and the end events say how it ended
    if workflow.last_task is not None:
        keep.add(workflow.last_task.id)  # a subprocess hands this task's data to its parent
    if len(keep) == len(order):
        _check_depth(workflow, root, max_depth)
        return 0
    children = {task_id: [] for task_id in keep}
    parent_of = {root.id: None}
    # Pre-order: a task's nearest kept ancestor is known before the task is visited.
    nearest = {root.id: root.id}
    for task in order[1:]:
        above = nearest[task._parent]
        if task.id in keep:
            children[above].append(task.id)
            parent_of[task.id] = above
            nearest[task.id] = task.id
        else:
            nearest[task.id] = above
    removed = [task_id for task_id in workflow.tasks if task_id not in keep]
    for task_id in removed:
        del workflow.tasks[task_id]
    for task_id in keep:
        task = workflow.tasks[task_id]
        task._children = children[task_id]
        task._parent = parent_of[task_id]
    _check_depth(workflow, root, max_depth)
    return len(removed)


def _preorder(root) -> list:
    """Every task of the tree, parents before children, siblings in their order."""
    order, stack = [], [root]
    while stack:
        task = stack.pop()
        order.append(task)
        stack.extend(reversed(task.children))
    return order


def _kept(root, order) -> set | None:
    """Ids of the tasks to keep, or None when nothing is live."""
    holding = set()  # tasks whose subtree (themselves included) holds a live task
    for task in reversed(order):
        if task.has_state(_LIVE) or any(child.id in holding for child in task.children):
            holding.add(task.id)
    if root.id not in holding:
        return None
    keep = {root.id}
    under_live = set()
    for task in order:
        if task.id in under_live or task.has_state(_LIVE):
            keep.add(task.id)
            under_live.update(child.id for child in task.children)
            if task.parent is not None:
                keep.add(task.parent.id)
        elif sum(child.id in holding for child in task.children) > 1:
            keep.add(task.id)
    return keep


def _check_depth(workflow, root, max_depth: int) -> None:
    """Refuse a tree the cut could not shorten, naming the deepest task that is waiting or ready."""
    stack, deepest, depth_of = [(root, 0)], None, 0
    while stack:
        task, depth = stack.pop()
        depth_of = max(depth_of, depth)
        if task.has_state(_ACTIVE) and (deepest is None or depth > deepest[1]):
            deepest = (task, depth)
        stack.extend((child, depth + 1) for child in task.children)
    if depth_of <= max_depth:
        return
    spec = (deepest or (root, 0))[0].task_spec
    element = getattr(spec, "bpmn_id", None) or spec.name
    message = (f"the task tree of {workflow.spec.name} is {depth_of} levels deep after compaction "
               f"(limit {max_depth}); its history keeps growing at {element}")
    raise ProcessFailure(f"the diagram failed at {element}: {message}",
                         [Problem(message, element_id=element, element_name=getattr(spec, "bpmn_name", None))])


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
