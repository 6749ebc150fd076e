"""Turning a validated diagram into versioned process definitions."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from engine.errors import Conflict, DeploymentRejected
from engine.joins import join_warnings
from engine.tables import AuditEntry, BpmnSpec, DeployedFile, ProcessDefinition
from engine.validation import ParsedProcess, Validated
from engine.views import definition_view

STORE_ATTEMPTS = 3


def content_hash(process: ParsedProcess) -> str:
    """Identity of a deployed process: its diagram, the other files it runs, the deployed
    versions it calls and every form it names. A new callee version or an edited decision
    table makes a new version of the caller; an unrelated file of the same deployment does not."""
    digest = hashlib.sha256(process.xml)
    if process.files or process.calls:
        digest.update(json.dumps({"files": {name: hashlib.sha256(content).hexdigest()
                                            for name, content in process.files.items()},
                                  "calls": {key: callee.sha256 for key, callee in process.calls.items()}},
                                 sort_keys=True).encode())
    digest.update(json.dumps(process.forms, sort_keys=True).encode())
    return digest.hexdigest()


def store(session, validated: Validated, deployed_by: str, now: datetime, filename: str,
          sources: dict[str, str] | None = None) -> list[dict]:
    """Store each process of a valid deployment; identical content returns the existing version.

    ``sources`` names the path each file was read from (file name -> path): the version
    records it with the hash of the file's bytes (``source``), and so does an existing version
    that had none (a version exported from the modeler into the file, then deployed from it).

    Each result carries ``warnings``, problems that do not stop the deployment, and
    ``expressions``, the JUEL and FEEL of the diagram with the Python each runs as.
    """
    if validated.problems:
        raise DeploymentRejected(f"{filename} was not deployed: {len(validated.problems)} problem(s)",
                                 validated.problems, reason_code="not_deployed",
                                 params={"file": filename, "count": len(validated.problems)})
    deployed = []
    for process in validated.processes:
        sha = content_hash(process)
        notes = [w.to_dict() for w in validated.warnings.get(process.filename, [])
                 + join_warnings(process.xml, process.forms).get(process.process_key, [])]
        notes = {"warnings": notes, "expressions": validated.expressions.get(process.filename, [])}
        latest = session.scalar(
            select(ProcessDefinition).where(ProcessDefinition.process_key == process.process_key)
            .order_by(ProcessDefinition.version.desc()).limit(1).with_for_update()
        )
        source = ({"path": sources[process.filename], "sha256": hashlib.sha256(process.xml).hexdigest()}
                  if sources and process.filename in sources else None)
        if latest is not None and latest.sha256 == sha:
            if source and latest.source is None:
                latest.source = source
            deployed.append({**definition_view(latest), "created": False, **notes})
            continue
        spec_sha = _stored(session, BpmnSpec, process.spec_json, "spec_json")
        files = {name: _stored(session, DeployedFile, content.decode("utf-8"), "content")
                 for name, content in process.files.items()}
        next_version = (session.scalar(select(func.max(ProcessDefinition.version))
                                       .where(ProcessDefinition.process_key == process.process_key)) or 0) + 1
        definition = ProcessDefinition(
            process_key=process.process_key, version=next_version, name=process.name,
            bpmn_xml=process.xml.decode("utf-8"), sha256=sha, spec_sha256=spec_sha, forms=process.forms,
            files=files, deployed_by=deployed_by, deployed_at=now, source=source,
        )
        session.add(definition)
        session.flush()
        details = {"definition_id": definition.id, "version": next_version, "sha256": sha, "file": process.filename}
        if source:
            details["source"] = source["path"]
        if files:
            details["files"] = sorted(files)
        if process.calls:
            details["calls"] = {key: callee.version for key, callee in process.calls.items()}
        session.add(AuditEntry(actor=deployed_by, action="deployed", element_id=process.process_key, at=now,
                               details=details))
        deployed.append({**definition_view(definition), "created": True, **notes})
    return deployed


def _stored(session, table, text: str, column: str) -> str:
    """Content stored once per distinct value, keyed by its SHA-256."""
    sha = hashlib.sha256(text.encode()).hexdigest()
    if session.get(table, sha) is None:
        session.add(table(sha256=sha, **{column: text}))
    return sha


def store_committed(db, validated: Validated, deployed_by: str, now: datetime, filename: str,
                    sources: dict[str, str] | None = None) -> list[dict]:
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
                result = store(uow.session, validated, deployed_by, now, filename, sources)
                uow.commit()
                return result
        except IntegrityError as exc:
            if attempt == STORE_ATTEMPTS:
                keys = ", ".join(p.process_key for p in validated.processes)
                raise Conflict(f"{filename} could not be stored: {keys} kept being deployed concurrently; "
                               "try again") from exc
            attempt += 1
