"""The publish step's pages: review and publish, consent, vocabularies."""
from __future__ import annotations

from dataclasses import replace

import pytest

from application.settings import Settings
from innovation.driver import start_data
from tests.api.test_publication_read import OLD, _import
from tests.ui.conftest import text


def _submit(engine, title="Laiban", administration="SOF"):
    return engine.start("innovation", start_data(title, administration), actor="ada")["id"]


def test_a_coordinator_reviews_and_publishes_and_the_public_sees_it(page, engine):
    initiative = _submit(engine)
    visitor = page()
    assert visitor.get(f"/public/initiatives/{initiative}").status_code == 404
    ivar = page("ivar")
    shown = ivar.get(f"/initiatives/{initiative}/publication")
    assert shown.status_code == 200 and "Laiban: en beskrivning." in text(shown)  # prefilled from the record
    body = shown.get_data(as_text=True)
    assert 'name="/summary/what"' in body
    form = {"/title": "Laiban – AI i förskolan", "/summary/what": "En AI-assistent.", "/summary/why": "Tid.",
            "/summary/how": "Pilot.", "/summary_en/what": "An AI assistant.", "/show/funds": "on",
            "/city_wide": "on", "/category": "larande_utbildning", "_publish": "1"}
    published = ivar.post(f"/initiatives/{initiative}/publication", data=form)
    assert published.status_code == 302, text(published)
    detail = text(visitor.get(f"/public/initiatives/{initiative}"))
    assert "Laiban – AI i förskolan" in detail and "En AI-assistent." in detail
    assert "innovation.sof@helsingborg.se" in detail and "Ada Lind" not in detail
    assert "Kännetecken Stadsgemensamt initiativ" in detail and "Lärande &amp; Utbildning" in detail, detail
    assert "An AI assistant." in text(visitor.get(f"/public/initiatives/{initiative}?lang=en"))
    assert "Laiban – AI i förskolan" in text(visitor.get("/public/initiatives"))
    # a coordinator of another administration may not
    assert page("fredrik").get(f"/initiatives/{initiative}/publication").status_code == 403
    assert page("fredrik").post(f"/initiatives/{initiative}/publication", data=form).status_code == 403


def test_the_review_page_names_the_refused_field(page, engine):
    initiative = _submit(engine)
    refused = page("ivar").post(f"/initiatives/{initiative}/publication",
                                data={"/title": "", "/summary/what": "Skriv till ada@example.org", "_publish": "1"})
    assert refused.status_code == 422
    assert 'id="f-title"' in refused.get_data(as_text=True) and "e-postadress" in text(refused)
    assert page().get(f"/public/initiatives/{initiative}").status_code == 404


def test_the_idea_owner_gives_and_withdraws_consent_on_their_own_page(page, engine):
    from tests.publishing import publish
    initiative = _submit(engine)
    publish(engine, initiative)
    ada = page("ada")
    assert initiative in ada.get("/my-initiatives").get_data(as_text=True)
    assert "Namnet visas inte" in text(ada.get(f"/initiatives/{initiative}/public"))
    ada.post(f"/initiatives/{initiative}/public", data={"name_consent": "yes"})
    assert "Ada Lind" in text(page().get(f"/public/initiatives/{initiative}"))
    ada.post(f"/initiatives/{initiative}/public", data={"name_consent": "no"})
    assert "Ada Lind" not in text(page().get(f"/public/initiatives/{initiative}"))
    assert "Ada Lind" not in page().get("/public/initiatives.csv").get_data(as_text=True)
    assert page("bo").get(f"/initiatives/{initiative}/public").status_code == 403  # not theirs


def test_an_admin_adds_and_renames_a_term(page, engine):
    admin = page("admin")
    assert "Digitalisering &amp; Teknik" in admin.get("/public/terms").get_data(as_text=True)
    saved = admin.post("/public/terms", data={"vocabulary": "technology", "key": "kvant", "name_sv": "Kvantdatorer",
                                               "name_en": "Quantum computing"})
    assert saved.status_code == 302 and "Kvantdatorer" in text(admin.get("/public/terms"))
    refused = admin.post("/public/terms", data={"vocabulary": "x", "key": "Ä", "name_sv": "", "name_en": "y"})
    assert refused.status_code == 422 and "/vocabulary" in text(refused) and "/key" in text(refused)
    assert page("ivar").get("/public/terms").status_code == 403


def test_hostile_review_and_consent_posts_are_refused_never_an_error(page, engine):
    initiative = _submit(engine)
    ivar = page("ivar")
    for form, field in [({"/title": "x" * 301, "/summary/what": "a"}, 'id="f-title-error"'),
                        ({"/title": "t", "/summary/what": "a", "/global_goals/0": "99",
                          "_rows:/global_goals": "0"}, 'id="f-global_goals-0-error"'),
                        ({"/title": "t", "/summary/what": "a", "/estimated_budget": "många"},
                         'id="f-estimated_budget-error"')]:
        refused = ivar.post(f"/initiatives/{initiative}/publication", data={**form, "_publish": "1"})
        assert refused.status_code == 422 and field in refused.get_data(as_text=True), text(refused)[:400]
    assert ivar.post(f"/initiatives/{initiative}/publication", data={"/title": "a\x00b"}).status_code == 422
    assert page("ada").post(f"/initiatives/{initiative}/public", data={"name_consent": "\x00"}).status_code == 422
    assert page().get(f"/public/initiatives/{initiative}").status_code == 404


def test_the_contact_mailbox_is_configurable(app, page, engine):
    assert Settings.from_environment({"PUBLIC_CONTACT_EMAIL": "ledare.{code}@hbg.se"}).public_contact_email \
        == "ledare.{code}@hbg.se"
    with pytest.raises(ValueError, match="PUBLIC_CONTACT_EMAIL"):
        Settings.from_environment({"PUBLIC_CONTACT_EMAIL": "{name}@hbg.se"})
    initiative = _submit(engine, administration="MF")
    configured = app.extensions["settings"]
    app.extensions["settings"] = replace(configured, public_contact_email="innovationsledare-{code}@hbg.example")
    try:
        page("ivar").post(f"/initiatives/{initiative}/publication", data={
            "/title": "Källsortering", "/summary/what": "Sortera.", "_publish": "1"})
    finally:
        app.extensions["settings"] = configured
    assert "innovationsledare-mf@hbg.example" in text(page().get(f"/public/initiatives/{initiative}"))


def test_a_historical_record_shows_on_the_pages_and_in_the_downloads(engine, page):
    _import(engine, OLD)
    visitor = page()
    detail = visitor.get(f"/public/initiatives/{OLD.id}")
    assert detail.status_code == 200 and "Digital anslagstavla" in detail.get_data(as_text=True)
    assert "tidigare innovationsdatabas" in detail.get_data(as_text=True)
    assert "Digital anslagstavla" in visitor.get("/public/initiatives").get_data(as_text=True)
    assert visitor.get("/public/initiatives.json").json["initiatives"][0]["historical"] is True
    assert "Digital anslagstavla" in visitor.get("/public/initiatives.csv").get_data(as_text=True)
