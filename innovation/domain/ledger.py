"""The innovation funds ledger: one account per administration and year.

Each administration decides over its own funds, so the account is the aggregate that guards
them. Balances are derived from the entries, never stored beside them. Every entry carries the
key of the engine job that caused it, so a job that runs twice moves money once.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from innovation.domain.administrations import by_code, yearly_budgets
from innovation.domain.errors import (
    GrantNotDecided,
    GrantNotRequested,
    InsufficientFunds,
    LedgerError,
    ReservationExceeded,
)
from innovation.domain.money import ZERO, Amount, to_amount


class EntryKind(StrEnum):
    RESERVE = "reserve"
    SPEND = "spend"
    RELEASE = "release"


@dataclass(frozen=True)
class Entry:
    key: str
    kind: EntryKind
    initiative_id: str
    amount: Decimal

    def __post_init__(self) -> None:
        if not self.key or not self.initiative_id:
            raise LedgerError("an entry needs an entry key and an initiative id")


@dataclass
class Account:
    administration: str
    year: int
    budget: Decimal
    entries: list[Entry] = field(default_factory=list)

    def __post_init__(self) -> None:
        by_code(self.administration)
        self.budget = to_amount(self.budget)
        if self.available < 0:
            raise LedgerError(f"{self.administration} {self.year}: entries exceed the budget")

    @property
    def reserved(self) -> Decimal:
        return self._sum(EntryKind.RESERVE) - self._sum(EntryKind.RELEASE) - self.spent

    @property
    def spent(self) -> Decimal:
        return self._sum(EntryKind.SPEND)

    @property
    def granted(self) -> Decimal:
        """Everything granted (reserved) out of this year's budget, whether since spent or released."""
        return self._sum(EntryKind.RESERVE)

    @property
    def available(self) -> Decimal:
        return self.budget - self.reserved - self.spent

    def reserved_for(self, initiative_id: str) -> Decimal:
        """What the initiative still holds here: reserved, not yet spent or released."""
        return (
            self._sum(EntryKind.RESERVE, initiative_id)
            - self._sum(EntryKind.RELEASE, initiative_id)
            - self.spent_for(initiative_id)
        )

    def spent_for(self, initiative_id: str) -> Decimal:
        return self._sum(EntryKind.SPEND, initiative_id)

    def granted_for(self, initiative_id: str) -> Decimal:
        """Everything ever reserved for the initiative here, whether since spent or released."""
        return self._sum(EntryKind.RESERVE, initiative_id)

    def totals(self) -> dict[str, Decimal]:
        return {
            "budget": self.budget,
            "reserved": self.reserved,
            "spent": self.spent,
            "available": self.available,
        }

    def entry(self, key: str) -> Entry | None:
        return next((e for e in self.entries if e.key == key), None)

    # The plan_* methods check an operation without changing the account, so several
    # accounts can be checked before any of them is changed (see reserve_many).

    def plan_reserve(self, initiative_id: str, amount: Amount, entry_key: str) -> Entry:
        """Grant the initiative funds out of what is available."""
        amount = to_amount(amount)
        if done := self._replayed(entry_key, EntryKind.RESERVE, initiative_id):
            return done
        if amount > self.available:
            raise InsufficientFunds(self.administration, amount, self.available)
        return Entry(entry_key, EntryKind.RESERVE, initiative_id, amount)

    def plan_spend(self, initiative_id: str, amount: Amount, entry_key: str) -> Entry:
        """Turn part of the initiative's reservation into spent money."""
        amount = to_amount(amount)
        if done := self._replayed(entry_key, EntryKind.SPEND, initiative_id):
            return done
        reserved = self.reserved_for(initiative_id)
        if amount > reserved:
            raise ReservationExceeded(self.administration, initiative_id, amount, reserved)
        return Entry(entry_key, EntryKind.SPEND, initiative_id, amount)

    def plan_release(self, initiative_id: str, entry_key: str) -> Entry:
        """Return all of the initiative's unspent reservation."""
        if done := self._replayed(entry_key, EntryKind.RELEASE, initiative_id):
            return done
        return Entry(entry_key, EntryKind.RELEASE, initiative_id, self.reserved_for(initiative_id))

    def _replayed(self, key: str, kind: EntryKind, initiative_id: str) -> Entry | None:
        """The entry this job already made, if any; a key reused for other work is a bug."""
        done = self.entry(key)
        if done and (done.kind, done.initiative_id) != (kind, initiative_id):
            raise LedgerError(
                f"entry key {key!r} already used for {done.kind} by {done.initiative_id}"
            )
        return done

    def _record(self, entry: Entry) -> Entry:
        if self.entry(entry.key) is None:
            self.entries.append(entry)
        return entry

    def _sum(self, kind: EntryKind, initiative_id: str | None = None) -> Decimal:
        return sum(
            (
                e.amount
                for e in self.entries
                if e.kind == kind and initiative_id in (None, e.initiative_id)
            ),
            ZERO,
        )


def open_accounts(year: int, budgets: Mapping[str, Amount] | None = None) -> dict[str, Account]:
    """A fresh account per administration; budgets override the defaults where given."""
    return {code: Account(code, year, b) for code, b in yearly_budgets(budgets).items()}


def line_key(entry_key: str, administration: str) -> str:
    """The entry key of one administration's line in a multi-administration operation."""
    return f"{entry_key}:{administration}"


def check_grant(grants: Mapping[str, Amount], requested: Mapping[str, Amount]) -> None:
    """Each administration decides over its own funds, and only over what it was asked
    for: a grant line may not exceed the initiative's request to that administration
    (an administration nobody asked has a request of zero)."""
    for code, amount in grants.items():
        asked = to_amount(requested.get(code, ZERO))
        if to_amount(amount) > asked:
            raise GrantNotRequested(code, to_amount(amount), asked)


def overspent(
    accounts: Mapping[str, Account], lines: Mapping[str, Amount], initiative_id: str
) -> dict[str, tuple[Decimal, Decimal]]:
    """Lines that exceed what the initiative still holds with that administration, as
    code -> (reported, remaining); an administration that granted nothing has nothing left."""
    found = {}
    for code, amount in lines.items():
        remaining = accounts[code].reserved_for(initiative_id) if code in accounts else ZERO
        if to_amount(amount) > remaining:
            found[code] = (to_amount(amount), remaining)
    return found


def check_decided(grants: Mapping[str, Amount], decided: Mapping[str, Amount]) -> None:
    """No grant books an administration's money without that administration's decision: a
    line may not exceed what the administration's own decision makers granted (an
    administration that did not decide, or rejected, granted nothing)."""
    for code, amount in grants.items():
        own = to_amount(decided.get(code, ZERO))
        if to_amount(amount) > own:
            raise GrantNotDecided(code, to_amount(amount), own)


def reserve_many(
    accounts: Mapping[str, Account],
    lines: Mapping[str, Amount],
    initiative_id: str,
    entry_key: str,
) -> dict[str, Entry]:
    """Co-finance an initiative: every administration's line is granted, or none is."""
    planned = {
        c: _account(accounts, c).plan_reserve(initiative_id, amount, line_key(entry_key, c))
        for c, amount in lines.items()
    }
    return _commit(accounts, planned)


def spend_many(
    accounts: Mapping[str, Account],
    lines: Mapping[str, Amount],
    initiative_id: str,
    entry_key: str,
) -> dict[str, Entry]:
    """Spend from several administrations' reservations: all lines, or none."""
    planned = {
        c: _account(accounts, c).plan_spend(initiative_id, amount, line_key(entry_key, c))
        for c, amount in lines.items()
    }
    return _commit(accounts, planned)


def release_all(
    accounts: Mapping[str, Account], initiative_id: str, entry_key: str
) -> dict[str, Entry]:
    """Return every unspent reservation of the initiative, e.g. when it is aborted."""
    planned = {
        code: account.plan_release(initiative_id, line_key(entry_key, code))
        for code, account in accounts.items()
        if account.reserved_for(initiative_id) > 0 or account.entry(line_key(entry_key, code))
    }
    return _commit(accounts, planned)


def _account(accounts: Mapping[str, Account], code: str) -> Account:
    try:
        return accounts[code]
    except KeyError:
        raise LedgerError(f"no account for administration {code!r}") from None


def _commit(accounts: Mapping[str, Account], planned: Mapping[str, Entry]) -> dict[str, Entry]:
    """Record entries that were all planned (checked) before any account changed."""
    return {code: accounts[code]._record(entry) for code, entry in planned.items()}
