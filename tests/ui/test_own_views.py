"""Each role's own pages: where a sign-in lands, what each page shows and refuses, overdue said in
words, and the process owners' default due dates."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.api.flows import ApiInitiative
from tests.ui.conftest import text


@pytest.mark.parametrize("user, landing", [
    ("ada", "/my-initiatives"), ("frida", "/administration"), ("ivar", "/pipeline"),
    ("admin", "/monitor/dashboard"), ("owner", "/modeler"),
])
def test_each_role_lands_on_its_own_work(page, user, landing):
    assert page(user).get("/").headers["Location"] == landing


def test_someone_with_several_roles_lands_on_the_first_and_is_linked_to_the_others(page, engine):
    from application import accounts
    with engine.db.unit_of_work(write=True) as uow:
        accounts.grant(uow.session, "ada", "coordinator", "SOF")
        uow.commit()
    ada = page("ada")
    assert ada.get("/").headers["Location"] == "/my-initiatives"
    body = ada.get("/my-initiatives").get_data(as_text=True)
    assert 'aria-label="Mina vyer"' in body and 'href="/pipeline"' in body


def test_the_idea_owner_sees_the_next_step_its_holder_and_the_decisions(page, api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    ApiInitiative(api, engine, clock, owner="bo", administration="FF")
    flow.screen()
    shown = text(page("ada").get("/my-initiatives"))
    assert "Digital lånecykel" in shown and "Utforska idé" in shown and "Pågår" in shown
    assert "Beslut tid – väntar på Närmaste chef (Skol- och fritidsförvaltningen)" in shown
    assert "Granskning för SOF: Godkänd – Granskat. (ivar" in shown
    assert shown.count("Digital lånecykel") == 1  # bo's initiative is not here
    assert "Försenad" not in shown
    clock.advance(days=15)
    overdue = text(page("ada").get("/my-initiatives"))
    assert "Har försenade steg" in overdue and "Försenad" in overdue
    english = text(page("ada").get("/my-initiatives?lang=en"))
    assert "Working time granted" not in english and "Screening for SOF: Accepted" in english
    assert page("frida").get("/my-initiatives").status_code == 403


def test_the_decision_maker_sees_the_administrations_decisions_and_budget(page, api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.to_pilot(amount=250_000)
    waiting = ApiInitiative(api, engine, clock, owner="bo")
    waiting.screen()
    shown = text(page("frida").get("/administration"))
    assert "Skol- och fritidsförvaltningen" in shown and "Väntar på beslut (1)" in shown and "Beslut tid" in shown
    assert "Reserverat" in shown and "250 000 kr" in shown and str(clock.now().year) in shown
    assert page("frida").get("/administration?administration=FF").status_code == 403
    assert page("ivar").get("/administration").status_code == 403


def test_the_pipeline_marks_stuck_and_overdue_in_words(page, api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.screen()
    ApiInitiative(api, engine, clock, owner="bo", administration="FF")
    shown = text(page("ivar").get("/pipeline"))
    assert "Utforska idé (1)" in shown and "0 har fastnat, 0 har försenade steg." in shown
    clock.advance(days=20)
    later = text(page("ivar").get("/pipeline"))
    assert "Fastnat: 20 dagar utan förändring" in later and "1 har fastnat, 1 har försenade steg." in later
    assert "Alla förvaltningar" in text(page("admin").get("/pipeline"))
    assert page("ada").get("/pipeline").status_code == 403


def test_the_task_page_says_when_it_is_overdue(page, api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.screen()
    task = flow.task("frida", "beslut_tid")
    due = datetime.fromisoformat(task["due_at"])
    assert due - clock.now() == timedelta(days=14)
    assert "Försenad" not in text(page("frida").get(f"/tasks/{task['id']}"))
    clock.advance(days=15)
    shown = due.astimezone(ZoneInfo("Europe/Stockholm"))  # pages show the city's clock
    assert f"Förfaller: {shown:%Y-%m-%d %H:%M} Försenad" in text(page("frida").get(f"/tasks/{task['id']}"))


def test_a_process_owner_sets_and_removes_a_default_on_the_page(page, api, engine, clock):
    owner = page("owner")
    listing = text(owner.get("/due-dates"))
    assert "dueIn P14D" in listing and "dueIn P21D" in listing and "dueIn P30D" in listing
    refused = owner.post("/due-dates?process_key=innovation", data={"element_id": "granska_initiativ",
                                                                    "duration": "två veckor"})
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.get_data(as_text=True)
    saved = owner.post("/due-dates?process_key=innovation", data={"element_id": "granska_initiativ",
                                                                  "duration": "P3D"})
    assert saved.status_code == 302
    assert 'value="P3D"' in owner.get("/due-dates").get_data(as_text=True)
    flow = ApiInitiative(api, engine, clock)
    task = flow.task("ivar", "granska_initiativ")
    assert datetime.fromisoformat(task["due_at"]) == clock.now() + timedelta(days=3)
    owner.post("/due-dates?process_key=innovation", data={"element_id": "granska_initiativ", "duration": ""})
    assert 'value="P3D"' not in owner.get("/due-dates").get_data(as_text=True)
    assert page("ivar").get("/due-dates").status_code == 403
