from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from innovation.domain.errors import DomainError, InitiativeError
from innovation.domain.initiative import (
    InitiativeRecord,
    PhaseVisit,
    add_lesson,
    apply_measurements,
    enter_phase,
    finish,
    reclassify,
    record_assessment,
    record_from_start_data,
    record_gate_decision,
    set_effect_goals,
    sync_funds,
)
from innovation.domain.ledger import Account, release_all, reserve_many, spend_many
from innovation.domain.scoring import CRITERIA, assess
from innovation.domain.vocabulary import Decision, Gate, Kind, Phase, Status

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
EMAIL = "anna.andersson@example.org"


def start_data(**overrides) -> dict:
    return {
        "title": "  Laiban i förskolan ",
        "description": "AI-assistent",
        "need": "Mer tid med barnen",
        "kind": "idedriven",
        "administration": "SOF",
        "idea_owner": {"name": "Anna Andersson", "email": EMAIL, "show_publicly": False},
        "collaborators": ["Lunds universitet"],
        "strategic_area": "livskvalitet",
    } | overrides


def new(**overrides) -> InitiativeRecord:
    return record_from_start_data(start_data(**overrides))


def at(days: int) -> datetime:
    return T0 + timedelta(days=days)


def test_record_from_start_data():
    r = new()
    assert (r.title, r.kind, r.administration) == ("Laiban i förskolan", Kind.IDEDRIVEN, "SOF")
    assert (r.idea_owner.name, r.idea_owner.email, r.idea_owner.show_publicly) == (
        "Anna Andersson", EMAIL, False
    )
    assert (r.description, r.need, r.strategic_area) == (
        "AI-assistent", "Mer tid med barnen", "livskvalitet"
    )
    assert r.collaborators == ("Lunds universitet",)
    assert (r.phase, r.status, r.phase_dates, r.gate_decisions) == (None, Status.ACTIVE, (), ())


def test_owner_is_hidden_unless_they_opt_in():
    owner = {"name": "Bo", "email": "bo@example.org"}
    assert new(idea_owner=owner).idea_owner.show_publicly is False


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"title": "  "}, "title"),
        ({"kind": "utmaning"}, "kind must be one of idedriven, behovsdriven, mojlighetsdriven"),
        ({"administration": "XX"}, "unknown administration"),
        ({"idea_owner": {"name": "Bo"}}, "idea_owner"),
        ({"idea_owner": {"name": "Bo", "email": "b@x", "show_publicly": "yes"}}, "show_publicly"),
        ({"collaborators": "Region Skåne"}, "collaborators"),
        ({"need": 42}, "need must be text"),
    ],
)
def test_bad_start_data_is_refused(overrides, message):
    with pytest.raises(InitiativeError, match=message):
        new(**overrides)


def test_phases_keep_entered_and_left_dates():
    r = enter_phase(new(), "utforska_ide", at(0))
    r = enter_phase(r, Phase.UTFORSKA_UPPLAGG, at(10))
    r = enter_phase(r, Phase.UTFORSKA_UPPLAGG, at(11))  # replayed fact
    assert r.phase == Phase.UTFORSKA_UPPLAGG
    assert r.phase_dates == (
        PhaseVisit(Phase.UTFORSKA_IDE, at(0), at(10)),
        PhaseVisit(Phase.UTFORSKA_UPPLAGG, at(10), None),
    )
    r = enter_phase(r, Phase.UTFORSKA_IDE, at(20))  # sent back after a recycle
    assert [(v.phase, v.left_at) for v in r.phase_dates] == [
        (Phase.UTFORSKA_IDE, at(10)), (Phase.UTFORSKA_UPPLAGG, at(20)), (Phase.UTFORSKA_IDE, None)
    ]
    with pytest.raises(InitiativeError, match="phase must be one of"):
        enter_phase(r, "pilot", at(21))


def test_gate_decisions_are_logged_and_steer_status():
    r = enter_phase(new(), Phase.UTFORSKA_UPPLAGG, at(0))
    r = record_gate_decision(
        r, "pengar", "hold", rationale="Vänta på budget", decided_by="Chef SOF", decided_at=at(1)
    )
    assert r.status == Status.ON_HOLD
    r = record_gate_decision(
        r, Gate.PENGAR, Decision.GO, rationale="Samfinansiering", decided_by="Chef SOF",
        decided_at=at(5), amounts={"SOF": "400000", "SF": 200000},
    )
    assert r.status == Status.ACTIVE
    last = r.gate_decisions[-1]
    assert (last.gate, last.decision, last.rationale, last.decided_by, last.decided_at) == (
        Gate.PENGAR, Decision.GO, "Samfinansiering", "Chef SOF", at(5)
    )
    assert last.amounts == {"SOF": Decimal("400000.00"), "SF": Decimal("200000.00")}
    same = record_gate_decision(
        r, "pengar", "go", rationale="Samfinansiering", decided_by="Chef SOF",
        decided_at=at(5), amounts={"SOF": 400000, "SF": 200000},
    )
    assert same is r and len(r.gate_decisions) == 2
    killed = record_gate_decision(
        r, "skala_upp", "kill", rationale="", decided_by="X", decided_at=at(9)
    )
    assert killed.status == Status.ACTIVE and killed.gate_decisions[-1].decision == Decision.KILL


@pytest.mark.parametrize(
    "kwargs",
    [
        {"gate": "beslut", "decision": "go", "decided_by": "X"},
        {"gate": "tid", "decision": "maybe", "decided_by": "X"},
        {"gate": "tid", "decision": "go", "decided_by": ""},
        {"gate": "pengar", "decision": "go", "decided_by": "X", "amounts": {"XX": 1}},
        {"gate": "pengar", "decision": "go", "decided_by": "X", "amounts": {"SOF": -5}},
    ],
)
def test_bad_gate_decisions_are_refused(kwargs):
    with pytest.raises(DomainError):
        record_gate_decision(new(), rationale="r", decided_at=at(0), **kwargs)


def test_assessments_are_kept_and_the_latest_counts():
    first = assess({c.key: {"score": 2, "comment": ""} for c in CRITERIA})
    second = assess({c.key: {"score": 1, "comment": "efter upplägget"} for c in CRITERIA})
    r = record_assessment(new(), first, assessed_by="ivar", assessed_at=at(1))
    r = record_assessment(r, second, assessed_by="kim", assessed_at=at(2))
    assert record_assessment(r, second, assessed_by="kim", assessed_at=at(2)) is r  # a replayed fact
    assert [(a.assessed_by, a.assessment.criteria_met) for a in r.assessments] == [("ivar", 9), ("kim", 0)]
    assert r.assessment.assessed_by == "kim"


def test_effect_goals_keep_latest_measurement():
    r = set_effect_goals(new(), [
        {"id": "tid", "description": "Mer tid", "unit": "min/dag", "baseline": 0, "target": 30},
        {"id": "nöjd", "description": "Nöjda pedagoger", "unit": "%", "target": 80},
    ])
    r = apply_measurements(r, {"tid": 12, "nöjd": 60.5}, at(30))
    r = apply_measurements(r, {"tid": 18}, at(60))
    r = apply_measurements(r, {"tid": 5}, at(45))  # late arrival, older than the latest
    goals = {g.id: g for g in r.effect_goals}
    assert (goals["tid"].latest_value, goals["tid"].measured_at) == (18.0, at(60))
    assert (goals["nöjd"].latest_value, goals["nöjd"].measured_at) == (60.5, at(30))
    assert (goals["tid"].baseline, goals["tid"].target) == (0.0, 30.0)
    replanned = set_effect_goals(r, [{"id": "tid", "description": "Minst 30 min", "target": 30}])
    assert [(g.id, g.description, g.latest_value) for g in replanned.effect_goals] == [
        ("tid", "Minst 30 min", 18.0)
    ]
    with pytest.raises(InitiativeError, match="unknown effect goal"):
        apply_measurements(r, {"okänd": 1}, at(61))
    with pytest.raises(InitiativeError, match="expected a number"):
        apply_measurements(r, {"tid": "mycket"}, at(61))
    with pytest.raises(InitiativeError, match="id and a description"):
        set_effect_goals(r, [{"id": "x"}])


def test_lessons_learned_are_added_once():
    r = add_lesson(add_lesson(new(), " Testa tidigt med pedagoger "), "Testa tidigt med pedagoger")
    assert r.lessons_learned == ("Testa tidigt med pedagoger",)
    assert add_lesson(r, "   ") is r


def test_funds_follow_the_ledger_across_years():
    accounts = {c: Account(c, 2025, 1_000_000) for c in ("SOF", "SF")}
    reserve_many(accounts, {"SOF": 400_000, "SF": 200_000}, "i1", "gate-2")
    spend_many(accounts, {"SOF": 150_000}, "i1", "inv-1")
    release_all({"SF": accounts["SF"]}, "i1", "rel")
    next_year = {"SOF": Account("SOF", 2026, 1_000_000)}
    reserve_many(next_year, {"SOF": 100_000}, "i1", "gate-2b")
    spend_many(next_year, {"SOF": 25_000}, "i1", "inv-2")
    r = sync_funds(new(), [*accounts.values(), *next_year.values()], "i1")
    assert r.funds_granted == {"SOF": Decimal("500000.00"), "SF": Decimal("200000.00")}
    assert r.funds_spent == {"SOF": Decimal("175000.00")}


def test_finish_ends_the_record_and_closes_the_phase():
    r = enter_phase(new(), Phase.UTVECKLA_PILOT, at(0))
    done = finish(r, "aborted", at(40))
    assert (done.phase, done.status, done.phase_dates[-1].left_at) == (None, Status.ABORTED, at(40))
    assert finish(done, Status.ABORTED, at(41)) is done
    with pytest.raises(InitiativeError, match="already ended"):
        finish(done, "realised", at(41))
    with pytest.raises(InitiativeError, match="ends aborted or realised"):
        finish(r, "on_hold", at(41))
    with pytest.raises(InitiativeError, match="has ended"):
        enter_phase(done, Phase.SKALA, at(42))
    with pytest.raises(InitiativeError, match="has ended"):
        record_gate_decision(done, "tid", "go", rationale="", decided_by="X", decided_at=at(42))
    # Lessons and post-implementation measurements still arrive after the end.
    assert add_lesson(done, "Behovet fanns inte").lessons_learned == ("Behovet fanns inte",)




def test_the_screening_reclassifies_kind_and_administration():
    record = reclassify(new(), "mojlighetsdriven", "KF")
    assert (record.kind, record.administration) == (Kind.MOJLIGHETSDRIVEN, "KF")
    with pytest.raises(InitiativeError, match="administration"):
        reclassify(new(), "idedriven", "XX")
    with pytest.raises(InitiativeError, match="kind"):
        reclassify(new(), "okand", "KF")
    with pytest.raises(InitiativeError, match="ended"):
        reclassify(finish(new(), "aborted", at(1)), "idedriven", "KF")
