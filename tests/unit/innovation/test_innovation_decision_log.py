"""The decision log (who, for which administration, what, why, amounts, an abort's category),
re-assessment before beslut pengar, and records written by earlier versions."""
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from innovation.adapters.records import from_dict, to_dict
from innovation.domain.errors import DomainError, InitiativeError
from innovation.domain.initiative import (
    check_assessable,
    enter_phase,
    finish,
    record_abort,
    record_assessment,
    record_from_start_data,
    record_gate_decision,
)
from innovation.domain.scoring import CRITERIA, NOT_APPLICABLE, assess
from innovation.domain.vocabulary import ABORT_CATEGORY_TITLES, AbortCategory, Decision, Gate, Phase, Status

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def at(days: int) -> datetime:
    return T0 + timedelta(days=days)


def new():
    return record_from_start_data({
        "title": "Laiban", "kind": "idedriven", "administration": "SOF",
        "idea_owner": {"name": "Anna", "email": "anna@example.org"}})


def criteria(score=2, technical=None):
    answers = {c.key: {"score": score, "comment": ""} for c in CRITERIA}
    if technical is not None:
        answers["technical_height"]["score"] = technical
    return assess(answers)


def test_a_decision_is_for_the_whole_initiative_unless_an_administration_is_named():
    r = record_gate_decision(new(), Gate.PENGAR, "go", rationale="Ja", decided_by="frida", decided_at=at(1),
                             amounts={"SOF": 100})
    r = record_gate_decision(r, Gate.PENGAR, "kill", rationale="Ingen budget", decided_by="fia",
                             decided_at=at(1), administration="FF")
    assert [(d.administration, d.decision, d.decided_by) for d in r.gate_decisions] == [
        (None, Decision.GO, "frida"), ("FF", Decision.KILL, "fia")]
    with pytest.raises(DomainError, match="unknown administration"):
        record_gate_decision(r, Gate.PENGAR, "go", rationale="", decided_by="x", decided_at=at(2),
                             administration="XX")


def test_pilot_stop_and_forced_end_are_decisions():
    r = enter_phase(new(), Phase.UTVECKLA_PILOT, at(0))
    r = record_gate_decision(r, Gate.PILOT, "kill", rationale="Inget värde", decided_by="ada", decided_at=at(30))
    r = record_gate_decision(r, Gate.PILOT_SLUT, "go", rationale="Skala", decided_by="frida", decided_at=at(31))
    assert [(d.gate, d.decision) for d in r.gate_decisions] == [(Gate.PILOT, Decision.KILL),
                                                                (Gate.PILOT_SLUT, Decision.GO)]


def test_an_abort_is_logged_with_its_category_once():
    r = record_abort(new(), "battre_losning", "Ett nationellt system", decided_by="ivar", decided_at=at(3))
    again = record_abort(r, AbortCategory.BATTRE_LOSNING, "Ett nationellt system", decided_by="kim", decided_at=at(4))
    assert again is r  # confirmed when the lessons are documented: not logged twice
    last = r.gate_decisions[-1]
    assert (last.gate, last.decision, last.category, last.rationale, last.decided_by, last.administration) == (
        Gate.AVBROTT, Decision.KILL, AbortCategory.BATTRE_LOSNING, "Ett nationellt system", "ivar", None)
    changed = record_abort(r, "kostnad_effekt", "Dyrare än väntat", decided_by="kim", decided_at=at(4))
    assert [d.category for d in changed.gate_decisions] == [AbortCategory.BATTRE_LOSNING,
                                                           AbortCategory.KOSTNAD_EFFEKT]
    with pytest.raises(DomainError, match="abortcategory must be one of"):
        record_abort(r, "tråkigt", "", decided_by="x", decided_at=at(5))


def test_every_abort_category_has_the_citys_words():
    assert set(ABORT_CATEGORY_TITLES) == set(AbortCategory)
    assert ABORT_CATEGORY_TITLES[AbortCategory.EJ_IMPLEMENTERAD][0] == \
        "Inte implementerad i någon av stadens verksamheter"


def test_reassessment_is_allowed_only_before_the_money_decision():
    r = record_assessment(enter_phase(new(), Phase.UTFORSKA_IDE, at(0)), criteria(2), assessed_by="ivar",
                          assessed_at=at(1))
    r = enter_phase(r, Phase.UTFORSKA_UPPLAGG, at(2))
    r = record_gate_decision(r, Gate.PENGAR, "recycle", rationale="Gör om", decided_by="frida", decided_at=at(3))
    r = record_assessment(r, criteria(3), assessed_by="kim", assessed_at=at(4))  # still before the grant
    assert [a.assessed_by for a in r.assessments] == ["ivar", "kim"]
    granted = record_gate_decision(r, Gate.PENGAR, "go", rationale="Ja", decided_by="frida", decided_at=at(5))
    for later in (granted, enter_phase(r, Phase.UTVECKLA_PILOT, at(5)), finish(r, "aborted", at(5))):
        with pytest.raises(InitiativeError):
            check_assessable(later)
        with pytest.raises(InitiativeError):
            record_assessment(later, criteria(1), assessed_by="kim", assessed_at=at(6))


OLD_RECORD = {  # as the code before the decision log wrote it
    "title": "Laiban", "kind": "idedriven", "administration": "SOF",
    "idea_owner": {"name": "Anna", "email": "anna@example.org", "show_publicly": False},
    "description": "", "need": "", "collaborators": [], "strategic_area": "", "phase": "utveckla_pilot",
    "status": "active", "score_total": 18, "funds_granted": {"SOF": "200000.00"}, "funds_spent": {},
    "effect_goals": [], "lessons_learned": [],
    "phase_dates": [{"phase": "utforska_ide", "entered_at": "2025-03-01T09:00:00+00:00",
                     "left_at": "2025-03-05T09:00:00+00:00"}],
    "gate_decisions": [{"gate": "tid", "decision": "go", "rationale": "Bra", "decided_by": "frida",
                        "decided_at": "2025-03-04T09:00:00+00:00", "amounts": {}},
                       {"gate": "pengar", "decision": "go", "rationale": "Ja", "decided_by": "frida",
                        "decided_at": "2025-03-05T09:00:00+00:00", "amounts": {"SOF": "200000.00"}}],
}


def test_a_record_written_by_the_old_code_loads():
    r = from_dict(json.loads(json.dumps(OLD_RECORD)))
    assert [(d.gate, d.administration, d.category) for d in r.gate_decisions] == [
        (Gate.TID, None, None), (Gate.PENGAR, None, None)]
    assert r.gate_decisions[1].amounts == {"SOF": Decimal("200000.00")}
    assert (r.assessments, r.assessment, r.status) == ((), None, Status.ACTIVE)
    assert "score_total" not in to_dict(r)
    assert from_dict(to_dict(r)) == r


@given(st.lists(st.tuples(st.lists(st.integers(0, 3), min_size=9, max_size=9), st.booleans()), max_size=4),
       st.lists(st.sampled_from(list(AbortCategory)), max_size=3))
def test_records_round_trip_through_json(assessments, aborts):
    r = enter_phase(new(), Phase.UTFORSKA_IDE, at(0))
    for day, (scores, without_technology) in enumerate(assessments):
        answers = {c.key: {"score": s, "comment": f"{day}"} for c, s in zip(CRITERIA, scores)}
        if without_technology:
            answers["technical_height"]["score"] = NOT_APPLICABLE
        r = record_assessment(r, assess(answers), assessed_by=f"p{day}", assessed_at=at(day))
    r = record_gate_decision(r, Gate.TID, "go", rationale="Ja", decided_by="frida", decided_at=at(9),
                             amounts={"FF": "12.5"}, administration="FF")
    for day, category in enumerate(aborts):
        r = record_abort(r, category, f"skäl {day}", decided_by="ivar", decided_at=at(10 + day))
    assert from_dict(json.loads(json.dumps(to_dict(r)))) == r
