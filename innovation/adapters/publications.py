"""The stored public records: rebuilt from the approved content and the live facts.

``refresh`` runs whenever either side changes (a publish, a consent, and, from the record
projection, every change of the initiative), in that change's transaction and under the
publication row's lock, so the public never reads a record older than the facts it
shows, and a consent withdrawn is never undone by a change committed after it.
``updated_at`` moves only when what the public reads changed.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from innovation.adapters.tables import LedgerEntry, Publication, PublicTerm
from innovation.domain.initiative import InitiativeRecord
from innovation.domain.publication import Funds, PublicRecord
from innovation.domain.publishing import serve

PUBLISHED = "published"
CENT = Decimal("0.01")


def ledger_funds(session, initiative_id: str) -> tuple[list[Funds], list[Funds]]:
    """Funds granted (reservations) and used (spending) of an initiative, line by line with their dates."""
    granted, used = [], []
    rows = session.scalars(select(LedgerEntry).where(LedgerEntry.initiative_id == initiative_id,
                                                     LedgerEntry.kind.in_(("reserve", "spend")))
                           .order_by(LedgerEntry.booked_at, LedgerEntry.id))
    for entry in rows:
        line = Funds(entry.administration, str(Decimal(entry.amount).quantize(CENT)),
                     entry.booked_at.date().isoformat())
        (granted if entry.kind == "reserve" else used).append(line)
    return granted, used


def term_names(session) -> dict[tuple[str, str], str]:
    """(vocabulary, key) -> the Swedish name the public record shows."""
    return {(t.vocabulary, t.key): t.name_sv for t in session.scalars(select(PublicTerm))}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def refresh(session, row: Publication, record: InitiativeRecord, at: datetime) -> None:
    """Rebuild a published row's public record from its approved content and ``record``."""
    if row.state != PUBLISHED or row.content is None:
        return
    granted, used = ledger_funds(session, row.id)
    terms = term_names(session)

    def build(updated: datetime) -> PublicRecord:
        return serve(row.id, row.content, record, granted=granted, used=used, consent=row.name_consent,
                     terms=terms, published_at=_iso(row.published_at), updated_at=_iso(updated))

    served = build(row.updated_at)
    if row.record != served.to_dict():
        row.updated_at = at
        served = build(at)
    row.record = served.to_dict()
    row.title, row.kind, row.administration = served.title, served.kind, served.administration
    row.phase, row.status = served.phase, served.status


def locked(session, publication_id: str) -> Publication | None:
    """The publication row, locked until the transaction ends (PostgreSQL; SQLite has one writer)."""
    return session.scalars(select(Publication).where(Publication.id == publication_id).with_for_update()).first()


def follow_record(session, instance_id: str, record: InitiativeRecord, at: datetime) -> None:
    """The record projection's hook: a published initiative's public facts follow its record."""
    row = locked(session, instance_id)
    if row is not None:
        refresh(session, row, record, at)
