"""Realised means in use: the scale plan, go-live, benefit follow-ups, holds, and spending held to the grant."""
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from innovation.adapters.records import from_dict, to_dict
from innovation.domain.errors import InitiativeError
from innovation.domain.initiative import (
    enter_phase,
    finish,
    follow_up_benefit,
    go_live,
    plan_scaling,
    record_from_start_data,
    record_gate_decision,
    resume,
)
from innovation.domain.ledger import Account, overspent, reserve_many, spend_many
from innovation.domain.money import by_administration
from innovation.domain.vocabulary import Decision, Gate, Phase, Status

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def at(days: int) -> datetime:
    return T0 + timedelta(days=days)


def scaling():
    r = record_from_start_data({"title": "Laiban", "kind": "idedriven", "administration": "SOF",
                                "idea_owner": {"name": "Ada", "email": "ada@example.org"}})
    r = enter_phase(r, Phase.SKALA, at(0))
    return plan_scaling(r, "VOF", "Hemtjänsten", 2_500_000, 600_000)


def test_the_scale_plan_names_a_known_receiving_administration():
    assert scaling().scale_plan.receiving_administration == "VOF"
    with pytest.raises(InitiativeError, match="unknown administration"):
        plan_scaling(scaling(), "XX", "enhet", 1, 1)


def test_go_live_realises_and_follow_ups_are_held_against_the_plan():
    live = go_live(scaling(), date(2026, 4, 1), "Hemtjänst Nord", "VOF digitalisering", at(30))
    assert (live.status, live.phase, live.implementation.verksamhet) == (Status.REALISED, None, "Hemtjänst Nord")
    assert live.phase_dates[-1].left_at == at(30)
    followed = follow_up_benefit(live, at(212), 2_000_000, 700_000)
    assert followed.benefit_follow_ups[0].net_vs_plan == Decimal("-600000.00")
    assert follow_up_benefit(followed, at(212), 2_000_000, 700_000) == followed  # replayed: once
    logged = record_gate_decision(followed, Gate.UPPFOLJNING, Decision.ACTION_NEEDED, rationale="Färre brukare",
                                  decided_by="ivar", decided_at=at(212))
    assert logged.status == Status.REALISED and logged.gate_decisions[-1].decision == Decision.ACTION_NEEDED
    with pytest.raises(InitiativeError, match="has ended"):  # only follow-ups are logged after go-live
        record_gate_decision(followed, Gate.SKALA_UPP, "go", rationale="", decided_by="x", decided_at=at(213))
    assert from_dict(to_dict(logged)) == logged


def test_a_follow_up_needs_a_realised_initiative_and_go_live_a_running_one():
    with pytest.raises(InitiativeError, match="realised"):
        follow_up_benefit(scaling(), at(1), 1, 1)
    aborted = finish(scaling(), Status.ABORTED, at(1))
    with pytest.raises(InitiativeError, match="has ended"):
        go_live(aborted, date(2026, 4, 1), "v", "m", at(2))
    with pytest.raises(InitiativeError, match="verksamhet"):
        go_live(scaling(), date(2026, 4, 1), " ", "m", at(2))


def test_a_hold_ends_with_resume_and_extend_reactivates():
    held = record_gate_decision(scaling(), Gate.SKALA_UPP, "hold", rationale="", decided_by="f", decided_at=at(1))
    assert held.status == Status.ON_HOLD and resume(held).status == Status.ACTIVE
    assert resume(scaling()) == scaling()
    extended = record_gate_decision(held, Gate.PILOT_SLUT, "extend", rationale="", decided_by="f", decided_at=at(2))
    assert extended.status == Status.ACTIVE


def test_records_written_before_realisation_meant_in_use_still_load():
    data = to_dict(scaling())
    for key in ("scale_plan", "implementation", "benefit_follow_ups"):
        data.pop(key)
    assert from_dict(data).scale_plan is None and from_dict(data).benefit_follow_ups == ()


def test_overspent_names_the_remaining_amount_per_administration():
    accounts = {"SOF": Account("SOF", 2026, 1_000_000), "FF": Account("FF", 2026, 1_000_000)}
    reserve_many(accounts, {"SOF": 200_000}, "i1", "r1")
    spend_many(accounts, {"SOF": 150_000}, "i1", "s1")
    lines = by_administration([{"administration": "SOF", "amount": 30_000}, {"administration": "SOF", "amount": 30_000},
                               {"administration": "FF", "amount": 1}])
    assert overspent(accounts, lines, "i1") == {"SOF": (Decimal("60000.00"), Decimal("50000.00")),
                                                "FF": (Decimal("1.00"), Decimal("0.00"))}
    assert overspent(accounts, {"SOF": 50_000}, "i1") == {}
    assert overspent({}, {"KF": 5}, "i1") == {"KF": (Decimal("5.00"), Decimal("0.00"))}
