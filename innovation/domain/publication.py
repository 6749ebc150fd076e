"""The public record of an initiative: what the city's innovation database shows of it.

Its fields follow the city's own database (innovation.helsingborg.se, the WordPress plugin
``api-project-manager``) so the same record can be served in that shape, imported from it
and flattened into open data. Nothing personal is in it unless the person consented: the
contact is a role's functional mailbox, the idea owner's name appears only while they allow.
This module is the contract between the publish step (which builds and reviews records) and
the formats that serve them (pages, CSV, JSON, Atom, the WordPress shape).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from functools import cache
from typing import Any


@dataclass(frozen=True)
class Summary:
    """What, why, how: the public text a coordinator wrote or approved."""

    what: str = ""
    why: str = ""
    how: str = ""


@dataclass(frozen=True)
class Funds:
    """One line of funds granted or used: which administration, how much (kronor), when."""

    administration: str
    amount: str  # a decimal as text ("250000.00"), exact in every format
    date: str  # ISO date


@dataclass(frozen=True)
class ImpactGoal:
    """An effect goal as published: baseline, target, latest value and, once done, a result."""

    goal: str
    unit: str = ""
    baseline: float | None = None
    target: float | None = None
    latest: float | None = None
    comment: str = ""
    completed: bool = False


@dataclass(frozen=True)
class Contact:
    """Who to ask: the innovationsledare's functional mailbox, a person only with consent."""

    name: str = ""
    email: str = ""


@dataclass(frozen=True)
class PublicRecord:
    id: str
    title: str
    summary: Summary = field(default_factory=Summary)  # Swedish
    summary_en: Summary | None = None  # optional English
    kind: str | None = None
    status: str = "active"  # innovation.domain.vocabulary.Status
    progress: int = 0  # 0-100 along the four phases; -1 when aborted (as the city's database)
    phase: str | None = None  # the current phase; None once ended
    phase_reached: str | None = None  # the last phase it was in, kept when it ended
    administration: str = ""  # owner administration (code)
    participating_administrations: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    challenge: str | None = None
    category: str | None = None
    sectors: tuple[str, ...] = ()
    technologies: tuple[str, ...] = ()
    global_goals: tuple[int, ...] = ()  # UN Agenda 2030 goals, 1-17
    expected_impact: tuple[str, ...] = ()
    innovation_height: str | None = None  # from the nine criteria, e.g. "7 av 9"
    estimated_budget: str | None = None  # decimal as text
    funds_granted: tuple[Funds, ...] = ()
    funds_used: tuple[Funds, ...] = ()
    impact_goals: tuple[ImpactGoal, ...] = ()
    resident_involvement: tuple[str, ...] = ()
    lessons_learned: tuple[str, ...] = ()  # reviewed lessons only
    city_wide: bool = False
    challenges_core_business: bool = False
    internal: bool = False
    contact: Contact = field(default_factory=Contact)
    idea_owner: str | None = None  # only while the idea owner consents
    start_date: str | None = None  # ISO date
    end_date: str | None = None
    published_at: str | None = None  # ISO datetime
    updated_at: str | None = None
    historical: bool = False  # imported from the city's earlier database, read-only

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (tuples become lists)."""
        return _plain(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PublicRecord:
        known = frozenset(_names(cls))
        values = {k: v for k, v in data.items() if k in known}
        for name, kind in (("summary", Summary), ("summary_en", Summary), ("contact", Contact)):
            if isinstance(values.get(name), Mapping):
                values[name] = kind(**values[name])
        for name, kind in (("funds_granted", Funds), ("funds_used", Funds), ("impact_goals", ImpactGoal)):
            values[name] = tuple(kind(**item) for item in values.get(name) or ())
        for name in ("participating_administrations", "partners", "sectors", "technologies", "global_goals",
                     "expected_impact", "resident_involvement", "lessons_learned"):
            values[name] = tuple(values.get(name) or ())
        return cls(**values)


@cache
def _names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(kind))


def _plain(value: Any) -> Any:
    """Like ``asdict`` without its deep copies (a page converts many records)."""
    if is_dataclass(value):
        return {name: _plain(getattr(value, name)) for name in _names(type(value))}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
