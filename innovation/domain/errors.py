"""Domain errors, so callers can tell a broken rule from a programming error."""
from __future__ import annotations

from decimal import Decimal


class DomainError(Exception):
    """A rule of the innovation model was broken."""


class UnknownAdministration(DomainError):
    """The code names none of the city's nine administrations."""

    def __init__(self, code: object) -> None:
        super().__init__(f"unknown administration: {code!r}")
        self.code = code


class InvalidAssessment(DomainError):
    """A criterion in an assessment is missing, unknown or badly scored."""

    def __init__(self, criterion: str, problem: str) -> None:
        super().__init__(f"{criterion}: {problem}")
        self.criterion = criterion


class LedgerError(DomainError):
    """An operation would break an invariant of the funds ledger."""


class InvalidAmount(LedgerError):
    """An amount is not a non-negative number of SEK."""


class InsufficientFunds(LedgerError):
    """An administration has less available than was requested."""

    def __init__(self, administration: str, requested: Decimal, available: Decimal) -> None:
        super().__init__(
            f"{administration}: requested {requested} SEK, only {available} SEK available"
        )
        self.administration = administration
        self.requested = requested
        self.available = available


class GrantNotRequested(LedgerError):
    """A grant gives an administration's funds beyond what the initiative asked it for."""

    def __init__(self, administration: str, granted: Decimal, requested: Decimal) -> None:
        super().__init__(
            f"{administration}: granted {granted} SEK, but the set-up requested "
            f"{requested} SEK from {administration}"
        )
        self.administration = administration
        self.granted = granted
        self.requested = requested


class GrantNotDecided(LedgerError):
    """A grant line books an administration's funds without that administration's decision."""

    def __init__(self, administration: str, granted: Decimal, decided: Decimal) -> None:
        super().__init__(
            f"{administration}: a grant of {granted} SEK, but {administration}'s decision makers "
            f"granted {decided} SEK"
        )
        self.administration = administration
        self.granted = granted
        self.decided = decided


class ReservationExceeded(LedgerError):
    """An initiative tried to spend or release more than it has reserved."""

    def __init__(
        self, administration: str, initiative_id: str, requested: Decimal, reserved: Decimal
    ) -> None:
        super().__init__(
            f"{administration}: initiative {initiative_id} requested {requested} SEK "
            f"but has only {reserved} SEK reserved"
        )
        self.administration = administration
        self.initiative_id = initiative_id
        self.requested = requested
        self.reserved = reserved


class InitiativeError(DomainError):
    """Start data or an engine fact does not fit the initiative record."""
