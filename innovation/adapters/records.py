"""Initiative records to and from JSON-safe dicts (the ``initiatives.record`` column).

Records written by earlier versions still load: their ``gate_decisions`` entries have no
administration (they were for the whole initiative) and no category; their ``score_total``,
a sum the city never defined, is ignored (migration 0018 brought in their assessment).
"""
from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime
from decimal import Decimal

from innovation.domain.effects import EffectGoal
from innovation.domain.initiative import (
    AssessedCriteria,
    BenefitFollowUp,
    Financing,
    GateDecision,
    Hold,
    IdeaOwner,
    Implementation,
    InitiativeRecord,
    PhaseVisit,
    ScalePlan,
)
from innovation.domain.scoring import assess
from innovation.domain.vocabulary import AbortCategory, Decision, Gate, Kind, Phase, Status


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _money(values: dict) -> dict:
    return {code: str(amount) for code, amount in values.items()}


def decision_to_dict(d: GateDecision) -> dict:
    return {"gate": d.gate.value, "decision": d.decision.value, "rationale": d.rationale,
            "decided_by": d.decided_by, "decided_at": d.decided_at.isoformat(), "amounts": _money(d.amounts),
            "administration": d.administration, "category": d.category.value if d.category else None}


def assessment_to_dict(a: AssessedCriteria) -> dict:
    """The answers (what is stored) with what they add up to (for readers of the JSON)."""
    return {**a.assessment.to_dict(), "assessed_by": a.assessed_by, "assessed_at": a.assessed_at.isoformat()}


def to_dict(record: InitiativeRecord) -> dict:
    return {
        "title": record.title, "kind": record.kind.value, "administration": record.administration,
        "idea_owner": {"name": record.idea_owner.name, "email": record.idea_owner.email,
                       "show_publicly": record.idea_owner.show_publicly},
        "description": record.description, "need": record.need, "collaborators": list(record.collaborators),
        "strategic_area": record.strategic_area, "phase": record.phase.value if record.phase else None,
        "status": record.status.value,
        "funds_granted": _money(record.funds_granted), "funds_spent": _money(record.funds_spent),
        "effect_goals": [g.to_dict() for g in record.effect_goals],
        "lessons_learned": list(record.lessons_learned),
        "phase_dates": [{"phase": v.phase.value, "entered_at": v.entered_at.isoformat(),
                         "left_at": v.left_at.isoformat() if v.left_at else None} for v in record.phase_dates],
        "gate_decisions": [decision_to_dict(d) for d in record.gate_decisions],
        "assessments": [assessment_to_dict(a) for a in record.assessments],
        "scale_plan": _scale_plan(record.scale_plan),
        "implementation": _implementation(record.implementation),
        "benefit_follow_ups": [{"at": f.at.isoformat(), "realised_yearly_value": str(f.realised_yearly_value),
                                "realised_yearly_cost": str(f.realised_yearly_cost),
                                "planned_yearly_value": str(f.planned_yearly_value),
                                "planned_yearly_cost": str(f.planned_yearly_cost),
                                "net_vs_plan": str(f.net_vs_plan)} for f in record.benefit_follow_ups],
        "hold": {"gate": record.hold.gate.value, "reason": record.hold.reason, "until": record.hold.until,
                 "since": record.hold.since.isoformat()} if record.hold else None,
        "financing": [{"source": f.source, "description": f.description, "amount": str(f.amount)}
                      for f in record.financing],
    }


def _scale_plan(plan: ScalePlan | None) -> dict | None:
    return plan and {"receiving_administration": plan.receiving_administration, "unit": plan.unit,
                     "yearly_value": str(plan.yearly_value), "yearly_cost": str(plan.yearly_cost)}


def _implementation(live: Implementation | None) -> dict | None:
    return live and {"in_use_from": live.in_use_from.isoformat(), "verksamhet": live.verksamhet,
                     "managed_by": live.managed_by}


def _decision(d: dict) -> GateDecision:
    return GateDecision(Gate(d["gate"]), Decision(d["decision"]), d["rationale"], d["decided_by"],
                        _when(d["decided_at"]), {c: Decimal(a) for c, a in d["amounts"].items()},
                        d.get("administration"), AbortCategory(d["category"]) if d.get("category") else None)


def _assessment(a: dict) -> AssessedCriteria:
    answers = {key: {"score": item["score"], "comment": item["comment"]} for key, item in a["breakdown"].items()}
    return AssessedCriteria(assess(answers), a["assessed_by"], _when(a["assessed_at"]))


def from_dict(data: dict) -> InitiativeRecord:
    goal_fields = {f.name for f in fields(EffectGoal)}
    return InitiativeRecord(
        title=data["title"], kind=Kind(data["kind"]), administration=data["administration"],
        idea_owner=IdeaOwner(**data["idea_owner"]), description=data["description"], need=data["need"],
        collaborators=tuple(data["collaborators"]), strategic_area=data["strategic_area"],
        phase=Phase(data["phase"]) if data["phase"] else None, status=Status(data["status"]),
        funds_granted={c: Decimal(a) for c, a in data["funds_granted"].items()},
        funds_spent={c: Decimal(a) for c, a in data["funds_spent"].items()},
        effect_goals=tuple(EffectGoal(**{**{k: v for k, v in g.items() if k in goal_fields},
                                         "measured_at": _when(g["measured_at"])}) for g in data["effect_goals"]),
        lessons_learned=tuple(data["lessons_learned"]),
        phase_dates=tuple(PhaseVisit(Phase(v["phase"]), _when(v["entered_at"]), _when(v["left_at"]))
                          for v in data["phase_dates"]),
        gate_decisions=tuple(_decision(d) for d in data["gate_decisions"]),
        assessments=tuple(_assessment(a) for a in data.get("assessments", [])),
        # records written before scaling meant implementation have none of these
        scale_plan=_read_plan(data.get("scale_plan")),
        implementation=_read_implementation(data.get("implementation")),
        benefit_follow_ups=tuple(BenefitFollowUp(
            _when(f["at"]), Decimal(f["realised_yearly_value"]), Decimal(f["realised_yearly_cost"]),
            Decimal(f["planned_yearly_value"]), Decimal(f["planned_yearly_cost"]))
            for f in data.get("benefit_follow_ups", ())),
        hold=_hold(data.get("hold")),
        financing=tuple(Financing(f["source"], f["description"], Decimal(f["amount"]))
                        for f in data.get("financing", [])),
    )


def _read_plan(data: dict | None) -> ScalePlan | None:
    return data and ScalePlan(data["receiving_administration"], data["unit"], Decimal(data["yearly_value"]),
                              Decimal(data["yearly_cost"]))


def _read_implementation(data: dict | None) -> Implementation | None:
    return data and Implementation(date.fromisoformat(data["in_use_from"]), data["verksamhet"], data["managed_by"])


def _hold(data: dict | None) -> Hold | None:
    if not data:
        return None
    return Hold(Gate(data["gate"]), data["reason"], data["until"], _when(data["since"]))
