"""The initiative record, kept current from engine facts as its process instance moves.

The record is immutable; every function returns a new one, so replaying an engine fact
is harmless and the record can be compared before and after. The same fact applied
twice leaves the record as it was after the first time.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from innovation.domain.administrations import by_code
from innovation.domain.effects import EffectGoal, measure, plan_goals
from innovation.domain.errors import DomainError, InitiativeError
from innovation.domain.ledger import Account
from innovation.domain.money import ZERO, Amount, to_amount
from innovation.domain.scoring import Assessment
from innovation.domain.vocabulary import ENDED, AbortCategory, Decision, Gate, Kind, Phase, Status, parse


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
    """One entry of the decision log: where (``gate``: a gate or another decision point), who,
    for which administration, what, why, with which amounts and, for an abort, its category."""

    gate: Gate
    decision: Decision
    rationale: str
    decided_by: str
    decided_at: datetime
    amounts: Mapping[str, Decimal] = field(default_factory=dict)
    administration: str | None = None  # whose share it decided (money gate), None for the whole initiative
    category: AbortCategory | None = None  # an abort's reason, in the city's categories


@dataclass(frozen=True)
class AssessedCriteria:
    """One assessment of the nine criteria, by whom and when; the record keeps them all."""

    assessment: Assessment
    assessed_by: str
    assessed_at: datetime


@dataclass(frozen=True)
class ScalePlan:
    """Where the solution is to be managed and the calculated benefit realisation (per year, SEK)."""

    receiving_administration: str
    unit: str
    yearly_value: Decimal
    yearly_cost: Decimal


@dataclass(frozen=True)
class Implementation:
    """The solution in use: since when, in which verksamhet, managed (förvaltas) by whom."""

    in_use_from: date
    verksamhet: str
    managed_by: str


@dataclass(frozen=True)
class BenefitFollowUp:
    """Realised yearly value and cost at a follow-up, beside what the scale plan promised."""

    at: datetime
    realised_yearly_value: Decimal
    realised_yearly_cost: Decimal
    planned_yearly_value: Decimal
    planned_yearly_cost: Decimal

    @property
    def net_vs_plan(self) -> Decimal:
        """Realised net benefit per year minus the planned net benefit (negative: behind plan)."""
        return (self.realised_yearly_value - self.realised_yearly_cost) - (
            self.planned_yearly_value - self.planned_yearly_cost)


@dataclass(frozen=True)
class Hold:
    """Why and until when an initiative rests at a gate (vilande)."""

    gate: Gate
    reason: str
    until: str | None  # an ISO date, or None when the gate is simply taken again later
    since: datetime


@dataclass(frozen=True)
class Financing:
    """Money for the pilot from outside the innovation funds."""

    source: str  # own_budget, external_grant or partner
    description: str
    amount: Decimal


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
    assessments: tuple[AssessedCriteria, ...] = ()  # oldest first; the latest counts
    funds_granted: Mapping[str, Decimal] = field(default_factory=dict)
    funds_spent: Mapping[str, Decimal] = field(default_factory=dict)
    effect_goals: tuple[EffectGoal, ...] = ()
    lessons_learned: tuple[str, ...] = ()
    phase_dates: tuple[PhaseVisit, ...] = ()
    gate_decisions: tuple[GateDecision, ...] = ()
    scale_plan: ScalePlan | None = None
    implementation: Implementation | None = None
    benefit_follow_ups: tuple[BenefitFollowUp, ...] = ()
    hold: Hold | None = None
    financing: tuple[Financing, ...] = ()

    @property
    def ended(self) -> bool:
        return self.status in ENDED

    @property
    def assessment(self) -> AssessedCriteria | None:
        """The assessment that counts: the latest, made with the most knowledge of the initiative."""
        return self.assessments[-1] if self.assessments else None


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
    administration: str | None = None,
    category: AbortCategory | str | None = None,
    hold_until: str | None = None,
) -> InitiativeRecord:
    """Log a decision; hold pauses the initiative, go, recycle or extend (re)activates it.

    ``administration`` is whose share it decided (the whole initiative's when None). A kill
    is logged but does not end the record: the process's end event does, via finish().
    A benefit follow-up is the one decision logged after the record is realised.
    A decision on one administration's share (``administration``) changes no status: only
    what all paying administrations decided together does (see ``put_on_hold``).
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
        by_code(administration).code if administration else None,
        parse(AbortCategory, category) if category is not None else None,
    )
    if made in record.gate_decisions:
        return record
    if not (made.gate == Gate.UPPFOLJNING and record.status == Status.REALISED):
        _require_running(record)
    logged = replace(record, gate_decisions=record.gate_decisions + (made,))
    if made.administration:
        return logged
    if made.decision == Decision.HOLD:
        return put_on_hold(logged, made.gate, made.rationale, hold_until, decided_at)
    if made.decision in (Decision.KILL, Decision.ON_TRACK, Decision.ACTION_NEEDED):
        return logged
    return replace(logged, status=Status.ACTIVE, hold=None)


def put_on_hold(
    record: InitiativeRecord, gate: Gate | str, reason: str, until: str | None, at: datetime
) -> InitiativeRecord:
    """The initiative rests at a gate, with the reason and the date it is taken up again."""
    _require_running(record)
    if record.status == Status.ON_HOLD and record.hold and record.hold.gate == parse(Gate, gate):
        return record
    return replace(record, status=Status.ON_HOLD, hold=Hold(parse(Gate, gate), reason, until, at))


def resume(record: InitiativeRecord) -> InitiativeRecord:
    """The hold is over (its date came, or it was resumed early)."""
    if record.status != Status.ON_HOLD or record.ended:
        return record
    return replace(record, status=Status.ACTIVE, hold=None)


def set_financing(record: InitiativeRecord, lines: Iterable[Mapping[str, Any]]) -> InitiativeRecord:
    """The pilot's financing outside the innovation funds, as the set-up states it."""
    return replace(record, financing=tuple(
        Financing(line["source"], line.get("description", ""), to_amount(line["amount"])) for line in lines))


def record_abort(
    record: InitiativeRecord,
    category: AbortCategory | str,
    reason: str,
    *,
    decided_by: str,
    decided_at: datetime,
) -> InitiativeRecord:
    """Log why the initiative is aborted; the same category and reason again (confirmed when
    the lessons are documented) is not logged twice."""
    category = parse(AbortCategory, category)
    last = next((d for d in reversed(record.gate_decisions) if d.gate == Gate.AVBROTT), None)
    if last is not None and (last.category, last.rationale) == (category, reason):
        return record
    return record_gate_decision(record, Gate.AVBROTT, Decision.KILL, rationale=reason, decided_by=decided_by,
                                decided_at=decided_at, category=category)


#: Phases in which the criteria may be assessed again (before beslut pengar).
ASSESSABLE_PHASES = (None, Phase.UTFORSKA_IDE, Phase.UTFORSKA_UPPLAGG)


def assessable(record: InitiativeRecord) -> bool:
    """Whether the criteria may be assessed (again): they guide beslut pengar, so by one
    assessor or more until an administration grants money, and not after."""
    granted = any(d.gate == Gate.PENGAR and d.decision == Decision.GO for d in record.gate_decisions)
    return not record.ended and not granted and record.phase in ASSESSABLE_PHASES


def check_assessable(record: InitiativeRecord) -> None:
    if not assessable(record):
        raise InitiativeError("the criteria can be assessed only before beslut pengar")


def record_assessment(
    record: InitiativeRecord, assessment: Assessment, *, assessed_by: str, assessed_at: datetime
) -> InitiativeRecord:
    """Add an assessment to the history (the latest counts); the same fact twice is one."""
    made = AssessedCriteria(assessment, assessed_by, assessed_at)
    if made in record.assessments:
        return record
    check_assessable(record)
    return replace(record, assessments=record.assessments + (made,))


def plan_scaling(
    record: InitiativeRecord, administration: str, unit: str, yearly_value: Amount, yearly_cost: Amount
) -> InitiativeRecord:
    """The scale proposal: the receiving administration and the benefit the follow-ups are held to."""
    _require_running(record)
    try:
        code = by_code(administration).code
    except DomainError as e:
        raise InitiativeError(str(e)) from None
    return replace(record, scale_plan=ScalePlan(code, unit, to_amount(yearly_value), to_amount(yearly_cost)))


def go_live(
    record: InitiativeRecord, in_use_from: date, verksamhet: str, managed_by: str, at: datetime
) -> InitiativeRecord:
    """The solution is in use in a verksamhet: the initiative is realised (the city's definition)."""
    if not verksamhet.strip() or not managed_by.strip():
        raise InitiativeError("a solution in use needs the verksamhet and who manages it")
    _require_running(record)
    live = replace(record, implementation=Implementation(in_use_from, verksamhet.strip(), managed_by.strip()))
    return finish(live, Status.REALISED, at)


def follow_up_benefit(
    record: InitiativeRecord, at: datetime, realised_yearly_value: Amount, realised_yearly_cost: Amount
) -> InitiativeRecord:
    """A benefit follow-up of a realised initiative, held against its scale plan."""
    if record.status != Status.REALISED or record.scale_plan is None:
        raise InitiativeError("benefits are followed up for a realised initiative with a scale plan")
    made = BenefitFollowUp(at, to_amount(realised_yearly_value), to_amount(realised_yearly_cost),
                           record.scale_plan.yearly_value, record.scale_plan.yearly_cost)
    if made in record.benefit_follow_ups:
        return record
    return replace(record, benefit_follow_ups=record.benefit_follow_ups + (made,))


def reclassify(record: InitiativeRecord, kind: Kind | str, administration: str) -> InitiativeRecord:
    """The screening settles which kind of initiative it is and which administration owns it."""
    _require_running(record)
    try:
        code = by_code(administration).code
    except DomainError as e:
        raise InitiativeError(str(e)) from None
    return replace(record, kind=parse(Kind, kind), administration=code)


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


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key) or ""
    if not isinstance(value, str):
        raise InitiativeError(f"{key} must be text, got {value!r}")
    return value
