"""The initiative record, kept current from engine facts as its process instance moves.

The record is immutable; every function returns a new one, so replaying an engine fact
is harmless and the record can be compared before and after. The same fact applied
twice leaves the record as it was after the first time.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from innovation.domain.administrations import by_code
from innovation.domain.effects import EffectGoal, measure, plan_goals
from innovation.domain.errors import DomainError, InitiativeError
from innovation.domain.ledger import Account
from innovation.domain.money import ZERO, Amount, to_amount
from innovation.domain.scoring import Assessment
from innovation.domain.vocabulary import ENDED, Decision, Gate, Kind, Phase, Status, parse


@dataclass(frozen=True)
class IdeaOwner:
    name: str
    email: str
    show_publicly: bool = False  # residents are not named unless they opt in (GDPR)


@dataclass(frozen=True)
class PhaseVisit:
    phase: Phase
    entered_at: datetime
    left_at: datetime | None = None


@dataclass(frozen=True)
class GateDecision:
    gate: Gate
    decision: Decision
    rationale: str
    decided_by: str
    decided_at: datetime
    amounts: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class InitiativeRecord:
    title: str
    kind: Kind
    administration: str
    idea_owner: IdeaOwner
    description: str = ""
    need: str = ""
    collaborators: tuple[str, ...] = ()
    strategic_area: str = ""
    phase: Phase | None = None  # None before the first phase and once ended
    status: Status = Status.ACTIVE
    score_total: int | None = None
    funds_granted: Mapping[str, Decimal] = field(default_factory=dict)
    funds_spent: Mapping[str, Decimal] = field(default_factory=dict)
    effect_goals: tuple[EffectGoal, ...] = ()
    lessons_learned: tuple[str, ...] = ()
    phase_dates: tuple[PhaseVisit, ...] = ()
    gate_decisions: tuple[GateDecision, ...] = ()

    @property
    def ended(self) -> bool:
        return self.status in ENDED


def enter_phase(record: InitiativeRecord, phase: Phase | str, at: datetime) -> InitiativeRecord:
    """Move into a phase (forward, or back after a recycle decision), closing the current one."""
    phase = parse(Phase, phase)
    _require_running(record)
    if record.phase == phase:
        return record
    visits = _close_visit(record.phase_dates, at) + (PhaseVisit(phase, at),)
    return replace(record, phase=phase, phase_dates=visits)


def record_gate_decision(
    record: InitiativeRecord,
    gate: Gate | str,
    decision: Decision | str,
    *,
    rationale: str,
    decided_by: str,
    decided_at: datetime,
    amounts: Mapping[str, Amount] | None = None,
) -> InitiativeRecord:
    """Log a gate decision; hold pauses the initiative, go or recycle (re)activates it.

    A kill is logged but does not end the record: the process's end event does, via finish().
    """
    if not decided_by:
        raise InitiativeError("a gate decision needs the name of who decided")
    made = GateDecision(
        parse(Gate, gate),
        parse(Decision, decision),
        rationale,
        decided_by,
        decided_at,
        {by_code(code).code: to_amount(a) for code, a in (amounts or {}).items()},
    )
    if made in record.gate_decisions:
        return record
    _require_running(record)
    status = {Decision.HOLD: Status.ON_HOLD, Decision.KILL: record.status}.get(
        made.decision, Status.ACTIVE
    )
    return replace(record, status=status, gate_decisions=record.gate_decisions + (made,))


def reclassify(record: InitiativeRecord, kind: Kind | str, administration: str) -> InitiativeRecord:
    """The screening settles which kind of initiative it is and which administration owns it."""
    _require_running(record)
    try:
        code = by_code(administration).code
    except DomainError as e:
        raise InitiativeError(str(e)) from None
    return replace(record, kind=parse(Kind, kind), administration=code)


def record_assessment(record: InitiativeRecord, assessment: Assessment) -> InitiativeRecord:
    """Keep the assessment's total on the record for portfolio views."""
    return replace(record, score_total=assessment.total)


def set_effect_goals(
    record: InitiativeRecord, goals: Iterable[Mapping[str, Any]]
) -> InitiativeRecord:
    """Set the effect goals planned in Utforska upplägg, keeping values measured so far."""
    return replace(record, effect_goals=plan_goals(record.effect_goals, goals))


def apply_measurements(
    record: InitiativeRecord, measurements: Mapping[str, float], at: datetime
) -> InitiativeRecord:
    """Take in measured values per effect goal id; older measurements never win."""
    return replace(record, effect_goals=measure(record.effect_goals, measurements, at))


def add_lesson(record: InitiativeRecord, lesson: str) -> InitiativeRecord:
    """Add a lesson learned (lärdom); the city publishes these, for failures too."""
    lesson = lesson.strip()
    if not lesson or lesson in record.lessons_learned:
        return record
    return replace(record, lessons_learned=record.lessons_learned + (lesson,))


def sync_funds(
    record: InitiativeRecord, accounts: Iterable[Account], initiative_id: str
) -> InitiativeRecord:
    """Copy granted (as decided at the money gate) and spent funds per administration."""
    granted: dict[str, Decimal] = {}
    spent: dict[str, Decimal] = {}
    for a in accounts:
        granted[a.administration] = granted.get(a.administration, ZERO) + a.granted_for(initiative_id)
        spent[a.administration] = spent.get(a.administration, ZERO) + a.spent_for(initiative_id)
    return replace(
        record,
        funds_granted={c: v for c, v in granted.items() if v},
        funds_spent={c: v for c, v in spent.items() if v},
    )


def finish(record: InitiativeRecord, outcome: Status | str, at: datetime) -> InitiativeRecord:
    """End the initiative as realised or aborted; finishing again the same way changes nothing."""
    outcome = parse(Status, outcome)
    if outcome not in ENDED:
        raise InitiativeError(f"an initiative ends aborted or realised, not {outcome}")
    if record.ended:
        if record.status == outcome:
            return record
        raise InitiativeError(f"initiative already ended {record.status}")
    visits = _close_visit(record.phase_dates, at)
    return replace(record, phase=None, status=outcome, phase_dates=visits)


def _require_running(record: InitiativeRecord) -> None:
    if record.ended:
        raise InitiativeError(f"initiative has ended ({record.status})")


def _close_visit(visits: tuple[PhaseVisit, ...], at: datetime) -> tuple[PhaseVisit, ...]:
    if visits and visits[-1].left_at is None:
        return visits[:-1] + (replace(visits[-1], left_at=at),)
    return visits


def record_from_start_data(data: Mapping[str, Any]) -> InitiativeRecord:
    """A new record from the start form; it enters its first phase after the time gate."""
    owner = data.get("idea_owner")
    if not isinstance(owner, Mapping) or not owner.get("name") or not owner.get("email"):
        raise InitiativeError("idea_owner needs a name and an email")
    show = owner.get("show_publicly", False)
    if not isinstance(show, bool):
        raise InitiativeError(f"idea_owner.show_publicly must be true or false, got {show!r}")
    title = _text(data, "title").strip()
    if not title:
        raise InitiativeError("title is required")
    try:
        administration = by_code(data.get("administration")).code
    except DomainError as e:
        raise InitiativeError(str(e)) from None
    collaborators = data.get("collaborators") or ()
    if isinstance(collaborators, str) or not all(isinstance(c, str) for c in collaborators):
        raise InitiativeError("collaborators must be a list of names")
    return InitiativeRecord(
        title=title,
        kind=parse(Kind, data.get("kind")),
        administration=administration,
        idea_owner=IdeaOwner(owner["name"], owner["email"], show),
        description=_text(data, "description"),
        need=_text(data, "need"),
        collaborators=tuple(collaborators),
        strategic_area=_text(data, "strategic_area"),
    )


def public_view(record: InitiativeRecord) -> dict[str, Any]:
    """What the public innovation database may show: never an email, and the idea owner's
    name only when they chose to be named."""
    owner = record.idea_owner
    return {
        "title": record.title,
        "kind": record.kind.value,
        "administration": record.administration,
        "phase": record.phase.value if record.phase else None,
        "status": record.status.value,
        "effect_goals": [g.to_dict() for g in record.effect_goals],
        "lessons_learned": list(record.lessons_learned),
        "idea_owner": owner.name if owner.show_publicly else None,
    }


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key) or ""
    if not isinstance(value, str):
        raise InitiativeError(f"{key} must be text, got {value!r}")
    return value
