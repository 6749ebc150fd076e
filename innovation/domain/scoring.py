"""The nine assessment criteria (bedömningskriterier) administrations use to decide on funding.

The city's rule is qualitative: "ju fler av kriterierna som ett initiativ uppfyller, ju högre
sannolikhet att initiativet är en möjlig innovation". So what counts is how many criteria are
met: each is scored 0..3 and is met from 2, and the result reads "uppfyller N av 9". Teknisk
höjd applies only "om teknik inblandat": it may be scored ej tillämpligt, and then the
initiative meets N of 8. The count gives a recommendation a decision maker can weigh, never a
decision in itself. The city defines no sum of the scores, so none is shown or used.

``CRITERIA`` holds the city's exact wording; forms/criteria-assessment.schema.json is checked
against it by a test, and the record and the pages take their titles from here.
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
WEAK_MAX_MET = 2
MAX_COMMENT = 2000
NOT_APPLICABLE = "ej_tillampligt"  # the score of a criterion that does not apply

#: The score levels as the form offers them (score, Swedish, English).
LEVELS = ((0, "Uppfylls inte", "Not met"), (1, "Delvis", "Partly"), (2, "I hög grad", "Largely"),
          (3, "Helt", "Fully"))


@dataclass(frozen=True)
class Criterion:
    key: str
    title_sv: str
    title_en: str
    may_not_apply: bool = False  # teknisk höjd: only "om teknik inblandat"


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
        may_not_apply=True,
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


class Recommendation(StrEnum):
    GO = "go"  # many criteria met: likely an innovation
    CONSIDER = "consider"
    WEAK = "weak"  # few criteria met


@dataclass(frozen=True)
class CriterionScore:
    criterion: Criterion
    score: int | None  # None: ej tillämpligt
    comment: str

    @property
    def applies(self) -> bool:
        return self.score is not None

    @property
    def met(self) -> bool:
        return self.score is not None and self.score >= MET_FROM

    def answer(self) -> dict[str, Any]:
        """The form's answer this score came from (what is stored)."""
        return {"score": NOT_APPLICABLE if self.score is None else self.score, "comment": self.comment}


@dataclass(frozen=True)
class Assessment:
    scores: tuple[CriterionScore, ...]

    @property
    def criteria_met(self) -> int:
        return sum(s.met for s in self.scores)

    @property
    def applicable(self) -> int:
        """Of how many criteria: 9, or 8 when teknisk höjd does not apply."""
        return sum(s.applies for s in self.scores)

    @property
    def recommendation(self) -> Recommendation:
        if self.criteria_met >= GO_MIN_MET:
            return Recommendation.GO
        if self.criteria_met <= WEAK_MAX_MET:
            return Recommendation.WEAK
        return Recommendation.CONSIDER

    def answers(self) -> dict[str, dict[str, Any]]:
        """The answers, as the form gives them; ``assess(answers())`` gives this assessment back."""
        return {s.criterion.key: s.answer() for s in self.scores}

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data, as stored in process data, the API and the pages."""
        return {
            "criteria_met": self.criteria_met,
            "applicable": self.applicable,
            "recommendation": self.recommendation.value,
            "breakdown": {
                s.criterion.key: {
                    "title_sv": s.criterion.title_sv,
                    "title_en": s.criterion.title_en,
                    **s.answer(),
                    "met": s.met,
                }
                for s in self.scores
            },
        }


def assess(answers: Mapping[str, Mapping[str, Any]]) -> Assessment:
    """Score a completed form: every criterion once, as {"score": 0..3, "comment": str}
    (teknisk höjd may be scored "ej_tillampligt")."""
    if not isinstance(answers, Mapping):
        raise InvalidAssessment("criteria", "expected one answer per criterion")
    unknown = sorted(set(answers) - _BY_KEY.keys(), key=str)
    if unknown:
        raise InvalidAssessment(str(unknown[0]), "unknown criterion")
    return Assessment(tuple(_score(c, answers.get(c.key)) for c in CRITERIA))


def _score(criterion: Criterion, answer: Any) -> CriterionScore:
    if answer is None:
        raise InvalidAssessment(criterion.key, "missing")
    if not isinstance(answer, Mapping):
        raise InvalidAssessment(criterion.key, 'expected {"score": 0..3, "comment": str}')
    unknown = sorted(set(answer) - {"score", "comment"}, key=str)
    if unknown:
        raise InvalidAssessment(criterion.key, f"unknown field {unknown[0]!r}")
    score = answer.get("score")
    comment = answer.get("comment", "")
    if not isinstance(comment, str) or len(comment) > MAX_COMMENT:
        raise InvalidAssessment(criterion.key, f"comment must be text of at most {MAX_COMMENT} characters")
    if score == NOT_APPLICABLE and criterion.may_not_apply:
        return CriterionScore(criterion, None, comment)
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= MAX_SCORE:
        allowed = f"0..{MAX_SCORE}" + (f" or {NOT_APPLICABLE!r}" if criterion.may_not_apply else "")
        raise InvalidAssessment(criterion.key, f"score must be an integer {allowed}, got {score!r}")
    return CriterionScore(criterion, score, comment)
