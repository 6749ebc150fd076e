"""The notification pages: the unread count in every page's header, the list, mark read, settings."""
from __future__ import annotations

import re

from sqlalchemy import update

from application import notifications
from application.accounts import User
from innovation.driver import setup
from tests.api.flows import ApiInitiative
from tests.ui.conftest import text


def unread_badge(response) -> str | None:
    found = re.search(r'id="unread-count">(\d+)<', response.get_data(as_text=True))
    return found.group(1) if found else None


def test_unread_count_list_and_mark_read(api, engine, clock, page):
    flow = ApiInitiative(api, engine, clock)
    flow.screen()  # ivar and frida are told of the tasks that opened for their roles
    flow.complete("frida", "beslut_tid", {"time_decision": "go", "time_rationale": "Bra idé."})
    ada = page("ada")
    # the screening and the time decision on her initiative and the task it opened for her, on any page
    assert unread_badge(ada.get("/inbox")) == "3"
    assert unread_badge(ada.get("/public/initiatives")) == "3"
    listing = ada.get("/notifications?lang=en")
    assert listing.status_code == 200
    assert "Decision on Digital lånecykel: go ahead" in text(listing)
    assert "New task: Utforska behov och idé" in text(listing)
    assert text(listing).count("Unread") == 3
    with engine.reading() as session:
        decision = next(n["id"] for n in notifications.inbox(session, "ada", "en") if n["kind"] == "decision")
    assert f"/notifications/{decision}/read" in listing.get_data(as_text=True)
    opened = ada.post(f"/notifications/{decision}/read", data={"open": "1"})
    assert opened.status_code == 302 and opened.location.endswith(f"/initiatives/{flow.id}/public")
    after = ada.get("/notifications?lang=en")
    assert unread_badge(after) == "2"
    assert text(after).count("Unread") == 2 and "Read" in text(after)


def test_only_ones_own_notifications_can_be_read(api, engine, clock, page):
    flow = ApiInitiative(api, engine, clock)
    flow.screen()
    listing = page("frida").get("/notifications")
    [number] = re.findall(r'/notifications/(\d+)/read', listing.get_data(as_text=True))[:1]
    assert page("ivar").post(f"/notifications/{number}/read").status_code == 404
    assert unread_badge(page("frida").get("/inbox")) == "1"


def test_mark_all_read(api, engine, clock, page):
    flow = ApiInitiative(api, engine, clock)
    flow.to_exploration()
    flow.explore()
    flow.complete("ada", "utforma_upplagg", setup(
        [("SOF", 1000)], clock.now().date()))
    frida = page("frida")
    assert unread_badge(frida.get("/inbox")) == "2"
    response = frida.post("/notifications/read")
    assert response.status_code == 302
    assert unread_badge(frida.get("/notifications")) is None


def test_preferences_page_saves_each_kind(engine, page):
    with engine.db.unit_of_work(write=True) as uow:
        uow.session.execute(update(User).where(User.username == "ivar").values(email="ivar@helsingborg.se"))
        uow.commit()
    ivar = page("ivar")
    shown = text(ivar.get("/notifications/preferences?lang=en"))
    assert "E-mail goes to ivar@helsingborg.se." in shown
    assert "No e-mail has" not in shown
    choices = {f"mode-{kind}": "daily" for kind in notifications.Kind} | {"mode-task_overdue": "off"}
    assert ivar.post("/notifications/preferences", data={**choices, "language": "en"}).status_code == 302
    with engine.reading() as session:
        chosen = notifications.preferences(session, "ivar")
    assert chosen["language"] == "en"
    assert chosen["modes"]["task_overdue"] == "off" and chosen["modes"]["decision"] == "daily"
    assert ivar.post("/notifications/preferences", data={**choices, "language": "de"}).status_code == 400
    assert "Your account has no e-mail address" in text(page("bo").get("/notifications/preferences?lang=en"))
