"""Turning a validated diagram into versioned process definitions."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import func, select

from engine.errors import DeploymentRejected
from engine.joins import join_warnings
from engine.tables import AuditEntry, BpmnSpec, ProcessDefinition
from engine.validation import Validated


def content_hash(xml: bytes, forms: dict) -> str:
    """Identity of a deployment: the diagram and every form it references."""
    digest = hashlib.sha256(xml)
    digest.update(json.dumps(forms, sort_keys=True).encode())
    return digest.hexdigest()


def describe(definition: ProcessDefinition) -> dict:
    return {
        "id": definition.id, "process_key": definition.process_key, "version": definition.version,
        "name": definition.name, "sha256": definition.sha256, "deployed_by": definition.deployed_by,
        "deployed_at": definition.deployed_at.isoformat(), "forms": sorted(definition.forms),
    }


def store(session, validated: Validated, xml: bytes, deployed_by: str, now: datetime, filename: str) -> list[dict]:
    """Store each process of a valid diagram; identical content returns the existing version.

    Each result carries ``warnings``: problems that do not stop the deployment.
    """
    if validated.problems:
        raise DeploymentRejected(f"{filename} was not deployed: {len(validated.problems)} problem(s)",
                                 validated.problems)
    sha = content_hash(xml, validated.forms)
    warnings = join_warnings(xml, validated.forms)
    deployed = []
    for process in validated.processes:
        notes = [w.to_dict() for w in warnings.get(process.process_key, [])]
        latest = session.scalar(
            select(ProcessDefinition).where(ProcessDefinition.process_key == process.process_key)
            .order_by(ProcessDefinition.version.desc()).limit(1).with_for_update()
        )
        if latest is not None and latest.sha256 == sha:
            deployed.append({**describe(latest), "created": False, "warnings": notes})
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
        deployed.append({**describe(definition), "created": True, "warnings": notes})
    return deployed
