"""The city's nine administrations (förvaltningar), each deciding over its own innovation funds."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from innovation.domain.errors import UnknownAdministration
from innovation.domain.money import Amount, to_amount


@dataclass(frozen=True)
class Administration:
    code: str
    name_sv: str
    name_en: str
    default_budget: Decimal
    """Yearly innovation budget in SEK when the city has configured nothing else."""


def _adm(code: str, name_sv: str, name_en: str, msek: int) -> Administration:
    return Administration(code, name_sv, name_en, Decimal(msek * 1_000_000))


ADMINISTRATIONS: tuple[Administration, ...] = (
    _adm("AMF", "Arbetsmarknadsförvaltningen", "Labour Market Administration", 4),
    _adm("FF", "Fastighetsförvaltningen", "Real Estate Administration", 3),
    _adm("KF", "Kulturförvaltningen", "Culture Administration", 2),
    _adm("MF", "Miljöförvaltningen", "Environment Administration", 2),
    _adm("SOF", "Skol- och fritidsförvaltningen", "School and Leisure Administration", 6),
    _adm("SF", "Socialförvaltningen", "Social Services Administration", 5),
    _adm("SBF", "Stadsbyggnadsförvaltningen", "City Planning Administration", 3),
    _adm("SLF", "Stadsledningsförvaltningen", "City Executive Office", 5),
    _adm("VOF", "Vård- och omsorgsförvaltningen", "Health and Social Care Administration", 6),
)
_BY_CODE = {a.code: a for a in ADMINISTRATIONS}


def by_code(code: str) -> Administration:
    """Look an administration up by its code, e.g. 'SOF'."""
    try:
        return _BY_CODE[code]
    except (KeyError, TypeError):
        raise UnknownAdministration(code) from None


def yearly_budgets(overrides: Mapping[str, Amount] | None = None) -> dict[str, Decimal]:
    """Every administration's budget: the defaults, replaced where the caller configured one."""
    overrides = overrides or {}
    for code in overrides:
        by_code(code)
    return {
        a.code: to_amount(overrides.get(a.code, a.default_budget)) for a in ADMINISTRATIONS
    }
