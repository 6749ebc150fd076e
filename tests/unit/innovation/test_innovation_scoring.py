"""The city's scoring rule: "uppfyller N av 9" (a criterion is met from 2), teknisk höjd may
not apply (then N of 8), and the recommendation follows the count; the form and the record
take the criteria's wording from ``CRITERIA``."""
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from innovation.domain.errors import InvalidAssessment
from innovation.domain.scoring import (
    CRITERIA,
    GO_MIN_MET,
    LEVELS,
    MAX_COMMENT,
    MET_FROM,
    NOT_APPLICABLE,
    WEAK_MAX_MET,
    assess,
)

ROOT = Path(__file__).resolve().parents[3]
KEYS = [
    "strategic_need", "scalability", "national_global_benefit", "technical_height",
    "data_driven", "outside_development_plan", "collaboration", "engaged_idea_owner",
    "uncertain_result",
]
# The city's own wording ("Våra bedömningskriterier", shared/seeds), letter for letter.
CITY_WORDING = [
    "Löser ett behov inom ett strategiskt område (utmanar kärnverksamheten eller löser en av stadens "
    "gemensamma utmaningar)",
    "Har stor utväxlingspotential i värde (finns skalbarhet)",
    "Har en tänkbar nationell/global nytta",
    "Har teknisk höjd (om teknik inblandat)",
    "Är datadrivet (kan mäta effekter)",
    "Finns inte med i ordinarie utvecklingsplan",
    "Görs i samarbete med andra (t.ex. invånare, akademi, föreningsliv, näringsliv, annan offentlig aktör)",
    "Har en engagerad idébärare",
    "Har ett osäkert resultat (kan leda till disruption)",
]


def answers(*scores) -> dict:
    assert len(scores) == 9
    return {k: {"score": s, "comment": f"c-{k}"} for k, s in zip(KEYS, scores)}


def test_criteria_are_the_citys_nine_in_its_words():
    assert [c.key for c in CRITERIA] == KEYS
    assert [c.title_sv for c in CRITERIA] == CITY_WORDING
    assert all(c.title_en for c in CRITERIA)
    assert [c.key for c in CRITERIA if c.may_not_apply] == ["technical_height"]


def test_the_form_uses_the_criteria_wording_and_levels():
    """forms/criteria-assessment.schema.json is checked against CRITERIA, the one source."""
    schema = json.loads((ROOT / "forms" / "criteria-assessment.schema.json").read_text(encoding="utf-8"))
    criteria = schema["properties"]["criteria"]
    assert list(criteria["properties"]) == KEYS == criteria["required"]
    levels = [{"const": n, "title": f"{n} – {sv} / {n} – {en}"} for n, sv, en in LEVELS]
    for c in CRITERIA:
        field = criteria["properties"][c.key]
        assert field["title"] == f"{c.title_sv} / {c.title_en}"
        options = field["properties"]["score"]["oneOf"]
        assert options[:4] == levels
        assert [o["const"] for o in options[4:]] == ([NOT_APPLICABLE] if c.may_not_apply else [])
        assert field["properties"]["comment"]["maxLength"] == MAX_COMMENT
    ui = json.loads((ROOT / "forms" / "criteria-assessment.uischema.json").read_text(encoding="utf-8"))
    assert ui["criteria"]["ui:order"] == KEYS


def test_met_count_and_breakdown():
    result = assess(answers(3, 2, 1, 0, 3, 2, 1, 0, 2))
    assert (result.criteria_met, result.applicable) == (5, 9)
    d = result.to_dict()
    assert "total" not in d and "max" not in d  # the city defines no sum
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


def test_technical_height_may_not_apply_then_of_eight():
    result = assess(answers(3, 3, 3, NOT_APPLICABLE, 3, 3, 3, 3, 3))
    assert (result.criteria_met, result.applicable) == (8, 8)
    assert result.to_dict()["breakdown"]["technical_height"] == {
        "title_sv": "Har teknisk höjd (om teknik inblandat)", "title_en": "Technical height (if technology is involved)",
        "score": NOT_APPLICABLE, "comment": "c-technical_height", "met": False}


@pytest.mark.parametrize("key", [k for k in KEYS if k != "technical_height"])
def test_only_technical_height_may_be_not_applicable(key):
    data = answers(*(2,) * 9)
    data[key]["score"] = NOT_APPLICABLE
    with pytest.raises(InvalidAssessment, match="score must be an integer 0..3, got") as raised:
        assess(data)
    assert raised.value.criterion == key


scores = st.integers(0, 3)


@given(st.lists(scores, min_size=9, max_size=9), st.booleans())
def test_n_of_9_or_8_for_any_scores(values, without_technology):
    if without_technology:
        values[3] = NOT_APPLICABLE
    result = assess(answers(*values))
    counted = [v for v in values if v != NOT_APPLICABLE]
    met = sum(v >= MET_FROM for v in counted)
    assert result.applicable == (8 if without_technology else 9) == len(counted)
    assert result.criteria_met == met <= result.applicable
    expected = "go" if met >= GO_MIN_MET else "weak" if met <= WEAK_MAX_MET else "consider"
    assert result.recommendation == expected == result.to_dict()["recommendation"]
    # the answers come back as given, so an assessment stored as its answers loads unchanged
    assert assess(result.answers()) == result


@given(st.lists(scores, min_size=9, max_size=9), st.integers(0, 8), st.integers(2, 3))
def test_meeting_one_more_criterion_never_lowers_the_count_or_the_recommendation(values, index, raised):
    order = ["weak", "consider", "go"]
    before = assess(answers(*values))
    values[index] = max(values[index], raised)
    after = assess(answers(*values))
    assert after.criteria_met >= before.criteria_met
    assert order.index(after.recommendation) >= order.index(before.recommendation)


@pytest.mark.parametrize(
    "scores, met, recommendation",
    [
        ((0,) * 9, 0, "weak"),
        ((3,) * 9, 9, "go"),
        ((2, 2, 2, 2, 2, 2, 1, 1, 1), 6, "go"),  # go from 6 met, whatever the scores add up to
        ((3, 3, 3, 3, 3, 1, 1, 1, 1), 5, "consider"),
        ((3, 3, 1, 1, 1, 1, 1, 1, 1), 2, "weak"),  # weak at exactly 2 met
        ((3, 3, 2, 1, 1, 1, 1, 1, 1), 3, "consider"),  # consider from 3 met
    ],
)
def test_recommendation_thresholds(scores, met, recommendation):
    result = assess(answers(*scores))
    assert result.criteria_met == met
    assert result.recommendation == recommendation


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


@pytest.mark.parametrize("bad", [-1, 4, 2.0, "2", True, None, "n/a"])
def test_out_of_range_or_non_integer_score_is_named(bad):
    data = answers(*(1,) * 9)
    data["uncertain_result"]["score"] = bad
    with pytest.raises(InvalidAssessment) as raised:
        assess(data)
    assert raised.value.criterion == "uncertain_result"


@pytest.mark.parametrize("bad", [2, "2", {"comment": 5, "score": 1}, {"score": 1, "comment": "x" * (MAX_COMMENT + 1)},
                                 {"score": 1, "weight": 2}])
def test_malformed_answer_is_named(bad):
    data = answers(*(1,) * 9)
    data["technical_height"] = bad
    with pytest.raises(InvalidAssessment) as raised:
        assess(data)
    assert raised.value.criterion == "technical_height"


@pytest.mark.parametrize("bad", [None, [], "criteria"])
def test_answers_that_are_not_a_mapping_are_refused(bad):
    with pytest.raises(InvalidAssessment, match="criteria"):
        assess(bad)
