"""The money gate's rules: whole kronor, the set-up's dates and financing, one share's
decision, and what the paying administrations decided together."""
from __future__ import annotations

from datetime import date

import pytest

from innovation.domain.money_gate import aggregate, decided_amounts, decision_problems, kronor_problem, setup_problems

TODAY = date(2026, 3, 1)


@pytest.mark.parametrize("value, ok", [
    (0, True), (250_000, True), (250_000.0, True), ("12", True),
    (0.001, False), (0.5, False), (1e-9, False), (-1, False), (True, False), (None, False), ("x", False),
    (float("nan"), False), (float("inf"), False),
])
def test_amounts_are_whole_non_negative_kronor(value, ok):
    assert (kronor_problem(value) is None) == ok


def setup(**extra) -> dict:
    return {"start_date": "2026-03-10", "pilot_end_date": "2026-06-30", "estimated_cost": 100_000,
            "requested_funds": [{"administration": "SOF", "amount": 100_000}], **extra}


@pytest.mark.parametrize("extra, field, words", [
    ({"pilot_end_date": "2026-03-10"}, "/pilot_end_date", "must end after it starts"),
    ({"pilot_end_date": "2026-03-01"}, "/pilot_end_date", "must end after it starts"),
    ({"start_date": "2026-01-01", "pilot_end_date": "2026-02-01"}, "/pilot_end_date", "after the money decision"),
    ({"requested_funds": [{"administration": "SOF", "amount": 0.001}]}, "/requested_funds/0/amount", "whole kronor"),
    ({"estimated_cost": 99.5}, "/estimated_cost", "whole kronor"),
    ({"requested_funds": []}, "/other_financing", "say how the pilot is financed"),
    ({"requested_funds": [], "other_financing": [{"source": "partner", "description": "x", "amount": 1.5}]},
     "/other_financing/0/amount", "whole kronor"),
])
def test_a_set_up_that_breaks_a_rule_names_the_field(extra, field, words):
    (problem,) = setup_problems(setup(**extra), TODAY)
    assert problem[0] == field and words in problem[1]


def test_a_set_up_financed_elsewhere_needs_no_innovation_funds():
    other = [{"source": "own_budget", "description": "SOF", "amount": 50_000}]
    assert setup_problems(setup(), TODAY) == []
    assert setup_problems(setup(requested_funds=[], other_financing=other), TODAY) == []


REQUEST = {"administration": "FF", "requested": 250_000, "pilot_end_date": "2026-06-30"}


@pytest.mark.parametrize("data, asked, field", [
    ({"money_decision": "partial", "money_amount": 250_000}, REQUEST, "/money_amount"),
    ({"money_decision": "partial", "money_amount": 300_000}, REQUEST, "/money_amount"),
    ({"money_decision": "partial", "money_amount": 0.001}, REQUEST, "/money_amount"),
    ({"money_decision": "hold", "money_hold_until": "2026-03-01"}, REQUEST, "/money_hold_until"),
    ({"money_decision": "grant"}, {**REQUEST, "pilot_end_date": "2026-02-28"}, "/money_decision"),
    ({"money_decision": "partial", "money_amount": 1}, {**REQUEST, "requested": 0}, "/money_decision"),
])
def test_a_share_decision_that_breaks_a_rule_names_the_field(data, asked, field):
    assert field in [p[0] for p in decision_problems(data, asked, TODAY)]


def test_a_share_decision_within_the_rules():
    for data in ({"money_decision": "grant"}, {"money_decision": "reject"},
                 {"money_decision": "partial", "money_amount": 249_999},
                 {"money_decision": "hold", "money_hold_until": "2027-01-01"}):
        assert decision_problems(data, REQUEST, TODAY) == []


def line(code, decision, requested, amount=0, hold_until=None):
    return {"administration": code, "decision": decision, "requested": requested, "amount": amount,
            "rationale": f"{code} {decision}", "hold_until": hold_until}


@pytest.mark.parametrize("lines, outcome, grants", [
    ([line("SOF", "grant", 100, 100), line("MF", "grant", 50, 50)], "grant", [("MF", 50), ("SOF", 100)]),
    ([line("SOF", "grant", 100, 100), line("MF", "reject", 50)], "partial", [("SOF", 100)]),
    ([line("SOF", "partial", 100, 60)], "partial", [("SOF", 60)]),
    ([line("SOF", "reject", 100), line("MF", "reject", 50)], "reject", []),
    ([line("SOF", "grant", 100, 100), line("MF", "hold", 50, hold_until="2027-01-01")], "hold", [("SOF", 100)]),
    ([line("SOF", "grant", 0, 0)], "grant", []),  # no innovation funds: passed by a decision, nothing to book
])
def test_what_the_administrations_decided_together(lines, outcome, grants):
    result = aggregate({entry["administration"]: entry for entry in lines})
    assert result["outcome"] == outcome
    assert [(g["administration"], g["amount"]) for g in result["grants"]] == grants


def test_a_hold_lasts_until_the_latest_date_with_every_reason():
    result = aggregate({"SOF": line("SOF", "hold", 10, hold_until="2027-01-01"),
                        "MF": line("MF", "hold", 10, hold_until="2027-02-01")})
    assert (result["hold_until"], result["hold_reason"]) == ("2027-02-01", "MF: MF hold; SOF: SOF hold")


def test_only_a_grant_or_partial_grant_counts_as_decided_money():
    decided = decided_amounts({"SOF": line("SOF", "grant", 10, 10), "MF": line("MF", "hold", 10, 10)})
    assert decided == {"SOF": 10, "MF": 0}
