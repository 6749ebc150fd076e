"""Turning a validated diagram into versioned process definitions."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from engine.errors import Conflict, DeploymentRejected
from engine.joins import join_warnings
from engine.tables import AuditEntry, BpmnSpec, ProcessDefinition
from engine.validation import Validated
from engine.views import definition_view

STORE_ATTEMPTS = 3


def content_hash(xml: bytes, forms: dict) -> str:
    """Identity of a deployment: the diagram and every form it references."""
    digest = hashlib.sha256(xml)
    digest.update(json.dumps(forms, sort_keys=True).encode())
    return digest.hexdigest()


def store(session, validated: Validated, xml: bytes, deployed_by: str, now: datetime, filename: str) -> list[dict]:
    """Store each process of a valid diagram; identical content returns the existing version.

    Each result carries ``warnings``, problems that do not stop the deployment, and
    ``expressions``, the JUEL and FEEL of the diagram with the Python each runs as.
    """
    if validated.problems:
        raise DeploymentRejected(f"{filename} was not deployed: {len(validated.problems)} problem(s)",
                                 validated.problems)
    sha = content_hash(xml, validated.forms)
    warnings = join_warnings(xml, validated.forms)
    deployed = []
    for process in validated.processes:
        notes = [w.to_dict() for w in validated.warnings.get(filename, []) + warnings.get(process.process_key, [])]
        notes = {"warnings": notes, "expressions": validated.expressions.get(filename, [])}
        latest = session.scalar(
            select(ProcessDefinition).where(ProcessDefinition.process_key == process.process_key)
            .order_by(ProcessDefinition.version.desc()).limit(1).with_for_update()
        )
        if latest is not None and latest.sha256 == sha:
            deployed.append({**definition_view(latest), "created": False, **notes})
            continue
        spec_sha = hashlib.sha256(process.spec_json.encode()).hexdigest()
        if session.get(BpmnSpec, spec_sha) is None:
            session.add(BpmnSpec(sha256=spec_sha, spec_json=process.spec_json))
        next_version = (session.scalar(select(func.max(ProcessDefinition.version))
                                       .where(ProcessDefinition.process_key == process.process_key)) or 0) + 1
        definition = ProcessDefinition(
            process_key=process.process_key, version=next_version, name=process.name,
            bpmn_xml=xml.decode("utf-8"), sha256=sha, spec_sha256=spec_sha, forms=validated.forms,
            deployed_by=deployed_by, deployed_at=now,
        )
        session.add(definition)
        session.flush()
        session.add(AuditEntry(actor=deployed_by, action="deployed", element_id=process.process_key, at=now,
                               details={"definition_id": definition.id, "version": next_version, "sha256": sha,
                                        "file": filename}))
        deployed.append({**definition_view(definition), "created": True, **notes})
    return deployed


def store_committed(db, validated: Validated, xml: bytes, deployed_by: str, now: datetime, filename: str) -> list[dict]:
    """``store`` in its own transaction, tried again when a concurrent deployment won a race.

    The first deployment of a process key has no row to lock, so two at once both pick
    version 1 (or insert the same parsed spec); the database's unique keys refuse the
    loser, which then retries and finds the winner's rows (``created: false`` for the
    same content, the next version for other content).
    """
    attempt = 1
    while True:
        try:
            with db.unit_of_work(write=True) as uow:
                result = store(uow.session, validated, xml, deployed_by, now, filename)
                uow.commit()
                return result
        except IntegrityError as exc:
            if attempt == STORE_ATTEMPTS:
                keys = ", ".join(p.process_key for p in validated.processes)
                raise Conflict(f"{filename} could not be stored: {keys} kept being deployed concurrently; "
                               "try again") from exc
            attempt += 1
