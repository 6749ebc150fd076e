"""An instance's history and earlier answers in the words of the people who use it.

The audit log speaks the engine's language (``job_ok`` by ``vm:30175:embedded`` at
``berakna_poang``, ``requested_funds``); this read model turns it into events and fields the
pages write as sentences: each element by its name in the diagram, each actor by a person's
display name or as the system, each submitted value under its form's own label, each choice
by its option's title. Labels and titles stay bilingual ("Svenska / English"): the page picks.
"""
from __future__ import annotations

import functools
import re

from lxml import etree
from sqlalchemy import select

from application import accounts
from application.monitoring import instance_definition, names
from engine import BPMN_NAMESPACES, AuditEntry, HumanTask
from innovation.model import LANE_ROLES

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
_MONEY = re.compile(r"\bkr\b|kronor|\bSEK\b", re.IGNORECASE)
#: What the engine or its workers do on their own (their actor is a worker or the scheduler).
_BACKGROUND = re.compile(r"^(job_|timer)|_failed$")
#: Audit actions told as they are, one sentence each (the others are told by what they did).
_PLAIN = {"suspended", "resumed", "terminated", "migrated", "incident_retried", "incident_cancelled",
          "criteria_reassessed", "access_denied", "task_claimed", "task_unclaimed",
          "task_assigned"}


def display_names(session, usernames) -> dict[str, str]:
    """Username -> the person's display name, for those of them who are users."""
    return dict(session.execute(select(accounts.User.username, accounts.User.display_name)
                                .where(accounts.User.username.in_(set(usernames)))).all())


def _tasks(session, instance_id: str) -> dict[str, HumanTask]:
    return {t.id: t for t in session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id))}


def _start_form(definition) -> dict | None:
    """The JSON Schema named on the process's start event, as this version deployed it."""
    root = etree.fromstring(definition.bpmn_xml.encode(), _PARSER)
    found = root.find(f"bpmn:process[@id='{definition.process_key}']/bpmn:startEvent/bpmn:extensionElements/"
                      "spiffworkflow:properties/spiffworkflow:property[@name='formJsonSchemaFilename']",
                      BPMN_NAMESPACES)
    return None if found is None else definition.forms.get(found.get("value"))


@functools.lru_cache(maxsize=64)
def _message_events(sha256: str, xml: str) -> dict[str, str]:
    """A message's name -> the names of the events that catch it ("Avbryt initiativ")."""
    root, caught = etree.fromstring(xml.encode(), _PARSER), {}
    messages = {m.get("id"): m.get("name") for m in root.iter(f"{{{BPMN_NAMESPACES['bpmn']}}}message")}
    for definition in root.iter(f"{{{BPMN_NAMESPACES['bpmn']}}}messageEventDefinition"):
        event = definition.getparent()
        if event.get("name") and not event.tag.endswith(("throwEvent", "endEvent")):
            names = caught.setdefault(messages.get(definition.get("messageRef")), [])
            if event.get("name") not in names:
                names.append(event.get("name"))
    return {message: ", ".join(names) for message, names in caught.items()}


def _humane(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _choice(schema: dict, value):
    """An option's own title (``oneOf`` const/title), or None when the field offers no titles."""
    for option in schema.get("oneOf") or schema.get("anyOf") or ():
        if isinstance(option, dict) and option.get("const") == value and option.get("title"):
            return option["title"]
    return None


def describe(schema: dict | None, value, key: str = "") -> dict:
    """One submitted value with its label and how to write it: ``kind`` is text, money, date,
    datetime, number, yes_no, choice, group (``fields``) or list (``items``)."""
    schema = schema if isinstance(schema, dict) else {}
    label = schema.get("title") or _humane(key)
    if isinstance(value, dict):
        known = schema.get("properties") or {}
        order = [k for k in known if k in value] + [k for k in value if k not in known and value[k] is not None]
        return {"label": label, "kind": "group", "fields": [describe(known.get(k), value[k], k) for k in order]}
    if isinstance(value, list):
        return {"label": label, "kind": "list", "items": [describe(schema.get("items"), item, key) for item in value]}
    title = _choice(schema, value)
    if title is not None:
        return {"label": label, "kind": "choice", "value": title}
    if isinstance(value, bool):
        kind = "yes_no"
    elif isinstance(value, int | float):
        money = key == "amount" or key.endswith(("_amount", "_cost")) or _MONEY.search(label)
        kind = "money" if money else "number"
    elif schema.get("format") in ("date", "date-time"):
        kind = "date" if schema["format"] == "date" else "datetime"
    else:
        kind = "text"
    return {"label": label, "kind": kind, "value": value}


def answers(session, instance_id: str) -> list[dict]:
    """What people submitted so far, one step each in order (the start form, then each completed
    task): the step's name, who, when, and every field under its form's label."""
    _, definition = instance_definition(session, instance_id)
    entries = list(session.scalars(select(AuditEntry).where(
        AuditEntry.instance_id == instance_id, AuditEntry.action.in_(("started", "task_completed")))
        .order_by(AuditEntry.id)))
    tasks, people = _tasks(session, instance_id), display_names(session, [e.actor for e in entries])
    known, steps = names(definition), []
    for entry in entries:
        submitted = entry.details.get("submitted")
        if not submitted:
            continue
        task = tasks.get(entry.details.get("task_id"))
        schema = definition.forms.get(task.form) if task and task.form else None
        if entry.action == "started":
            schema = _start_form(definition)
        step = task.name if task else known.get(entry.element_id) if entry.element_id else None
        steps.append({"step": step, "start": entry.action == "started", "by": people.get(entry.actor, entry.actor),
                      "at": entry.at, "fields": describe(schema, submitted)["fields"]})
    return steps


def _decision(schema: dict | None, submitted: dict) -> str | None:
    """The option a task's form decided, by its own title (a field named ``*_decision``)."""
    properties = (schema or {}).get("properties") or {}
    for key, value in submitted.items():
        if key.endswith("_decision") and key in properties:
            return _choice(properties[key], value) or None
    return None


def _score(changed: dict) -> dict | None:
    score = changed.get("score")
    if not isinstance(score, dict) or "breakdown" not in score:
        return None
    points = [line.get("score") for line in score["breakdown"].values() if isinstance(line.get("score"), int)]
    return {"points": sum(points), "max": 3 * score.get("applicable", len(points)),
            "met": score.get("criteria_met"), "applicable": score.get("applicable")}


def history(session, instance_id: str, entries: list[dict]) -> list[dict]:
    """Audit entries (as ``engine.history`` gives them) as events to write as sentences:
    ``kind``, ``element`` (its name), ``who`` (a display name, or None for the system), ``role``
    (the lane's role of a completed task) and the facts of the kind."""
    _, definition = instance_definition(session, instance_id)
    known, tasks = names(definition), _tasks(session, instance_id)
    people = display_names(session, [e["actor"] for e in entries] + [e["details"].get("to") or "" for e in entries])
    events = []
    for entry in entries:
        details, action = entry["details"] or {}, entry["action"]
        element = known.get(entry["element_id"]) if entry["element_id"] else None
        who = people.get(entry["actor"])
        if who is None and not _BACKGROUND.search(action):
            who = entry["actor"]
        event = {"id": entry["id"], "at": entry["at"], "who": who, "element": element, "kind": "changed"}
        if action == "started":
            event["kind"] = "started"
        elif action == "task_completed":
            task = tasks.get(details.get("task_id"))
            schema = definition.forms.get(task.form) if task and task.form else None
            lane_role = LANE_ROLES.get(task.lane) if task and task.lane else None
            event.update(kind="completed", element=task.name if task else element,
                         role=lane_role.value if lane_role else None)
            choice = _decision(schema, details.get("submitted") or {})
            if choice:
                event.update(kind="decided", choice=choice)
        elif action.startswith("job_"):
            event.update(_job(details))
        elif action == "timer_fired":
            fired = [known.get(e, e) for e in details.get("timers") or ()]
            event.update(kind="timer", element=", ".join(fired) or element)
        elif action.endswith("_failed"):
            event.update(kind="failed", error=details.get("error"))
        elif action == "message_correlated":
            event.update(kind=action, element=_message_events(definition.sha256, definition.bpmn_xml).get(
                details.get("message")) or element)
        elif action in _PLAIN:
            event.update(kind=action, to=people.get(details.get("to"), details.get("to")),
                         version=details.get("to_version") or details.get("version"))
        events.append(event)
    return events


def _job(details: dict) -> dict:
    """A service task's attempt: done (the score told as the city counts it), failed and tried
    again, failed for good (an incident an admin resolves), or done but not applicable to the
    instance (parked with the error)."""
    if details.get("incident"):
        return {"kind": "incident", "attempt": details.get("attempt"), "error": details.get("error")}
    if details.get("retry_at"):
        return {"kind": "retry", "attempt": details.get("attempt"), "error": details.get("error"),
                "retry_at": details["retry_at"]}
    if details.get("error"):  # the result could not be applied: the instance is parked
        return {"kind": "failed", "error": details["error"]}
    if details.get("ignored"):
        return {"kind": "ignored"}
    score = _score(details.get("data_changed") or {})
    return {"kind": "scored", **score} if score else {"kind": "ran"}
