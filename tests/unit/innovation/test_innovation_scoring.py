import json

import pytest

from innovation.domain.errors import InvalidAssessment
from innovation.domain.scoring import CRITERIA, MAX_TOTAL, assess

KEYS = [
    "strategic_need", "scalability", "national_global_benefit", "technical_height",
    "data_driven", "outside_development_plan", "collaboration", "engaged_idea_owner",
    "uncertain_result",
]


def answers(*scores: int) -> dict:
    assert len(scores) == 9
    return {k: {"score": s, "comment": f"c-{k}"} for k, s in zip(KEYS, scores)}


def test_criteria_keys_and_titles():
    assert [c.key for c in CRITERIA] == KEYS
    assert CRITERIA[0].title_sv.startswith("Löser ett behov inom ett strategiskt område")
    assert CRITERIA[7].title_sv == "Har en engagerad idébärare"
    assert all(c.title_en for c in CRITERIA)
    assert MAX_TOTAL == 27


def test_total_met_and_breakdown():
    result = assess(answers(3, 2, 1, 0, 3, 2, 1, 0, 2))
    assert result.total == 14
    assert result.criteria_met == 5
    d = result.to_dict()
    assert d["max"] == 27
    assert d["breakdown"]["scalability"] == {
        "title_sv": "Har stor utväxlingspotential i värde (finns skalbarhet)",
        "title_en": "Large leverage potential in value (scalability)",
        "score": 2,
        "comment": "c-scalability",
        "met": True,
    }
    assert d["breakdown"]["national_global_benefit"]["met"] is False
    assert list(d["breakdown"]) == KEYS
    assert json.loads(json.dumps(d)) == d


@pytest.mark.parametrize(
    "scores, total, met, recommendation",
    [
        ((0,) * 9, 0, 0, "weak"),
        ((3,) * 9, 27, 9, "go"),
        ((2, 2, 2, 2, 2, 2, 2, 2, 0), 16, 8, "go"),  # go at exactly 16
        ((3, 3, 2, 2, 2, 2, 0, 0, 0), 14, 6, "consider"),  # 6 met but total 14 < 16
        ((2, 2, 2, 2, 2, 2, 1, 1, 1), 15, 6, "consider"),  # 6 met, one point short
        ((2, 2, 2, 2, 2, 2, 1, 1, 2), 16, 7, "go"),
        ((3, 3, 3, 3, 3, 1, 1, 1, 1), 19, 5, "consider"),  # high total, only 5 met
        ((3, 3, 1, 1, 1, 1, 1, 1, 1), 13, 2, "weak"),  # weak at exactly 2 met
        ((3, 3, 2, 1, 1, 1, 1, 1, 1), 14, 3, "consider"),  # consider from 3 met
    ],
)
def test_recommendation_thresholds(scores, total, met, recommendation):
    result = assess(answers(*scores))
    assert (result.total, result.criteria_met) == (total, met)
    assert result.recommendation == recommendation
    assert result.to_dict()["recommendation"] == recommendation


def test_comment_may_be_left_out():
    data = answers(*(1,) * 9)
    del data["collaboration"]["comment"]
    assert assess(data).to_dict()["breakdown"]["collaboration"]["comment"] == ""


def test_missing_criterion_is_named():
    data = answers(*(1,) * 9)
    del data["data_driven"]
    with pytest.raises(InvalidAssessment, match="data_driven: missing") as raised:
        assess(data)
    assert raised.value.criterion == "data_driven"


def test_unknown_criterion_is_named():
    data = answers(*(1,) * 9) | {"beauty": {"score": 3, "comment": ""}}
    with pytest.raises(InvalidAssessment) as raised:
        assess(data)
    assert raised.value.criterion == "beauty"


@pytest.mark.parametrize("bad", [-1, 4, 2.0, "2", True, None])
def test_out_of_range_or_non_integer_score_is_named(bad):
    data = answers(*(1,) * 9)
    data["uncertain_result"]["score"] = bad
    with pytest.raises(InvalidAssessment) as raised:
        assess(data)
    assert raised.value.criterion == "uncertain_result"


@pytest.mark.parametrize("bad", [2, "2", {"comment": 5, "score": 1}])
def test_malformed_answer_is_named(bad):
    data = answers(*(1,) * 9)
    data["technical_height"] = bad
    with pytest.raises(InvalidAssessment) as raised:
        assess(data)
    assert raised.value.criterion == "technical_height"
