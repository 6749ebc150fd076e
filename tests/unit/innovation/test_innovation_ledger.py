from decimal import Decimal

import pytest

from innovation.domain.errors import (
    GrantNotRequested,
    InsufficientFunds,
    InvalidAmount,
    LedgerError,
    ReservationExceeded,
    UnknownAdministration,
)
from innovation.domain.ledger import (
    Account,
    Entry,
    EntryKind,
    check_grant,
    line_key,
    open_accounts,
    release_all,
    reserve_many,
    spend_many,
)

D = Decimal


def account(budget="1000000") -> Account:
    return Account("KF", 2025, budget)


# One account's line of the operations the funds operations run (innovation/adapters/operations.py).
def reserve(a: Account, initiative_id: str, amount, key: str) -> Entry:
    return reserve_many({a.administration: a}, {a.administration: amount}, initiative_id, key)[a.administration]


def spend(a: Account, initiative_id: str, amount, key: str) -> Entry:
    return spend_many({a.administration: a}, {a.administration: amount}, initiative_id, key)[a.administration]


def release(a: Account, initiative_id: str, key: str) -> Entry | None:
    return release_all({a.administration: a}, initiative_id, key).get(a.administration)


def snapshot(accounts: dict) -> dict:
    return {code: (list(a.entries), a.totals()) for code, a in accounts.items()}


def test_reserve_spend_release_move_money_between_buckets():
    a = account()
    reserve(a, "i1", 300_000, "job-1")
    spend(a, "i1", "120000.50", "job-2")
    assert a.totals() == {
        "budget": D("1000000.00"),
        "reserved": D("179999.50"),
        "spent": D("120000.50"),
        "available": D("700000.00"),
    }
    assert a.reserved_for("i1") == D("179999.50")
    assert a.spent_for("i1") == D("120000.50")
    released = release(a, "i1", "job-3")
    assert released.amount == D("179999.50")  # only what was not spent
    assert a.available == D("879999.50")
    assert (a.reserved_for("i1"), a.spent_for("i1")) == (D("0.00"), D("120000.50"))


def test_reservations_are_kept_per_initiative():
    a = account()
    reserve(a, "i1", 100, "j1")
    reserve(a, "i2", 50, "j2")
    assert (a.reserved_for("i1"), a.reserved_for("i2"), a.reserved_for("i3")) == (
        D("100.00"), D("50.00"), D("0.00")
    )
    with pytest.raises(ReservationExceeded):
        spend(a, "i2", 51, "j3")


def test_reserving_more_than_available_is_refused_and_changes_nothing():
    a = account(1000)
    reserve(a, "i1", 800, "j1")
    with pytest.raises(InsufficientFunds) as raised:
        reserve(a, "i2", "200.01", "j2")
    err = raised.value
    assert (err.administration, err.requested, err.available) == ("KF", D("200.01"), D("200.00"))
    assert a.available == D("200.00")
    assert a.entry(line_key("j2", "KF")) is None
    reserve(a, "i2", 200, "j3")  # exactly what is left is fine
    assert a.available == D("0.00")


def test_spending_more_than_reserved_is_refused_even_when_budget_is_free():
    a = account()
    reserve(a, "i1", 100, "j1")
    with pytest.raises(ReservationExceeded) as raised:
        spend(a, "i1", "100.01", "j2")
    assert (raised.value.requested, raised.value.reserved) == (D("100.01"), D("100.00"))
    with pytest.raises(ReservationExceeded):
        spend(a, "unknown", 1, "j3")
    assert a.spent == D("0.00") and len(a.entries) == 1


def test_applying_the_same_job_twice_changes_nothing():
    a = account(1000)
    first = reserve(a, "i1", 600, "job-1")
    again = reserve(a, "i1", 600, "job-1")
    assert again is first
    assert a.available == D("400.00") and len(a.entries) == 1
    spend(a, "i1", 600, "job-2")
    # A replay is answered from the entry, not re-checked against today's balance.
    assert spend(a, "i1", 600, "job-2").amount == D("600.00")
    assert release(a, "i1", "job-3") is None  # nothing left to return: no entry
    assert a.totals()["spent"] == D("600.00") and len(a.entries) == 2


def test_a_replayed_release_returns_the_original_amount():
    a = account()
    reserve(a, "i1", 500, "j1")
    assert release(a, "i1", "j2").amount == D("500.00")
    assert release(a, "i1", "j2").amount == D("500.00")
    assert a.available == D("1000000.00")


def test_an_entry_key_reused_for_other_work_is_refused():
    a = account()
    reserve(a, "i1", 100, "j1")
    with pytest.raises(LedgerError, match="already used"):
        spend(a, "i1", 10, "j1")
    with pytest.raises(LedgerError, match="already used"):
        reserve(a, "i2", 100, "j1")


@pytest.mark.parametrize("bad", [-1, "-0.01", "abc", float("nan"), "Infinity", True, None])
def test_bad_amounts_are_refused(bad):
    a = account()
    with pytest.raises(InvalidAmount):
        reserve(a, "i1", bad, "j1")
    assert a.entries == []


def test_amounts_round_to_ore():
    a = account()
    assert reserve(a, "i1", 0.1 + 0.2, "j1").amount == D("0.30")
    assert reserve(a, "i1", "10.005", "j2").amount == D("10.01")
    assert reserve(a, "i1", D("1.004"), "j3").amount == D("1.00")


def test_account_needs_known_administration_and_budget_covering_entries():
    with pytest.raises(UnknownAdministration):
        Account("XX", 2025, 100)
    with pytest.raises(LedgerError, match="exceed the budget"):
        Account("KF", 2025, 100, [Entry("j1", EntryKind.RESERVE, "i1", D("101"))])
    with pytest.raises(LedgerError, match="needs an entry key"):
        Entry("", EntryKind.RESERVE, "i1", D("1"))
    with pytest.raises(LedgerError, match="needs an entry key"):
        reserve(account(), "", 1, "j1")


def test_open_accounts_for_a_year_with_configured_budgets():
    accounts = open_accounts(2026, {"SOF": 7_000_000})
    assert len(accounts) == 9
    assert accounts["SOF"].budget == D("7000000.00")
    assert accounts["KF"].year == 2026 and accounts["KF"].available == accounts["KF"].budget


# Co-financing across administrations


def three() -> dict[str, Account]:
    return {c: Account(c, 2025, b) for c, b in (("SOF", 1000), ("SF", 500), ("VOF", 300))}


def test_co_financing_reserves_every_line():
    accounts = three()
    entries = reserve_many(accounts, {"SOF": 400, "SF": 500, "VOF": 100}, "i1", "gate-2")
    assert {c: e.key for c, e in entries.items()} == {
        "SOF": "gate-2:SOF", "SF": "gate-2:SF", "VOF": "gate-2:VOF"
    }
    assert {c: a.available for c, a in accounts.items()} == {
        "SOF": D("600.00"), "SF": D("0.00"), "VOF": D("200.00")
    }


def test_co_financing_is_all_or_nothing():
    accounts = three()
    reserve(accounts["SF"], "other", 450, "j0")
    before = snapshot(accounts)
    with pytest.raises(InsufficientFunds) as raised:
        reserve_many(accounts, {"SOF": 400, "SF": 100, "VOF": 100}, "i1", "gate-2")
    assert (raised.value.administration, raised.value.available) == ("SF", D("50.00"))
    assert snapshot(accounts) == before


def test_co_financing_with_a_missing_account_changes_nothing():
    accounts = three()
    before = snapshot(accounts)
    with pytest.raises(LedgerError, match="no account"):
        reserve_many(accounts, {"SOF": 1, "KF": 1}, "i1", "gate-2")
    assert snapshot(accounts) == before


def test_co_financing_twice_changes_nothing():
    accounts = three()
    lines = {"SOF": 400, "SF": 500, "VOF": 100}
    first = reserve_many(accounts, lines, "i1", "gate-2")
    after_first = snapshot(accounts)
    assert reserve_many(accounts, lines, "i1", "gate-2") == first
    assert snapshot(accounts) == after_first


def test_spend_many_is_all_or_nothing_over_reservations():
    accounts = three()
    reserve_many(accounts, {"SOF": 400, "SF": 200, "VOF": 100}, "i1", "gate-2")
    before = snapshot(accounts)
    with pytest.raises(ReservationExceeded) as raised:
        spend_many(accounts, {"SOF": 100, "SF": 100, "VOF": 101}, "i1", "invoice-7")
    assert raised.value.administration == "VOF"
    assert snapshot(accounts) == before
    spend_many(accounts, {"SOF": 100, "VOF": 100}, "i1", "invoice-8")
    spend_many(accounts, {"SOF": 100, "VOF": 100}, "i1", "invoice-8")
    assert (accounts["SOF"].spent_for("i1"), accounts["VOF"].spent_for("i1")) == (
        D("100.00"), D("100.00")
    )


def test_release_all_returns_only_unspent_reservations_once():
    accounts = three()
    reserve_many(accounts, {"SOF": 400, "SF": 200}, "i1", "gate-2")
    reserve(accounts["VOF"], "other", 50, "j-other")
    spend_many(accounts, {"SOF": 150, "SF": 200}, "i1", "invoice-1")
    released = release_all(accounts, "i1", "abort")
    assert {c: e.amount for c, e in released.items()} == {"SOF": D("250.00")}
    assert accounts["SOF"].available == D("850.00")
    assert accounts["SF"].available == D("300.00")
    assert accounts["VOF"].reserved_for("other") == D("50.00")
    after = snapshot(accounts)
    assert release_all(accounts, "i1", "abort") == released
    assert snapshot(accounts) == after
    assert line_key("abort", "SOF") in {e.key for e in accounts["SOF"].entries}


def test_ledger_never_goes_negative_through_any_sequence():
    a = account(100)
    refused = []
    for i, (op, amount) in enumerate(
        [("reserve", 60), ("reserve", 50), ("spend", 70), ("spend", 60), ("reserve", 40),
         ("release", None), ("spend", 1), ("reserve", 101), ("reserve", 1)]
    ):
        try:
            if op == "release":
                release(a, "i1", f"k{i}")
            else:
                {"reserve": reserve, "spend": spend}[op](a, "i1", amount, f"k{i}")
        except LedgerError:
            refused.append(i)
        assert a.available >= 0 and a.reserved_for("i1") >= 0
        assert a.available == a.budget - a.reserved - a.spent
    assert refused == [1, 2, 6, 7]
    assert a.totals() == {
        "budget": D("100.00"), "reserved": D("1.00"), "spent": D("60.00"), "available": D("39.00")
    }


def test_a_grant_may_not_exceed_the_request_to_each_administration():
    requested = {"SOF": "300000", "SLF": "100000"}
    check_grant({"SOF": 300_000, "SLF": 50_000}, requested)
    with pytest.raises(GrantNotRequested, match="SLF: granted 100000.01 SEK, but the set-up requested 100000.00"):
        check_grant({"SOF": 1, "SLF": "100000.01"}, requested)
    with pytest.raises(GrantNotRequested, match="MF: granted 1.00 SEK, but the set-up requested 0.00"):
        check_grant({"MF": 1}, requested)
