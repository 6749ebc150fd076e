"""The model's fixed words: kinds, phases, statuses, decision points, decisions, abort reasons.

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
    """Where a decision in the initiative's decision log was taken: the three gates and the
    other decision points (the name stays Gate so stored records and new entries keep it)."""

    GRANSKNING = "granskning"  # screening: is it an innovation initiative, which kind, which administration
    TID = "tid"  # beslut tid: the idea owner may spend working time exploring
    PENGAR = "pengar"  # beslut pengar: an administration grants funds for a pilot
    SKALA_UPP = "skala_upp"  # beslut skala upp: real value seen, scale it up
    PILOT = "pilot"  # an evaluation that ends the pilot: stop, or propose to scale
    PILOT_SLUT = "pilot_slutdatum"  # the decision forced by the pilot end date: stop, scale or extend
    AVBROTT = "avbrott"  # the initiative is aborted, with a category of reason
    MOTTAGANDE = "mottagande"  # the receiving administration confirms (or declines) a scale decision
    INFORANDE = "inforande"  # the receiving administration records the solution in use, or not implemented
    UPPFOLJNING = "uppfoljning"  # a benefit follow-up after go-live


class Decision(StrEnum):
    GO = "go"
    KILL = "kill"
    HOLD = "hold"
    RECYCLE = "recycle"
    EXTEND = "extend"  # the pilot runs on to a new end date
    ON_TRACK = "on_track"  # a follow-up: the benefit is realised as planned
    ACTION_NEEDED = "action_needed"  # a follow-up: the benefit lags the plan


class AbortCategory(StrEnum):
    """Why initiatives are aborted, in the city's words ("Avbrutna eller realiserade initiativ")."""

    FUNKTIONELLT = "funktionellt"
    EKONOMISKT = "ekonomiskt"
    KOSTNAD_EFFEKT = "kostnad_effekt"
    BATTRE_LOSNING = "battre_losning"
    EJ_IMPLEMENTERAD = "ej_implementerad"
    ANNAT = "annat"


#: Each abort category as the city writes it (Swedish, English); forms and pages use these.
ABORT_CATEGORY_TITLES: dict[AbortCategory, tuple[str, str]] = {
    AbortCategory.FUNKTIONELLT: ("Lösningen matchar inte behovet funktionellt",
                                 "The solution does not meet the need functionally"),
    AbortCategory.EKONOMISKT: ("Lösningen matchar inte behovet ekonomiskt",
                               "The solution does not meet the need economically"),
    AbortCategory.KOSTNAD_EFFEKT: ("Kostnaden i förhållande till effekterna är för stor",
                                   "The cost is too high for the effect"),
    AbortCategory.BATTRE_LOSNING: ("En annan, bättre lösning har hittats", "A better solution was found"),
    AbortCategory.EJ_IMPLEMENTERAD: ("Inte implementerad i någon av stadens verksamheter",
                                     "Not implemented in any of the city's verksamheter"),
    AbortCategory.ANNAT: ("Annat", "Other"),
}


E = TypeVar("E", bound=StrEnum)


def parse(enum: type[E], value: object) -> E:
    """An enum member from its value, or an InitiativeError naming the allowed values."""
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        name = enum.__name__.lower()
        raise InitiativeError(f"{name} must be one of {allowed}; got {value!r}") from None
