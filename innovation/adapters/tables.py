"""The innovation model's own tables, migrated by the same Alembic history as the engine's."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from engine import UtcDateTime


class InnovationBase(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime(), dict: JSON, Decimal: Numeric(14, 2)}


class Budget(InnovationBase):
    """One administration's innovation budget for one year (its ledger account)."""

    __tablename__ = "budgets"
    administration: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    amount: Mapped[Decimal]


class LedgerEntry(InnovationBase):
    """Reserve, spend and release bookings; ``key`` (job id + administration) makes replays no-ops."""

    __tablename__ = "ledger_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    administration: Mapped[str] = mapped_column(String(10), index=True)
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    initiative_id: Mapped[str] = mapped_column(String(36), index=True)
    amount: Mapped[Decimal]
    booked_at: Mapped[datetime]


class Initiative(InnovationBase):
    """The initiative record of one process instance, with the columns lists filter on."""

    __tablename__ = "initiatives"
    instance_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(30), index=True)
    administration: Mapped[str] = mapped_column(String(10), index=True)
    phase: Mapped[str | None] = mapped_column(String(30), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    # the user who works the idea owner's tasks: who submitted it, or for a resident's idea
    # the internal owner a coordinator assigned (a user name, not shown publicly)
    owner: Mapped[str | None] = mapped_column(String(200), index=True)
    record: Mapped[dict] = mapped_column(JSON)
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]



class Publication(InnovationBase):
    """An initiative's entry in the public database: the last approved public content, a
    draft awaiting review, the record the public reads (approved text with the live facts)
    and the columns its lists filter on. ``id`` is the initiative's instance id, or the id of
    a record imported from the city's earlier database (``historical``, read-only)."""

    __tablename__ = "publications"
    # Every column the public lists filter, order, count and search on: they read this index
    # alone, never the wide row (migration 0021).
    __table_args__ = (Index("ix_publications_listing", "updated_at", "id", "state", "administration", "status",
                            "phase", "kind", "title"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    state: Mapped[str] = mapped_column(String(20), index=True)  # unpublished, published or historical
    draft: Mapped[dict | None] = mapped_column(JSON)  # content awaiting review (None: nothing pending)
    content: Mapped[dict | None] = mapped_column(JSON)  # the last approved content (None: never published)
    record: Mapped[dict | None] = mapped_column(JSON)  # the PublicRecord served (None while unpublished)
    version: Mapped[int] = mapped_column(Integer, default=0)  # approved versions so far
    name_consent: Mapped[bool] = mapped_column(Boolean, default=False)  # the idea owner may be named
    historical: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str | None] = mapped_column(String(30))
    administration: Mapped[str | None] = mapped_column(String(200))  # one of the nine, or a city company (imported)
    phase: Mapped[str | None] = mapped_column(String(30))
    status: Mapped[str | None] = mapped_column(String(20))
    published_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(index=True)


class PublicationVersion(InnovationBase):
    """One approved version of an initiative's public content: what, who approved it, when."""

    __tablename__ = "publication_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    publication_id: Mapped[str] = mapped_column(String(36), ForeignKey("publications.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict] = mapped_column(JSON)
    published_by: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime]


class PublicTerm(InnovationBase):
    """A word of the public database's editable vocabularies (category, sector, technology):
    records store its key, so an admin's renaming reaches every record."""

    __tablename__ = "public_terms"
    vocabulary: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    name_sv: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
