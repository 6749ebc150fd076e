"""The innovation model's own tables, migrated by the same Alembic history as the engine's."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Integer, Numeric, String
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

