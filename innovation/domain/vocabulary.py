"""The model's fixed words: kinds, phases, statuses, gates and gate decisions.

Values are ASCII slugs of the Swedish terms users see, so they are safe in BPMN
expressions, form enums and URLs alike.
"""
from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from innovation.domain.errors import InitiativeError


class Kind(StrEnum):
    IDEDRIVEN = "idedriven"
    BEHOVSDRIVEN = "behovsdriven"  # also called utmaningsdriven
    MOJLIGHETSDRIVEN = "mojlighetsdriven"


class Phase(StrEnum):
    """In the model's order; a recycle decision may send an initiative back."""

    UTFORSKA_IDE = "utforska_ide"
    UTFORSKA_UPPLAGG = "utforska_upplagg"
    UTVECKLA_PILOT = "utveckla_pilot"
    SKALA = "skala"


class Status(StrEnum):
    ACTIVE = "active"
    ON_HOLD = "on_hold"
    ABORTED = "aborted"  # avbruten
    REALISED = "realised"  # realiserad


ENDED = (Status.ABORTED, Status.REALISED)


class Gate(StrEnum):
    GRANSKNING = "granskning"  # screening: is it an innovation initiative, which kind, which administration
    TID = "tid"  # beslut tid: the idea owner may spend working time exploring
    PENGAR = "pengar"  # beslut pengar: an administration grants funds for a pilot
    SKALA_UPP = "skala_upp"  # beslut skala upp: real value seen, scale it up


class Decision(StrEnum):
    GO = "go"
    KILL = "kill"
    HOLD = "hold"
    RECYCLE = "recycle"


E = TypeVar("E", bound=StrEnum)


def parse(enum: type[E], value: object) -> E:
    """An enum member from its value, or an InitiativeError naming the allowed values."""
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        name = enum.__name__.lower()
        raise InitiativeError(f"{name} must be one of {allowed}; got {value!r}") from None
