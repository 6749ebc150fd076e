"""Loading ledger accounts from their entries and appending what an operation booked."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from innovation.adapters.tables import Budget, LedgerEntry
from innovation.domain.administrations import yearly_budgets
from innovation.domain.ledger import Account, Entry, EntryKind, release_all


def open_year(session, year: int, budgets: dict | None = None) -> None:
    """Create missing budget rows for a year with the default (or given) amounts."""
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    rows = [{"administration": code, "year": year, "amount": amount}
            for code, amount in yearly_budgets(budgets).items()]
    session.execute(insert(Budget).values(rows).on_conflict_do_nothing())


def set_budget(session, administration: str, year: int, amount) -> None:
    open_year(session, year)
    session.get(Budget, (administration, year)).amount = amount


def load_accounts(session, year: int, codes=None, lock: bool = True) -> dict[str, Account]:
    """The year's accounts (all, or ``codes``), locked against concurrent bookings."""
    open_year(session, year)
    query = select(Budget).where(Budget.year == year).order_by(Budget.administration)
    if codes is not None:
        query = query.where(Budget.administration.in_(list(codes)))
    if lock:
        query = query.with_for_update()
    budgets = session.scalars(query).all()
    entries = session.scalars(select(LedgerEntry).where(
        LedgerEntry.year == year, LedgerEntry.administration.in_([b.administration for b in budgets]))
        .order_by(LedgerEntry.id)).all()
    accounts = {b.administration: Account(b.administration, year, b.amount) for b in budgets}
    for row in entries:
        accounts[row.administration].entries.append(
            Entry(row.key, EntryKind(row.kind), row.initiative_id, row.amount))
    return accounts


def read_account(session, administration: str, year: int) -> Account:
    """One administration's account for a year, read without locking or creating anything
    (a year not opened yet has the default budget and no entries)."""
    budget = session.get(Budget, (administration, year))
    amount = budget.amount if budget else yearly_budgets()[administration]
    account = Account(administration, year, amount)
    account.entries.extend(Entry(row.key, EntryKind(row.kind), row.initiative_id, row.amount)
                           for row in session.scalars(select(LedgerEntry).where(
                               LedgerEntry.year == year, LedgerEntry.administration == administration)
                               .order_by(LedgerEntry.id)))
    return account


def accounts_of_initiative(session, initiative_id: str, lock: bool = True) -> dict[tuple[str, int], Account]:
    """Every account the initiative has booked in, whatever the year."""
    pairs = session.execute(select(LedgerEntry.administration, LedgerEntry.year)
                            .where(LedgerEntry.initiative_id == initiative_id).distinct()).all()
    accounts = {}
    for year in sorted({year for _, year in pairs}):
        codes = [code for code, y in pairs if y == year]
        for code, account in load_accounts(session, year, codes, lock).items():
            accounts[(code, year)] = account
    return accounts


def spending_accounts(session, initiative_id: str, lock: bool = True) -> dict[str, Account]:
    """The account per administration that the initiative's spending is booked against."""
    return {code: account for (code, _), account in accounts_of_initiative(session, initiative_id, lock).items()}


def save_entries(session, accounts, booked_at: datetime) -> None:
    """Append entries the accounts hold that the table does not have yet."""
    accounts = list(accounts.values()) if isinstance(accounts, dict) else list(accounts)
    keys = [entry.key for account in accounts for entry in account.entries]
    known = set(session.scalars(select(LedgerEntry.key).where(LedgerEntry.key.in_(keys)))) if keys else set()
    for account in accounts:
        for entry in account.entries:
            if entry.key not in known:
                session.add(LedgerEntry(key=entry.key, administration=account.administration, year=account.year,
                                        kind=entry.kind.value, initiative_id=entry.initiative_id,
                                        amount=entry.amount, booked_at=booked_at))


def release_initiative(session, initiative_id: str, entry_key: str, booked_at: datetime) -> dict:
    """Release everything the initiative still holds, in every year; ``entry_key`` makes
    a repeat of the same release book nothing. Returns the entries by (administration, year)."""
    by_key = accounts_of_initiative(session, initiative_id)
    released = {}
    for (code, year), account in by_key.items():
        entries = release_all({code: account}, initiative_id, f"{entry_key}:{year}")
        released.update({(released_code, year): entry for released_code, entry in entries.items()})
    save_entries(session, by_key.values(), booked_at)
    return released
