"""The publish step's rules: reviewed text with live facts, nothing personal without consent."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from innovation.domain.initiative import (
    add_lesson,
    apply_measurements,
    enter_phase,
    finish,
    record_assessment,
    record_from_start_data,
    set_effect_goals,
)
from innovation.domain.publication import Contact, Funds, PublicRecord
from innovation.domain.publishing import EMAIL, draft_from, emails_in, progress, serve
from innovation.domain.scoring import CRITERIA, assess

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
OWNER_EMAIL = "anna.andersson@example.org"
CONTACT = Contact("Innovationsledare, Skol- och fritidsförvaltningen", "innovation.sof@helsingborg.se")


def record(show=False):
    return record_from_start_data({
        "title": "Laiban", "description": "AI-assistent", "need": "Mer tid med barnen", "kind": "idedriven",
        "administration": "SOF", "collaborators": ["Lunds universitet"], "strategic_area": "Lärande",
        "idea_owner": {"name": "Anna Andersson", "email": OWNER_EMAIL, "show_publicly": show}})


def piloted():
    r = enter_phase(record(), "utforska_ide", T0)
    r = record_assessment(r, assess({c.key: {"score": 3, "comment": "hemlig kommentar"} for c in CRITERIA}),
                          assessed_by="ivar", assessed_at=T0)
    r = enter_phase(r, "utveckla_pilot", T0 + timedelta(days=10))
    r = set_effect_goals(r, [{"id": "tid", "description": "Mer tid", "unit": "min", "baseline": 0, "target": 30}])
    r = apply_measurements(r, {"tid": 20}, T0 + timedelta(days=20))
    return add_lesson(r, "Ogranskad lärdom")


def test_the_draft_is_prefilled_from_the_record_and_the_plan():
    draft = draft_from(piloted(), {"partners": ["Lunds universitet", "Hbg Works"], "estimated_cost": 400_000,
                                   "requested_funds": [{"administration": "SLF", "amount": 1}], "hypothesis": "H.",
                                   "start_date": "2025-04-01", "pilot_end_date": "2025-08-01",
                                   "test_group": "två förskolor"}, CONTACT)
    assert draft["summary"] == {"what": "AI-assistent", "why": "Mer tid med barnen",
                                "how": "H.\n\nPiloten pågår 2025-04-01–2025-08-01 med två förskolor."}
    assert draft["partners"] == ["Lunds universitet", "Hbg Works"]
    assert draft["participating_administrations"] == ["SLF"] and draft["estimated_budget"] == 400_000
    assert draft["impact_goals"] == [{"id": "tid", "goal": "Mer tid", "comment": "", "completed": False}]
    assert draft["lessons_learned"] == ["Ogranskad lärdom"]  # a candidate: public only once approved


def test_the_public_record_joins_approved_text_with_live_facts():
    r = piloted()
    content = {**draft_from(r, {}, CONTACT), "lessons_learned": [], "title": "Laiban – granskad"}
    granted = (Funds("SOF", "200000.00", "2025-04-01"),)
    served = serve("i-1", content, r, granted=granted, used=(), consent=False, terms={}, published_at=None,
                   updated_at=None)
    assert (served.title, served.status, served.phase, served.progress) == ("Laiban – granskad", "active",
                                                                             "utveckla_pilot", 60)
    assert served.lessons_learned == () and served.idea_owner is None and served.innovation_height == "9 av 9"
    assert (served.impact_goals[0].latest, served.impact_goals[0].target) == (20.0, 30.0)
    assert served.funds_granted == granted and served.start_date == "2025-03-01"
    text = json.dumps(served.to_dict(), ensure_ascii=False)
    assert "hemlig kommentar" not in text and OWNER_EMAIL not in text and "Anna Andersson" not in text
    hidden = serve("i-1", {**content, "show": {"funds": False, "innovation_height": False}}, r, granted=granted,
                   used=(), consent=True, terms={}, published_at=None, updated_at=None)
    assert (hidden.funds_granted, hidden.innovation_height, hidden.idea_owner) == ((), None, "Anna Andersson")
    assert PublicRecord.from_dict(served.to_dict()) == served


def test_an_aborted_initiative_shows_how_far_it_got():
    r = finish(piloted(), "aborted", T0 + timedelta(days=40))
    served = serve("i-1", draft_from(r, {}, CONTACT), r, granted=(), used=(), consent=False, terms={},
                   published_at=None, updated_at=None)
    assert (served.status, served.progress, served.phase, served.phase_reached) == (
        "aborted", -1, None, "utveckla_pilot")
    assert served.end_date == "2025-04-10" and progress(finish(piloted(), "realised", T0)) == 100


def test_terms_are_stored_by_key_and_shown_by_name():
    r = record()
    content = {**draft_from(r, {}, CONTACT), "category": "digitalisering_teknik", "technologies": ["ai"]}
    served = serve("i-1", content, r, granted=(), used=(), consent=False, published_at=None, updated_at=None,
                   terms={("category", "digitalisering_teknik"): "Digitalisering & Teknik",
                          ("technology", "ai"): "Artificiell intelligens"})
    assert (served.category, served.technologies) == ("Digitalisering & Teknik", ("Artificiell intelligens",))


def test_e_mail_addresses_in_the_text_are_found_by_field():
    content = {"title": "x", "summary": {"what": "Mejla anna@example.org"}, "lessons_learned": ["a", "b@c.se!"],
               "contact": {"email": "innovation.sof@helsingborg.se"}}
    assert emails_in(content) == ["/summary/what", "/lessons_learned/1"]


@given(st.emails())
def test_every_e_mail_address_is_recognised(address):
    assert EMAIL.search(f"Skriv till {address} i dag")
