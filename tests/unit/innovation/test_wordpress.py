"""The city's WordPress shape: a record there and back, the city's own data, broken input.

tests/fixtures/wordpress/projects.json is written by hand in the shape the city's API answers,
following helsingborg-stad/api-project-manager: source/php/PostTypes/Project.php and
source/php/Helper/PostType.php (ACF fields as top-level keys, taxonomy fields as lists of whole
term objects merged with the term's ACF fields such as ``progress_value``, the post meta
``previous_status`` and ``previous_status_progress_value``), source/php/AcfFields/json/project_*.json
(the fields and their rows), and what helsingborg-stad/api-project-manager-integration reads of it
in source/php/Import/Importer.php and source/php/Import/Project.php.
"""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from innovation.adapters.wordpress import (
    WordPressFormatError,
    from_wp_project,
    read_projects,
    term_id,
    to_wp_project,
)
from innovation.domain.publication import Contact, Funds, PublicRecord
from tests.public_records import record_settings, records

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "wordpress" / "projects.json"
BASE = "https://innovation.example.se"

@record_settings
@given(records())
def test_a_record_makes_the_round_trip_through_the_citys_shape(record):
    served = json.loads(json.dumps(to_wp_project(record, BASE)))  # what goes over the wire
    assert from_wp_project(served) == replace(record, historical=True)


@record_settings
@given(records())
def test_the_shape_has_what_the_integration_plugin_reads(record):
    served = to_wp_project(record, BASE)
    assert served["title"]["rendered"] and served["slug"] and served["type"] == "project"
    assert served["link"] == f"{BASE}/public/initiatives/{record.id}"
    for key in ("status", "technology", "sector", "organisation", "global_goal", "partner", "challenge_category",
                "participants"):  # Import/Project.php mapTaxonomies: terms by slug, name, description, parent
        for term in served[key] or []:
            assert {"term_id", "name", "slug", "description", "parent", "taxonomy"} <= set(term)
    (status,) = served["status"]
    assert status["progress_value"] == record.progress
    for key in ("project_what", "project_why", "project_how", "project_lessons_learned", "impact_goals",
                "estimated_budget", "funds_used", "previous_status", "previous_status_progress_value",
                "resident_involvement", "contacts", "internal_project"):  # Import/Project.php mapMetaKeys
        assert key in served


def test_the_citys_sample_is_read_as_published():
    records, broken = read_projects(json.loads(SAMPLE.read_text(encoding="utf-8")))
    assert broken == []
    laiban, classroom, sallbo = records
    assert laiban.id == "4127" and laiban.historical and laiban.title == "Laiban – AI-assistent i förskolan"
    assert (laiban.status, laiban.phase, laiban.progress) == ("active", "utveckla_pilot", 75)
    assert laiban.administration == "SOF" and laiban.participating_administrations == ("SLF",)
    assert laiban.summary.what == "En AI-assistent som barnen pratar med.\n\nDen svarar på frågor\noch föreslår lekar."
    assert laiban.summary.why == "Pedagogerna vill ha mer tid med barnen."
    assert laiban.summary.how == "Pilot på tre förskolor\n\nUtvärdering efter ett år"
    assert laiban.category == "Digitalisering & Teknik" and laiban.challenge == "Ett livslångt lärande"
    assert laiban.technologies == ("AI", "Röststyrning") and laiban.global_goals == (4,)
    assert laiban.estimated_budget == "1200000.00"
    assert laiban.funds_granted == (Funds("SOF", "250000.00", "2021-04-01"),
                                    Funds("Innovationsfonden", "150000.00", "2022-01-15"))
    assert laiban.funds_used == (Funds("SOF", "98500.50", "2021-12-31"),)  # no comment: the owner's
    assert [(g.goal, g.completed) for g in laiban.impact_goals] == [
        ("Pedagogerna får en timme mer med barnen varje vecka", False), ("Barnen använder assistenten varje dag", True)]
    assert laiban.contact == Contact("Innovationsledare SOF", "innovation@helsingborg.se")
    assert laiban.published_at == "2021-03-04T09:20:30+00:00" and laiban.updated_at == "2023-06-12T12:05:00+00:00"
    assert laiban.challenges_core_business and not laiban.city_wide
    assert (classroom.status, classroom.progress, classroom.phase, classroom.phase_reached) == \
        ("aborted", -1, None, "utforska_upplagg")  # got to 40 of 100 before it was cancelled
    assert classroom.lessons_learned == ("Lärarna hade inte tid att delta under terminen.", "Nästa gång: börja i augusti.")
    assert classroom.city_wide and classroom.internal and classroom.summary.what.startswith("Ett nätverk")
    assert (sallbo.status, sallbo.phase, sallbo.progress) == ("realised", None, 100)  # a term of the city's own
    assert sallbo.administration == "Helsingborgshem" and sallbo.summary.what == "Boende för äldre och unga tillsammans."


def test_a_served_sample_is_read_back_the_same():
    for record in read_projects(json.loads(SAMPLE.read_text(encoding="utf-8")))[0]:
        assert from_wp_project(json.loads(json.dumps(to_wp_project(record, BASE)))) == record


def test_an_aborted_record_keeps_how_far_it_got():
    record = PublicRecord(id="17", title="Stoppad", status="aborted", progress=-1, phase_reached="utveckla_pilot",
                          administration="MF")
    served = to_wp_project(record, BASE)
    assert served["id"] == 17 and served["status"][0]["slug"] == "avbruten"
    assert served["previous_status"] == str(term_id("status", "testas-som-pilot"))
    assert served["previous_status_progress_value"] == "60"
    del served["innovation"]  # as the city's own data: no extension
    assert from_wp_project(served).phase_reached == "utveckla_pilot"


def _sample() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))[0]


@pytest.mark.parametrize(("change", "field"), [
    ({"id": None}, "id"),
    ({"id": True}, "id"),
    ({"title": {"rendered": "  "}}, "title"),
    ({"title": 5}, "title"),
    ({"organisation": None}, "organisation"),
    ({"organisation": [{"slug": "x"}]}, "organisation[0]"),
    ({"status": None}, "status"),
    ({"status": [{"name": "Pilot", "progress_value": "hög"}]}, "status[0].progress_value"),
    ({"status": [{"name": "Pilot", "progress_value": 250}]}, "status[0].progress_value"),
    ({"funds_granted": [{"amount": "tusen", "date": "2021-01-01"}]}, "funds_granted[0].amount"),
    ({"funds_granted": [{"amount": "-5", "date": "2021-01-01"}]}, "funds_granted[0].amount"),
    ({"funds_used": [{"amount": "5", "date": "igår"}]}, "funds_used[0].date"),
    ({"funds_used": [{"date": "2021-01-01"}]}, "funds_used[0].amount"),
    ({"funds_used": "mycket"}, "funds_used"),
    ({"estimated_budget": "NaN"}, "estimated_budget"),
    ({"impact_goals": [{"impact_goal": "x", "impact_goal_completed": "kanske"}]}, "impact_goals[0].impact_goal_completed"),
    ({"global_goal": [{"name": "Hållbarhet", "slug": "hallbarhet"}]}, "global_goal[0]"),
    ({"global_goal": [{"name": "18. Mål", "slug": "18-mal"}]}, "global_goal[0]"),
    ({"city_wide_initiative": "ja"}, "city_wide_initiative"),
    ({"contacts": [{"name": "Ada", "email": "inte en adress"}]}, "contacts[0].email"),
    ({"date_gmt": "i fjol"}, "date_gmt"),
    ({"challenge": {"ID": 3}}, "challenge"),
    ({"project_lessons_learned": ["a"]}, "project_lessons_learned"),
    ({"innovation": {"kind": "okänd"}}, "innovation.kind"),
    ({"innovation": {"start_date": "snart"}}, "innovation.start_date"),
])
def test_a_broken_field_is_named(change, field):
    with pytest.raises(WordPressFormatError) as raised:
        from_wp_project({**_sample(), **change})
    assert field in [where for where, _ in raised.value.problems]
    assert str(raised.value).startswith(field) or f"; {field}:" in str(raised.value)


def test_every_broken_field_is_named_at_once():
    with pytest.raises(WordPressFormatError) as raised:
        from_wp_project({**_sample(), "organisation": None, "estimated_budget": "x", "city_wide_initiative": 7})
    assert [where for where, _ in raised.value.problems] == ["organisation", "estimated_budget", "city_wide_initiative"]


def test_a_body_that_is_not_a_list_of_projects_is_refused_and_broken_items_are_listed():
    with pytest.raises(WordPressFormatError, match="body"):
        read_projects({"id": 1})
    records, broken = read_projects([_sample(), "text", {**_sample(), "id": 9, "status": None}])
    assert [r.id for r in records] == ["4127"]
    assert [(position, ident, [w for w, _ in error.problems]) for position, ident, error in broken] == [
        (1, "", ["project"]), (2, "9", ["status"])]


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                      max_size=3), max_leaves=12)
keys = st.sampled_from(["id", "title", "status", "organisation", "funds_granted", "funds_used", "impact_goals",
                        "global_goal", "date", "date_gmt", "modified", "contacts", "challenge", "innovation",
                        "estimated_budget", "project_what", "project_lessons_learned", "resident_involvement",
                        "city_wide_initiative", "previous_status", "previous_status_progress_value"])


@given(st.dictionaries(keys, json_values, max_size=8))
def test_any_json_is_read_or_refused_with_named_fields(overrides):
    try:
        record = from_wp_project({**_sample(), **overrides})
    except WordPressFormatError as error:
        assert error.problems and all(where and what for where, what in error.problems)
    else:
        assert record.historical and record.title and record.id


def test_times_are_read_in_the_sites_zone_when_no_gmt_is_given():
    project = {**_sample(), "date_gmt": None, "date": "2021-07-01T12:00:00"}
    assert from_wp_project(project).published_at == datetime(2021, 7, 1, 10, tzinfo=UTC).isoformat()
    assert to_wp_project(from_wp_project(project), BASE)["date"] == "2021-07-01T12:00:00"


def test_cost_so_far_sums_the_funds_used():
    record = PublicRecord(id="1", title="T", administration="SF",
                          funds_used=(Funds("SF", "100.50", "2021-01-01"), Funds("SF", "0.25", "2021-02-01")))
    assert Decimal(to_wp_project(record, BASE)["cost_so_far"]) == Decimal("100.75")
