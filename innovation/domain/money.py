"""Amounts in SEK: Decimal rounded to öre, so sums never drift as floats would."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from innovation.domain.errors import InvalidAmount

Amount = Decimal | int | float | str
ZERO = Decimal("0.00")
_ORE = Decimal("0.01")


def to_amount(value: Amount) -> Decimal:
    """Parse a caller's amount; refuse negatives and anything that is not a finite number."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, float, str)):
        raise InvalidAmount(f"not an amount: {value!r}")
    try:
        # str() first so a float like 0.1 becomes 0.1, not its binary approximation.
        parsed = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidAmount(f"not an amount: {value!r}") from None
    if not parsed.is_finite():
        raise InvalidAmount(f"not a finite amount: {value!r}")
    if parsed < 0:
        raise InvalidAmount(f"negative amount: {value!r}")
    return parsed.quantize(_ORE, rounding=ROUND_HALF_UP)


def by_administration(lines: Iterable[Mapping]) -> dict[str, Decimal]:
    """Form lines [{administration, amount}] summed per administration."""
    totals: dict[str, Decimal] = {}
    for line in lines:
        totals[line["administration"]] = totals.get(line["administration"], ZERO) + to_amount(line["amount"])
    return totals
