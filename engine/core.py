"""The engine's public face: deploy, start, act on and query process instances.

Any BPMN process runs on it; it knows nothing of innovation. Everything it does goes
through the unit of work and the mutation pipeline in ``runtime``.
"""
from __future__ import annotations

import contextlib
import uuid
from pathlib import Path

from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import and_, func, select

from engine import clock as engine_clock
from engine import deadlines, deployments, forms, queries, scheduling, versions
from engine.bundles import BUNDLE_SUFFIXES, Deployed
from engine.errors import Conflict, DeploymentRejected, NotFound
from engine.jobs import Jobs
from engine.operations import OperationRegistry
from engine.runtime import ACTIVE, Runtime, advance, process_failure
from engine.tables import AuditEntry, DeployedFile, HumanTask, ProcessDefinition, ProcessInstance
from engine.uow import Database
from engine.validation import FormSource, validate_bundle
from engine.views import definition_view, task_view
from engine.workflow import find_task, instance_item, new_workflow, start_messages, task_forms


class Engine:
    def __init__(self, database_url: str, forms_dir: str | Path | None = None,
                 operations: OperationRegistry | None = None, clock=None, groups=None):
        self.db = Database(database_url)
        # the names a diagram's candidate groups may have (the application's roles); None: any
        self.groups = frozenset(groups) if groups is not None else None
        self.forms_dir = Path(forms_dir) if forms_dir else None
        self.operations = operations or OperationRegistry()
        self.clock = clock or engine_clock.SystemClock()
        self.listeners: list = []
        self.runtime = Runtime(self.db, self.listeners, self.operations, self.clock)
        self.jobs = Jobs(self.runtime, self.operations)

    # -- time, reading and hooks ------------------------------------------------------
    def now(self):
        """The engine's current time (its clock: the system's, or a test's manual one)."""
        with self.runtime.time():
            return engine_clock.now()

    @contextlib.contextmanager
    def reading(self):
        """A read-only session on the engine's clock, for read models that join its tables."""
        with self.runtime.time(), self.db.unit_of_work() as uow:
            yield uow.session

    def record(self, *, actor: str, action: str, instance_id: str | None = None, element_id: str | None = None,
               details: dict | None = None) -> None:
        """Append an entry to the audit log outside any instance change (e.g. a refused request)."""
        with self.runtime.time(), self.db.unit_of_work(write=True) as uow:
            uow.session.add(AuditEntry(instance_id=instance_id, actor=actor, action=action, element_id=element_id,
                                       at=engine_clock.now(), details=details or {}))
            uow.commit()

    def on_jobs_committed(self, observer) -> None:
        """Call ``observer(job_ids)`` after each commit that created jobs (queue dispatchers, runners)."""
        self.runtime.job_observers.append(observer)

    def off_jobs_committed(self, observer) -> None:
        if observer in self.runtime.job_observers:
            self.runtime.job_observers.remove(observer)

    # -- definitions -----------------------------------------------------------------
    def definition(self, process_key: str, version: int | None = None) -> ProcessDefinition:
        """A deployed definition row (latest version unless one is named)."""
        with self.db.unit_of_work() as uow:
            return queries.definition(uow.session, process_key, version)

    def definition_row(self, definition_id: int) -> ProcessDefinition:
        with self.db.unit_of_work() as uow:
            return queries.definition_by_id(uow.session, definition_id)

    def deploy(self, xml: bytes, *, deployed_by: str, filename: str = "diagram.bpmn",
               forms: dict[str, bytes] | None = None) -> list[dict]:
        """Validate and store a diagram; refused with every problem if anything is wrong."""
        return self.deploy_bundle({filename: xml}, deployed_by=deployed_by, forms=forms)

    def deploy_bundle(self, files: dict[str, bytes], *, deployed_by: str,
                      forms: dict[str, bytes] | None = None, sources: dict[str, str] | None = None) -> list[dict]:
        """Validate and store BPMN and DMN files and forms as one deployment (file name ->
        content): their processes are stored together or, with any problem, none of them.
        ``sources``: the path each file was read from (file name -> path), recorded on its versions."""
        with self.runtime.time():
            validated = validate_bundle(files, FormSource(self.forms_dir, forms), self.operations, self._deployed,
                                        groups=self.groups)
            label = next(iter(files)) if len(files) == 1 else f"the deployment of {len(files)} files"
            return deployments.store_committed(self.db, validated, deployed_by, engine_clock.now(), label, sources)

    def deploy_file(self, path: str | Path, *, deployed_by: str) -> list[dict]:
        return self.deploy_files([path], deployed_by=deployed_by)

    def deploy_files(self, paths, *, deployed_by: str) -> list[dict]:
        """Files and folders as one deployment; a folder gives its .bpmn, .dmn and .json files
        (not hidden ones, such as an editor's backup)."""
        files, sources = {}, {}
        for path in map(Path, paths):
            members = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")
                             and p.name.lower().endswith(BUNDLE_SUFFIXES)) if path.is_dir() else [path]
            if not members:
                raise DeploymentRejected(f"{path} holds no .bpmn, .dmn or .json file")
            for member in members:
                if member.name in files:
                    raise DeploymentRejected(f"two files are named {member.name}; a deployment names each file once")
                files[member.name], sources[member.name] = member.read_bytes(), str(member)
        return self.deploy_bundle(files, deployed_by=deployed_by, sources=sources)

    def _deployed(self, process_key: str, version: int | None) -> Deployed | None:
        """A deployed version a call activity may run (the latest unless one is pinned)."""
        with self.db.unit_of_work() as uow:
            try:
                row = queries.definition(uow.session, process_key, version)
            except NotFound:
                return None
            return Deployed(row.id, row.process_key, row.version, row.sha256,
                            self.runtime.spec_json(uow.session, row), dict(row.forms))

    # -- instances -------------------------------------------------------------------
    def start(self, process_key: str, data: dict | None = None, *, actor: str,
              business_key: str | None = None, version: int | None = None, message: str | None = None) -> dict:
        """A new instance; a process that only starts on a message is started by that
        ``message`` (its payload is ``data``), never left waiting for it with nothing to do."""
        data = data or {}
        with self.runtime.time(), self.db.unit_of_work(write=True) as uow:
            session = uow.session
            definition = self.runtime.remember(queries.definition(session, process_key, version))
            spec_json = self.runtime.spec_json(session, definition)
            workflow = new_workflow(spec_json)
            starts = start_messages(spec_json)
            if message is None and starts and None not in starts:
                raise Conflict(f"process {process_key!r} starts when message "
                               f"{' or '.join(repr(m) for m in sorted(set(starts)))} is sent, not by starting it: "
                               f"send the message (innovation message {starts[0]} [--business-key KEY]) and an "
                               "instance starts")
            form_name = _start_form(workflow)
            forms.check(data, definition.forms.get(form_name) if form_name else None,
                        f"the start of {process_key}")
            workflow.task_tree.data.update(data)
            advance(workflow)
            if message is not None:
                workflow.send_event(BpmnEvent(MessageEventDefinition(message), data))
                advance(workflow)
            now = engine_clock.now()
            row = ProcessInstance(id=str(uuid.uuid4()), definition_id=definition.id, business_key=business_key,
                                  status="running", state_json="{}", started_by=actor, started_at=now,
                                  updated_at=now)
            session.add(row)  # inserted with its state when the step is saved: one write
            details = {"process_key": process_key, "version": definition.version}
            details.update({"message": message} if message else {})
            event = self.runtime.save(session, row, definition, workflow, actor=actor, action="started", before={},
                                      stored=frozenset(),  # a new instance has no rows yet
                                      submitted=data, details=details, with_view=True)
            uow.commit()
        self.runtime.jobs_committed(event.jobs_created)
        return event.view

    def complete_task(self, task_id: str, data: dict | None, *, actor: str,
                      expected_version: int | None = None, located: tuple[str, str, str | None] | None = None) -> dict:
        """Complete a ready user task with form data validated against its schema.

        ``located`` is the task's (instance id, element id, scope) when the caller has just
        read them (the API's access check does), which saves a read before the lock; the
        task's row is read again under the lock either way.
        """
        data = data or {}
        instance_id, element_id, scope = located or self._locate_task(task_id)

        def change(session, row, workflow):
            human = session.get(HumanTask, task_id)  # read under the lock: among the open tasks, or now
            if human is None or human.instance_id != row.id:
                raise NotFound(f"task {task_id} does not exist in instance {row.id}")
            task = find_task(workflow, task_id)
            if human.state != "open" or task is None or task.state != TaskState.READY:
                who = f" by {human.completed_by}" if human.completed_by else ""
                raise Conflict(f"task {human.element_id} ({task_id}) is already {human.state}{who}",
                               reason_code="task_state", params={"task": human.element_id, "state": human.state})
            # the form the task's own spec names, in the definition the instance now runs on
            # (deployment made sure it holds every form its diagram names)
            form, _ = task_forms(task.task_spec)
            definition = session.get(ProcessDefinition, row.definition_id)
            forms.check(data, definition.forms[form] if form else None, f"task {human.element_id}")
            task.data.update(data)
            try:
                task.run()  # runs the task's postScript: a failure there is the diagram's, refused whole
            except WorkflowException as exc:
                raise process_failure(exc) from exc
            human.state, human.completed_by, human.ended_at = "completed", actor, engine_clock.now()
            return {"task_id": task_id}

        return self.runtime.mutate(instance_id, actor=actor, action="task_completed", change=change,
                                   expected_version=expected_version, element_id=element_id, submitted=data,
                                   scope=scope, with_view=True).view

    def correlate_message(self, name: str, payload: dict | None = None, *, actor: str,
                          instance_id: str | None = None, business_key: str | None = None,
                          expected_version: int | None = None) -> dict:
        """Deliver a BPMN message to the one running instance waiting for it; without one
        (no instance named, none running with the business key), a new instance of the
        deployed process that starts on this message."""
        payload = payload or {}
        forms.check(payload, None, f"message {name}")
        if instance_id is None:
            running = self._by_business_key(business_key)
            starting = self._started_by(name) if len(running) != 1 or business_key is None else []
            if len(starting) > 1:
                raise Conflict(f"message {name!r} starts several processes ({', '.join(starting)}); "
                               "a message may start only one")
            if starting:
                return self.start(starting[0], payload, actor=actor, business_key=business_key, message=name)
            if len(running) != 1:
                raise NotFound(f"{len(running)} running instances have business key {business_key!r} (need "
                               f"exactly one), and no deployed process starts on message {name!r}")
            instance_id = running[0]

        def change(session, row, workflow):
            try:
                workflow.send_event(BpmnEvent(MessageEventDefinition(name), payload))
            except WorkflowException as exc:
                raise Conflict(f"instance {row.id} is not waiting for message {name!r}", reason_code="not_waiting",
                               params={"instance": row.id, "message": name}) from exc
            return {"message": name}

        return self.runtime.mutate(instance_id, actor=actor, action="message_correlated", change=change,
                                   expected_version=expected_version, submitted=payload, with_view=True).view

    def annotate(self, instance_id: str, action: str, data: dict, *, actor: str, schema: dict | None = None,
                 expected_version: int | None = None) -> dict:
        """Record a fact about a running instance that does not move its process (a new
        assessment made outside the diagram): checked against ``schema``, under the instance's
        lock, audited as ``action`` with ``data``, seen by the listeners in the same
        transaction."""
        forms.check(data, schema, action)
        return self.runtime.mutate(instance_id, actor=actor, action=action, change=lambda *_: None,
                                   expected_version=expected_version, submitted=data, with_view=True).view

    def fire_due_timers(self, limit: int = 100) -> int:
        """Advance every running instance with a timer due now; instances not due stay unread."""
        return scheduling.fire_due_timers(self.runtime, limit)

    def next_timer_due(self):
        """When the next timer of a running instance falls due (None if none waits)."""
        return scheduling.next_due(self.runtime)

    def run_jobs(self, worker: str = "in-process") -> int:
        return self.jobs.run_pending(worker)

    def tick(self) -> dict:
        """Fire due timers and run pending jobs in-process until nothing is left to do."""
        totals = {"timers": 0, "jobs": 0}
        while True:
            timers, jobs = self.fire_due_timers(), self.run_jobs()
            totals["timers"] += timers
            totals["jobs"] += jobs
            if not timers and not jobs:
                return totals

    def suspend(self, instance_id: str, *, actor: str, expected_version: int | None = None) -> dict:
        return self._set_status(instance_id, "suspended", ACTIVE, actor, "suspended", expected_version)

    def resume(self, instance_id: str, *, actor: str, expected_version: int | None = None) -> dict:
        return self._set_status(instance_id, "running", ("suspended", "error"), actor, "resumed", expected_version)

    def terminate(self, instance_id: str, *, actor: str, expected_version: int | None = None) -> dict:
        def change(session, row, workflow):
            workflow.cancel()
            row.status, row.ended_at = "terminated", engine_clock.now()
        return self.runtime.mutate(instance_id, actor=actor, action="terminated", change=change,
                                   expected_version=expected_version, statuses=ACTIVE + ("suspended", "error"),
                                   with_view=True).view

    def _set_status(self, instance_id, status, allowed, actor, action, expected_version):
        def change(session, row, workflow):
            row.status = status
        return self.runtime.mutate(instance_id, actor=actor, action=action, change=change,
                                   expected_version=expected_version, statuses=allowed, with_view=True).view

    def assign_task(self, task_id: str, assignee: str | None, *, actor: str, only_if_unassigned: bool = False) -> dict:
        """Claim, unclaim or reassign an open task; a claim fails if someone else holds it."""
        with self.runtime.time(), self.db.unit_of_work(write=True) as uow:
            task = uow.session.get(HumanTask, task_id, with_for_update=True)
            if task is None:
                raise NotFound(f"task {task_id} does not exist", reason_code="task_not_found", params={"task": task_id})
            if task.state != "open":
                raise Conflict(f"task {task.element_id} ({task_id}) is {task.state}", reason_code="task_state",
                               params={"task": task.element_id, "state": task.state})
            if only_if_unassigned and task.assignee not in (None, assignee):
                raise Conflict(f"task {task.element_id} is already claimed by {task.assignee}",
                               reason_code="task_claimed", params={"task": task.element_id, "assignee": task.assignee})
            previous, task.assignee = task.assignee, assignee
            action = "task_claimed" if assignee == actor else "task_unclaimed" if assignee is None else "task_assigned"
            uow.session.add(AuditEntry(instance_id=task.instance_id, actor=actor, action=action,
                                       element_id=task.element_id, at=engine_clock.now(),
                                       details={"task_id": task_id, "from": previous, "to": assignee}))
            uow.commit()
            return task_view(task)

    def task_form(self, task_id: str) -> dict:
        """The task's JSON Schema and UI schema, with the instance's current values for its fields."""
        with self.db.unit_of_work() as uow:
            task = uow.session.get(HumanTask, task_id)
            if task is None:
                raise NotFound(f"task {task_id} does not exist", reason_code="task_not_found", params={"task": task_id})
            row = uow.session.get(ProcessInstance, task.instance_id)
            workflow, definition = self.runtime.load(uow.session, row)
            schema = definition.forms.get(task.form) if task.form else None
            live = find_task(workflow, task_id)
            data = dict(live.data) if live is not None else {}
            fields = (schema or {}).get("properties", {})
            return {"task": task_view(task), "schema": schema,
                    "ui_schema": definition.forms.get(task.ui_form) if task.ui_form else None,
                    "data": {k: v for k, v in data.items() if k in fields},
                    "item": instance_item(live) if live is not None else None, "instance_version": row.version}

    def migrate(self, instance_id: str, to_version: int, *, actor: str, expected_version: int | None = None) -> dict:
        """Move an instance to another version of its process: what it has reached stays, the
        rest of its path follows the target; refused, naming every element that cannot move."""
        def change(session, row, workflow):
            current = session.get(ProcessDefinition, row.definition_id)
            target = queries.definition(session, current.process_key, to_version)
            problems = versions.migrate(workflow, self.runtime.spec_json(session, target))
            if problems:
                raise Conflict(f"instance {instance_id} cannot move to version {to_version}: "
                               f"{len(problems)} element(s) it holds cannot be mapped", problems,
                               reason_code="migration_unmapped", params={"version": to_version, "count": len(problems)})
            row.definition_id = target.id
            return {"from_version": current.version, "to_version": target.version}

        return self.runtime.mutate(instance_id, actor=actor, action="migrated", change=change,
                                   expected_version=expected_version, statuses=ACTIVE + ("suspended",),
                                   with_view=True).view

    # -- queries ---------------------------------------------------------------------
    def instance(self, instance_id: str) -> dict:
        with self.db.unit_of_work() as uow:
            return queries.instance_detail(uow.session, self.runtime, instance_id)

    def instances(self, **filters) -> list[dict]:
        with self.db.unit_of_work() as uow:
            return queries.instances(uow.session, **filters)

    def tasks(self, **filters) -> list[dict]:
        with self.db.unit_of_work() as uow:
            return queries.tasks(uow.session, **filters)

    def history(self, instance_id: str) -> list[dict]:
        with self.db.unit_of_work() as uow:
            return queries.history(uow.session, instance_id)

    def definitions(self, process_key: str | None = None) -> list[dict]:
        with self.db.unit_of_work() as uow:
            return queries.definitions(uow.session, process_key)

    def definition_xml(self, definition_id: int) -> str:
        with self.db.unit_of_work() as uow:
            return queries.definition_by_id(uow.session, definition_id).bpmn_xml

    def definition_file(self, definition_id: int, name: str) -> str:
        """A DMN or BPMN file deployed with a version and run by it (its ``files``)."""
        with self.db.unit_of_work() as uow:
            definition = queries.definition_by_id(uow.session, definition_id)
            if name not in (definition.files or {}):
                raise NotFound(f"version {definition.version} of {definition.process_key} runs no file {name!r}; "
                               f"it runs {', '.join(sorted(definition.files or {})) or 'none besides its diagram'}")
            return uow.session.get(DeployedFile, definition.files[name]).content

    def diff_definitions(self, old_id: int, new_id: int) -> dict:
        with self.db.unit_of_work() as uow:
            old, new = (queries.definition_by_id(uow.session, i) for i in (old_id, new_id))
            return {"from": definition_view(old), "to": definition_view(new),
                    **versions.diff(old.bpmn_xml, new.bpmn_xml)}

    # -- due dates ---------------------------------------------------------------------
    def due_dates(self, process_key: str) -> dict:
        """The user tasks of a process's newest version: what its diagram says of their due date
        (``due_in``, ``timer``) and the process owner's ``default`` for them."""
        with self.db.unit_of_work() as uow:
            definition = queries.definition(uow.session, process_key, None)
            defaults = deadlines.defaults_for(uow.session, process_key)
            return {"process_key": process_key, "version": definition.version,
                    "tasks": [{**task, "default": defaults.get(task["element_id"])}
                              for task in deadlines.user_tasks(definition.bpmn_xml)]}

    def set_due_default(self, process_key: str, element_id: str, duration: str | None, *, actor: str) -> dict | None:
        """Set (None: remove) the default due date of a user task; it applies to tasks opening from now on."""
        with self.runtime.time(), self.db.unit_of_work(write=True) as uow:
            result = deadlines.set_default(uow.session, process_key, element_id, duration, actor=actor)
            uow.commit()
            return result

    def job_list(self, states=("pending", "running", "incident"), limit: int = 100) -> list[dict]:
        with self.db.unit_of_work() as uow:
            return queries.jobs(uow.session, states, limit)

    def job(self, job_id: str) -> dict:
        with self.db.unit_of_work() as uow:
            return queries.job(uow.session, job_id)

    def waiting_timers(self, limit: int = 100) -> list[dict]:
        with self.db.unit_of_work() as uow:
            return queries.timers(uow.session, limit)

    def _locate_task(self, task_id: str) -> tuple[str, str, str | None]:
        with self.db.unit_of_work() as uow:
            found = uow.session.execute(select(HumanTask.instance_id, HumanTask.element_id, HumanTask.scope)
                                        .where(HumanTask.id == task_id)).first()
        if found is None:
            raise NotFound(f"task {task_id} does not exist", reason_code="task_not_found", params={"task": task_id})
        return found.instance_id, found.element_id, found.scope

    def _by_business_key(self, business_key: str | None) -> list[str]:
        with self.db.unit_of_work() as uow:
            return list(uow.session.scalars(select(ProcessInstance.id).where(
                ProcessInstance.business_key == business_key, ProcessInstance.status.in_(ACTIVE))).all())

    def _started_by(self, message: str) -> list[str]:
        """Process keys whose latest version has a start event waiting for ``message``."""
        with self.db.unit_of_work() as uow:
            latest = select(ProcessDefinition.process_key, func.max(ProcessDefinition.version).label("version")) \
                .group_by(ProcessDefinition.process_key).subquery()
            rows = uow.session.scalars(select(ProcessDefinition).join(latest, and_(
                ProcessDefinition.process_key == latest.c.process_key,
                ProcessDefinition.version == latest.c.version)).order_by(ProcessDefinition.process_key)).all()
            return [row.process_key for row in rows
                    if message in start_messages(self.runtime.spec_json(uow.session, row))]


def _start_form(workflow) -> str | None:
    for spec in workflow.spec.task_specs.values():
        if isinstance(spec, StartEvent):
            form = spec.extensions.get("properties", {}).get("formJsonSchemaFilename")
            if form:
                return form
    return None
