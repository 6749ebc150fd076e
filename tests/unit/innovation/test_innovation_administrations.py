from decimal import Decimal

import pytest

from innovation.domain.administrations import ADMINISTRATIONS, by_code, yearly_budgets
from innovation.domain.errors import DomainError, InvalidAmount, UnknownAdministration


def test_the_nine_administrations_by_code():
    assert [a.code for a in ADMINISTRATIONS] == [
        "AMF", "FF", "KF", "MF", "SOF", "SF", "SBF", "SLF", "VOF"
    ]
    assert by_code("SOF").name_sv == "Skol- och fritidsförvaltningen"
    assert by_code("VOF").name_sv == "Vård- och omsorgsförvaltningen"
    assert all(a.name_en for a in ADMINISTRATIONS)


def test_default_budgets_are_round_millions_between_two_and_six():
    for a in ADMINISTRATIONS:
        assert Decimal(2_000_000) <= a.default_budget <= Decimal(6_000_000)
        assert a.default_budget % 1_000_000 == 0


@pytest.mark.parametrize("code", ["XYZ", "sof", "", None])
def test_unknown_code_is_a_domain_error(code):
    with pytest.raises(UnknownAdministration) as raised:
        by_code(code)
    assert isinstance(raised.value, DomainError)
    assert raised.value.code == code


def test_callers_configure_budgets_over_the_defaults():
    budgets = yearly_budgets({"KF": "2500000.50", "MF": 0})
    assert budgets["KF"] == Decimal("2500000.50")
    assert budgets["MF"] == Decimal("0.00")
    assert budgets["SOF"] == by_code("SOF").default_budget
    assert len(budgets) == 9


def test_configuring_an_unknown_or_negative_budget_is_refused():
    with pytest.raises(UnknownAdministration):
        yearly_budgets({"NOPE": 1})
    with pytest.raises(InvalidAmount):
        yearly_budgets({"KF": -1})
