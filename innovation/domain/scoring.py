"""The nine assessment criteria (bedömningskriterier) administrations use to decide on funding.

The city's rule is qualitative: the more criteria an initiative meets, the more likely it is an
innovation. Each criterion is scored 0..3 and counts as met from 2, which turns that rule into a
recommendation a gate decision-maker can weigh (never a decision in itself).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from innovation.domain.errors import InvalidAssessment

MAX_SCORE = 3
MET_FROM = 2
GO_MIN_MET = 6
GO_MIN_TOTAL = 16
WEAK_MAX_MET = 2


@dataclass(frozen=True)
class Criterion:
    key: str
    title_sv: str
    title_en: str


CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "strategic_need",
        "Löser ett behov inom ett strategiskt område (utmanar kärnverksamheten "
        "eller löser en av stadens gemensamma utmaningar)",
        "Solves a need in a strategic area (challenges the core business "
        "or solves one of the city's common challenges)",
    ),
    Criterion(
        "scalability",
        "Har stor utväxlingspotential i värde (finns skalbarhet)",
        "Large leverage potential in value (scalability)",
    ),
    Criterion(
        "national_global_benefit",
        "Har en tänkbar nationell/global nytta",
        "Possible national or global benefit",
    ),
    Criterion(
        "technical_height",
        "Har teknisk höjd (om teknik inblandat)",
        "Technical height (if technology is involved)",
    ),
    Criterion(
        "data_driven",
        "Är datadrivet (kan mäta effekter)",
        "Data-driven (effects can be measured)",
    ),
    Criterion(
        "outside_development_plan",
        "Finns inte med i ordinarie utvecklingsplan",
        "Not part of the ordinary development plan",
    ),
    Criterion(
        "collaboration",
        "Görs i samarbete med andra (t.ex. invånare, akademi, föreningsliv, "
        "näringsliv, annan offentlig aktör)",
        "Done in collaboration with others (e.g. residents, academia, associations, "
        "business, other public bodies)",
    ),
    Criterion("engaged_idea_owner", "Har en engagerad idébärare", "Has an engaged idea owner"),
    Criterion(
        "uncertain_result",
        "Har ett osäkert resultat (kan leda till disruption)",
        "Uncertain result (may lead to disruption)",
    ),
)
_BY_KEY = {c.key: c for c in CRITERIA}
MAX_TOTAL = MAX_SCORE * len(CRITERIA)


class Recommendation(StrEnum):
    GO = "go"
    CONSIDER = "consider"
    WEAK = "weak"


@dataclass(frozen=True)
class CriterionScore:
    criterion: Criterion
    score: int
    comment: str

    @property
    def met(self) -> bool:
        return self.score >= MET_FROM


@dataclass(frozen=True)
class Assessment:
    scores: tuple[CriterionScore, ...]

    @property
    def total(self) -> int:
        return sum(s.score for s in self.scores)

    @property
    def criteria_met(self) -> int:
        return sum(s.met for s in self.scores)

    @property
    def recommendation(self) -> Recommendation:
        if self.criteria_met >= GO_MIN_MET and self.total >= GO_MIN_TOTAL:
            return Recommendation.GO
        if self.criteria_met <= WEAK_MAX_MET:
            return Recommendation.WEAK
        return Recommendation.CONSIDER

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data, as stored in process data and shown in forms."""
        return {
            "total": self.total,
            "max": MAX_TOTAL,
            "criteria_met": self.criteria_met,
            "recommendation": self.recommendation.value,
            "breakdown": {
                s.criterion.key: {
                    "title_sv": s.criterion.title_sv,
                    "title_en": s.criterion.title_en,
                    "score": s.score,
                    "comment": s.comment,
                    "met": s.met,
                }
                for s in self.scores
            },
        }


def assess(answers: Mapping[str, Mapping[str, Any]]) -> Assessment:
    """Score a completed form: every criterion once, as {"score": 0..3, "comment": str}."""
    unknown = sorted(set(answers) - _BY_KEY.keys(), key=str)
    if unknown:
        raise InvalidAssessment(str(unknown[0]), "unknown criterion")
    return Assessment(tuple(_score(c, answers.get(c.key)) for c in CRITERIA))


def _score(criterion: Criterion, answer: Any) -> CriterionScore:
    if answer is None:
        raise InvalidAssessment(criterion.key, "missing")
    if not isinstance(answer, Mapping):
        raise InvalidAssessment(criterion.key, 'expected {"score": 0..3, "comment": str}')
    score = answer.get("score")
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= MAX_SCORE:
        raise InvalidAssessment(
            criterion.key, f"score must be an integer 0..{MAX_SCORE}, got {score!r}"
        )
    comment = answer.get("comment", "")
    if not isinstance(comment, str):
        raise InvalidAssessment(criterion.key, f"comment must be text, got {comment!r}")
    return CriterionScore(criterion, score, comment)
