"""Initiative records to and from JSON-safe dicts (the ``initiatives.record`` column)."""
from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from decimal import Decimal

from innovation.domain.effects import EffectGoal
from innovation.domain.initiative import Financing, GateDecision, Hold, IdeaOwner, InitiativeRecord, PhaseVisit
from innovation.domain.vocabulary import Decision, Gate, Kind, Phase, Status


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _money(values: dict) -> dict:
    return {code: str(amount) for code, amount in values.items()}


def to_dict(record: InitiativeRecord) -> dict:
    return {
        "title": record.title, "kind": record.kind.value, "administration": record.administration,
        "idea_owner": {"name": record.idea_owner.name, "email": record.idea_owner.email,
                       "show_publicly": record.idea_owner.show_publicly},
        "description": record.description, "need": record.need, "collaborators": list(record.collaborators),
        "strategic_area": record.strategic_area, "phase": record.phase.value if record.phase else None,
        "status": record.status.value, "score_total": record.score_total,
        "funds_granted": _money(record.funds_granted), "funds_spent": _money(record.funds_spent),
        "effect_goals": [g.to_dict() for g in record.effect_goals],
        "lessons_learned": list(record.lessons_learned),
        "phase_dates": [{"phase": v.phase.value, "entered_at": v.entered_at.isoformat(),
                         "left_at": v.left_at.isoformat() if v.left_at else None} for v in record.phase_dates],
        "gate_decisions": [{"gate": d.gate.value, "decision": d.decision.value, "rationale": d.rationale,
                            "decided_by": d.decided_by, "decided_at": d.decided_at.isoformat(),
                            "amounts": _money(d.amounts), "administration": d.administration}
                           for d in record.gate_decisions],
        "hold": {"gate": record.hold.gate.value, "reason": record.hold.reason, "until": record.hold.until,
                 "since": record.hold.since.isoformat()} if record.hold else None,
        "financing": [{"source": f.source, "description": f.description, "amount": str(f.amount)}
                      for f in record.financing],
    }


def from_dict(data: dict) -> InitiativeRecord:
    goal_fields = {f.name for f in fields(EffectGoal)}
    return InitiativeRecord(
        title=data["title"], kind=Kind(data["kind"]), administration=data["administration"],
        idea_owner=IdeaOwner(**data["idea_owner"]), description=data["description"], need=data["need"],
        collaborators=tuple(data["collaborators"]), strategic_area=data["strategic_area"],
        phase=Phase(data["phase"]) if data["phase"] else None, status=Status(data["status"]),
        score_total=data["score_total"],
        funds_granted={c: Decimal(a) for c, a in data["funds_granted"].items()},
        funds_spent={c: Decimal(a) for c, a in data["funds_spent"].items()},
        effect_goals=tuple(EffectGoal(**{**{k: v for k, v in g.items() if k in goal_fields},
                                         "measured_at": _when(g["measured_at"])}) for g in data["effect_goals"]),
        lessons_learned=tuple(data["lessons_learned"]),
        phase_dates=tuple(PhaseVisit(Phase(v["phase"]), _when(v["entered_at"]), _when(v["left_at"]))
                          for v in data["phase_dates"]),
        gate_decisions=tuple(GateDecision(Gate(d["gate"]), Decision(d["decision"]), d["rationale"], d["decided_by"],
                                          _when(d["decided_at"]), {c: Decimal(a) for c, a in d["amounts"].items()},
                                          d.get("administration"))
                             for d in data["gate_decisions"]),
        hold=_hold(data.get("hold")),
        financing=tuple(Financing(f["source"], f["description"], Decimal(f["amount"]))
                        for f in data.get("financing", [])),
    )


def _hold(data: dict | None) -> Hold | None:
    if not data:
        return None
    return Hold(Gate(data["gate"]), data["reason"], data["until"], _when(data["since"]))
