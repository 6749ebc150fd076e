"""Effect goals (effektmål): what a pilot must achieve, and what was last measured.

Scaling needs clear pilot results, so each goal keeps its latest measured value; a
measurement that arrives late (older than the one held) does not overwrite a newer one.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from innovation.domain.errors import InitiativeError


@dataclass(frozen=True)
class EffectGoal:
    id: str
    description: str
    unit: str = ""
    baseline: float | None = None
    target: float | None = None
    latest_value: float | None = None
    measured_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "description": self.description,
            "unit": self.unit,
            "baseline": self.baseline,
            "target": self.target,
            "latest_value": self.latest_value,
            "measured_at": self.measured_at.isoformat() if self.measured_at else None,
        }


def plan_goals(
    current: tuple[EffectGoal, ...], goals: Iterable[Mapping[str, Any]]
) -> tuple[EffectGoal, ...]:
    """Goals as (re)planned, each keeping what was measured under its id so far."""
    kept = {g.id: g for g in current}
    planned = []
    for g in goals:
        if not g.get("id") or not g.get("description"):
            raise InitiativeError(f"an effect goal needs an id and a description: {g!r}")
        planned.append(
            replace(
                kept.get(g["id"], EffectGoal(g["id"], "")),
                description=g["description"],
                unit=g.get("unit", ""),
                baseline=_number(g["id"], g.get("baseline")),
                target=_number(g["id"], g.get("target")),
            )
        )
    return tuple(planned)


def measure(
    goals: tuple[EffectGoal, ...], measurements: Mapping[str, float], at: datetime
) -> tuple[EffectGoal, ...]:
    """Goals with the values measured at `at`, keyed by goal id; None means not measured."""
    by_id = {g.id: g for g in goals}
    for goal_id, value in measurements.items():
        if goal_id not in by_id:
            raise InitiativeError(f"unknown effect goal: {goal_id!r}")
        value = _number(goal_id, value)
        goal = by_id[goal_id]
        if value is not None and (goal.measured_at is None or at >= goal.measured_at):
            by_id[goal_id] = replace(goal, latest_value=value, measured_at=at)
    return tuple(by_id.values())


def _number(goal_id: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InitiativeError(f"effect goal {goal_id}: expected a number, got {value!r}")
    return float(value)
