"""The publish step over the HTTP API and the public formats: nothing is public until a
coordinator of the initiative's administration approves it; a later text change waits for its
approval; a withdrawn consent removes the name at once; hostile content is a 422 on the field."""
from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application import publication
from innovation.domain.publication import PublicRecord
from innovation.driver import Driver, criteria, evaluation, start_data
from tests.api.flows import ApiInitiative
from tests.api.test_hostile_input import assert_refused


def everywhere(api, page) -> str:
    """Everything the public can read: the API's list and each record, the pages, CSV and JSON."""
    visitor, anyone = page(), api.as_(None)
    listed = anyone.get("/api/public/initiatives").json
    parts = [str(listed), visitor.get("/public/initiatives").get_data(as_text=True),
             visitor.get("/public/initiatives.csv").get_data(as_text=True),
             visitor.get("/public/initiatives.json").get_data(as_text=True)]
    for item in listed:
        parts += [str(anyone.get(f"/api/public/initiatives/{item['id']}").json),
                  visitor.get(f"/public/initiatives/{item['id']}").get_data(as_text=True)]
    return "\n".join(parts)


def test_an_unpublished_initiative_appears_nowhere_public(api, engine, clock, page):
    flow = ApiInitiative(api, engine, clock)
    flow.to_pilot()
    anyone, visitor = api.as_(None), page()
    assert anyone.get("/api/public/initiatives").json == []
    assert anyone.get(f"/api/public/initiatives/{flow.id}").status_code == 404
    assert visitor.get(f"/public/initiatives/{flow.id}").status_code == 404
    assert "lånecykel" not in everywhere(api, page) and visitor.get("/public/initiatives.json").json["initiatives"] == []
    body = visitor.get("/public/initiatives.csv").get_data(as_text=True).lstrip("\ufeff")
    assert list(csv.reader(io.StringIO(body), delimiter=";"))[1:] == []
    flow.api.as_("ivar").put(f"/api/publications/{flow.id}/draft",
                             json=api.as_("ivar").get(f"/api/publications/{flow.id}").json["draft"])
    assert anyone.get("/api/public/initiatives").json == []  # a saved draft is not public either
    flow.publish()
    assert [item["id"] for item in anyone.get("/api/public/initiatives").json] == [flow.id]
    assert "Digital lånecykel" in everywhere(api, page)


def test_only_a_coordinator_of_its_administration_or_an_admin_publishes(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)  # SOF
    draft = api.as_("ivar").get(f"/api/publications/{flow.id}").json["draft"]
    for user in ("fredrik", "ada", "owner", "frida"):  # FF's coordinator, the idea owner, a process owner, a decider
        refused = api.as_(user).post(f"/api/publications/{flow.id}/publish", json=draft)
        assert refused.status_code == 403, (user, refused.json)
        assert api.as_(user).get(f"/api/publications/{flow.id}").status_code == 403
    assert "FF" in api.as_("fredrik").post(f"/api/publications/{flow.id}/publish", json=draft).json["message"]
    assert api.as_(None).get(f"/api/public/initiatives/{flow.id}").status_code == 404
    assert api.as_("admin").post(f"/api/publications/{flow.id}/publish", json=draft).status_code == 200
    history = api.as_("admin").get("/api/instances/" + flow.id + "/history").json
    assert any(h["action"] == "access_denied" and h["actor"] == "fredrik" for h in history)
    assert any(h["action"] == "public_record_published" and h["actor"] == "admin" for h in history)


def test_a_later_text_change_is_public_only_once_approved_while_facts_follow(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    first = flow.publish(title="Lånecykel", summary={"what": "Cyklar att låna.", "why": "", "how": ""})
    published_at, version_1 = first["published_at"], flow.public()
    assert (version_1["title"], version_1["phase"], version_1["progress"]) == ("Lånecykel", "utforska_ide", 20)
    clock.advance(hours=1)
    changed = {**first["draft"], "title": "Lånecykel 2.0", "summary": {"what": "Elcyklar.", "why": "", "how": ""}}
    saved = api.as_("ivar").put(f"/api/publications/{flow.id}/draft", json=changed)
    assert saved.status_code == 200 and saved.json["pending"] and saved.json["version"] == 1
    assert flow.public() == version_1  # the public keeps the last approved text
    clock.advance(hours=1)
    flow.to_money_gate()  # a fact, not free text: follows at once, with a new updated_at
    moved = flow.public()
    assert (moved["title"], moved["phase"], moved["progress"]) == ("Lånecykel", "utforska_upplagg", 40)
    assert moved["updated_at"] > version_1["updated_at"] and moved["published_at"] == published_at
    assert api.as_("ivar").get(f"/api/publications/{flow.id}").json["draft"]["title"] == "Lånecykel 2.0"
    clock.advance(hours=1)
    approved = api.as_("ivar").post(f"/api/publications/{flow.id}/publish", json=changed).json
    assert (approved["version"], approved["pending"]) == (2, False)
    assert [(v["version"], v["published_by"]) for v in approved["history"]] == [(2, "ivar"), (1, "ivar")]
    now = flow.public()
    assert (now["title"], now["summary"]["what"], now["published_at"]) == ("Lånecykel 2.0", "Elcyklar.",
                                                                           published_at)
    with engine.reading() as session:
        assert publication.public_changes(session, 1)[0].title == "Lånecykel 2.0"


def test_consent_is_given_and_withdrawn_by_the_idea_owner_and_withdrawal_is_immediate(api, engine, clock, page):
    flow = ApiInitiative(api, engine, clock)
    flow.publish()
    assert flow.public()["idea_owner"] is None  # nothing personal by default
    assert api.as_("ivar").put(f"/api/publications/{flow.id}/consent",
                               json={"name_consent": True}).status_code == 403  # only the owner gives it
    given = api.as_("ada").put(f"/api/publications/{flow.id}/consent", json={"name_consent": True})
    assert given.status_code == 200 and given.json["public_name"] == "Ada Lind"
    assert flow.public()["idea_owner"] == "Ada Lind" and "Ada Lind" in everywhere(api, page)
    withdrawn = api.as_("ada").put(f"/api/publications/{flow.id}/consent", json={"name_consent": False})
    assert withdrawn.json["public_name"] is None and "Ada Lind" not in everywhere(api, page)
    api.as_("ada").put(f"/api/publications/{flow.id}/consent", json={"name_consent": True})
    assert api.as_("ivar").put(f"/api/publications/{flow.id}/consent",  # a coordinator may withdraw it
                               json={"name_consent": False}).json["name_consent"] is False
    assert "Ada Lind" not in everywhere(api, page) and "ada.lind@" not in everywhere(api, page)
    assert api.as_("bo").get(f"/api/publications/{flow.id}/consent").status_code == 403
    assert api.as_("fredrik").put(f"/api/publications/{flow.id}/consent",
                                  json={"name_consent": False}).status_code == 403


@pytest.mark.parametrize("change, field", [
    ({"title": "a\x00b"}, "/title"),
    ({"title": "x" * 301}, "/title"),
    ({"title": 5}, "/title"),
    ({"summary": {"what": "y" * 10_001}}, "/summary/what"),
    ({"summary": "text"}, "/summary"),
    ({"global_goals": [0, 18]}, "/global_goals/0"),
    ({"global_goals": ["x"]}, "/global_goals/0"),
    ({"estimated_budget": "many"}, "/estimated_budget"),
    ({"estimated_budget": 1.5}, "/estimated_budget"),
    ({"show": {"funds": "yes"}}, "/show/funds"),
    ({"category": "no_such_term"}, "/category"),
    ({"participating_administrations": ["XX"]}, "/participating_administrations/0"),
    ({"lessons_learned": ["Mejla mig: ada.lind@helsingborg.se"]}, "/lessons_learned/0"),
    ({"impact_goals": [{"id": "x"}]}, "/impact_goals/0/goal"),
    ({"partners": ["p"] * 51}, "/partners"),
    ({"nonsense": 1}, "/"),
])
def test_hostile_content_is_refused_on_its_field(api, engine, clock, change, field):
    flow = ApiInitiative(api, engine, clock)
    draft = api.as_("ivar").get(f"/api/publications/{flow.id}").json["draft"]
    for path in (f"/api/publications/{flow.id}/publish", f"/api/publications/{flow.id}/draft"):
        call = api.as_("ivar").post if path.endswith("publish") else api.as_("ivar").put
        body = assert_refused(call(path, json={**draft, **change}), 422)
        assert field in {d["field"] for d in body["details"]} or (
            field == "/" and any("nonsense" in d["message"] for d in body["details"])), body
    assert api.as_(None).get(f"/api/public/initiatives/{flow.id}").status_code == 404


def test_hostile_bodies_and_arguments(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    assert_refused(api.as_("ivar").post(f"/api/publications/{flow.id}/publish", json=[1, 2]), 422)
    assert_refused(api.as_("ada").put(f"/api/publications/{flow.id}/consent", json={"name_consent": "ja"}),
                   422, "/name_consent")
    assert_refused(api.as_("admin").put("/api/publications/terms/colour/red", json={"name_sv": "Röd",
                                                                                  "name_en": "Red"}), 422, "/vocabulary")
    assert_refused(api.as_("admin").put("/api/publications/terms/sector/x", json={"name_sv": "x" * 101,
                                                                                "name_en": "x"}), 422, "/name_sv")
    assert_refused(api.get("/api/public/initiatives?q=" + "q" * 301), 422, "/q")
    assert_refused(api.get("/api/public/initiatives?page=0"), 422, "/page")
    assert api.as_("ivar").get("/api/publications/nope").status_code == 404


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(["title", "summary", "summary_en", "lessons_learned", "global_goals",
                                        "estimated_budget", "show", "impact_goals", "partners", "category",
                                        "city_wide"]),
                       st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                                    | st.text(max_size=20), lambda inner: st.lists(inner, max_size=3)
                                    | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=6),
                       min_size=1))
def test_any_content_is_saved_or_refused_on_a_field_never_an_error(api, engine, clock, change):
    flow_id = ApiInitiative(api, engine, clock).id
    draft = api.as_("ivar").get(f"/api/publications/{flow_id}").json["draft"]
    response = api.as_("ivar").put(f"/api/publications/{flow_id}/draft", json={**draft, **change})
    assert response.status_code in (200, 422), response.get_data(as_text=True)[:500]
    if response.status_code == 422:
        assert all(d["field"] for d in response.json["details"]) and response.json["details"]


TOKEN = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=6, max_size=12)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(email=st.emails(), rationale=TOKEN, comment=TOKEN, lesson=TOKEN, note=TOKEN, title=TOKEN)
def test_nothing_unreviewed_or_personal_is_ever_public(api, engine, clock, page, email, rationale, comment, lesson,
                                                       note, title):
    """For generated inputs: the idea owner's e-mail, a gate's rationale, a score's comment, a
    pilot's notes and lessons that nobody approved appear in no public format."""
    secrets = [f"MOTIV{rationale}", f"KOMMENTAR{comment}", f"LARDOM{lesson}", f"ANTECKNING{note}"]
    data = start_data(f"TITEL{title}", need=f"Behov {secrets[3]}")
    data["idea_owner"] = {"name": "Ada Lind", "email": email, "show_publicly": False}
    d = Driver.submit(engine, clock, data)
    d.screen(screening_rationale=secrets[0])
    d.complete("beslut_tid", {"time_decision": "go", "time_rationale": secrets[0]})
    d.complete("utforska_behov", {"need_analysis": secrets[3], "hypothesis": secrets[3], "estimated_value": 1,
                                  "estimated_effects": secrets[3]})
    scored = criteria(3)
    for answer in scored["criteria"].values():
        answer["comment"] = secrets[1]
    d.complete("bedom_kriterier", scored)
    d.plan([("SOF", 100_000)])
    d.gate_money("grant", [("SOF", 100_000)])
    d.wait(days=31)
    d.complete("utvardera_pilot", {**evaluation("continue", [("SOF", 1_000)]), "lessons": f"{secrets[2]} {email}"})
    reviewed = {"title": f"TITEL{title}", "summary": {"what": "Granskad text.", "why": "", "how": ""},
                "impact_goals": [{"id": "tid_sparad", "goal": "Sparad tid", "comment": "", "completed": False}]}
    assert api.as_("ivar").post(f"/api/publications/{d.instance_id}/publish", json=reviewed).status_code == 200
    public = everywhere(api, page)
    assert f"TITEL{title}" in public and "Sparad tid" in public
    for secret in [*secrets, email, email.lower()]:
        assert secret not in public, secret
    with engine.reading() as session:
        record = publication.public_record(session, d.instance_id)
    assert isinstance(record, PublicRecord) and record.lessons_learned == ()


def test_an_admin_renames_a_term_and_every_published_record_follows(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.publish(category="digitalisering_teknik", technologies=["ai", "oppna_data"])
    assert (flow.public()["category"], flow.public()["technologies"]) == (
        "Digitalisering & Teknik", ["Artificiell intelligens", "Öppna data"])
    rename = {"name_sv": "Digitalt & tekniskt", "name_en": "Digital & technical"}
    assert api.as_("ivar").put("/api/publications/terms/category/digitalisering_teknik", json=rename).status_code == 403
    assert api.as_("admin").put("/api/publications/terms/category/digitalisering_teknik",
                                json=rename).status_code == 200
    assert flow.public()["category"] == "Digitalt & tekniskt"
    added = api.as_("admin").put("/api/publications/terms/sector/forskning", json={"name_sv": "Forskning",
                                                                                  "name_en": "Research"})
    assert added.json == {"vocabulary": "sector", "key": "forskning", "name_sv": "Forskning", "name_en": "Research"}
    assert added.json in api.as_(None).get("/api/public/terms").json
