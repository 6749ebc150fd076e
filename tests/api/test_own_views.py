"""Each role's own work over the API: Mina initiativ, the decision makers' administration, the
coordinators' pipeline; and when tasks are due (the diagram's dueIn, a boundary timer, the
process owner's default), with overdue marked on the test's clock."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.flows import ApiInitiative


def open_task(api, flow, element_id: str) -> dict:
    tasks = api.as_("admin").get("/api/tasks", query_string={"scope": "all", "instance_id": flow.id}).json
    [task] = [t for t in tasks if t["element_id"] == element_id]
    return task


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_an_idea_owner_sees_only_their_own_initiatives_with_next_step_and_decisions(api, engine, clock):
    ada = ApiInitiative(api, engine, clock)
    bo = ApiInitiative(api, engine, clock, owner="bo", administration="FF")
    ada.screen()
    mine = api.as_("ada").get("/api/my-initiatives")
    assert mine.status_code == 200
    [item] = mine.json
    assert item["id"] == ada.id and item["phase"] == "utforska_ide" and item["status"] == "active"
    [step] = item["next_steps"]  # beslut tid waits for SOF's manager (SOF has none: its decision makers stand in)
    assert (step["element_id"], step["name"], step["roles"], step["administration"], step["assignee"]) == \
        ("beslut_tid", "Beslut tid", ["manager"], "SOF", None)
    assert [(d["gate"], d["decision"], d["rationale"]) for d in item["decisions"]] == \
        [("granskning", "go", "Granskat.")]
    [theirs] = api.as_("bo").get("/api/my-initiatives").json
    assert theirs["id"] == bo.id and theirs["next_steps"][0]["element_id"] == "granska_initiativ"
    assert theirs["next_steps"][0]["roles"] == ["coordinator"] and theirs["decisions"] == []
    assert api.as_("frida").get("/api/my-initiatives").status_code == 403
    assert api.as_("ivar").get("/api/my-initiatives").status_code == 403


def test_a_decision_maker_sees_what_awaits_their_administration_and_its_budget_only(api, engine, clock):
    sof = ApiInitiative(api, engine, clock)
    ff = ApiInitiative(api, engine, clock, owner="bo", administration="FF")
    sof.to_pilot(amount=200_000)
    ff.screen(user="fredrik")
    second = ApiInitiative(api, engine, clock, owner="bo")
    second.screen()
    [overview] = api.as_("frida").get("/api/administration-overview").json
    assert overview["administration"] == "SOF"
    assert [(a["id"], a["step"]["element_id"]) for a in overview["awaiting"]] == [(second.id, "beslut_tid")]
    this_year = next(line for line in overview["budget"] if line["year"] == clock.now().year)
    assert this_year["reserved"] == 200_000 and this_year["spent"] == 0
    assert this_year["available"] == this_year["budget"] - 200_000
    assert api.as_("frida").get("/api/administration-overview", query_string={"administration": "FF"}
                                ).status_code == 403
    [mf] = api.as_("mf_boss").get("/api/administration-overview").json
    assert mf["administration"] == "MF" and mf["awaiting"] == []
    assert ff.id not in str(api.as_("frida").get("/api/administration-overview").json)
    for other in ("ada", "ivar", "admin"):
        assert api.as_(other).get("/api/administration-overview").status_code == 403


def test_the_pipeline_shows_a_coordinators_administrations_with_what_is_stuck_and_overdue(api, engine, clock):
    sof = ApiInitiative(api, engine, clock)
    ff = ApiInitiative(api, engine, clock, owner="bo", administration="FF")
    sof.screen()
    pipeline = api.as_("ivar").get("/api/pipeline").json
    assert pipeline["administrations"] == ["MF", "SOF"] and pipeline["stuck_days"] == 14
    assert [phase["phase"] for phase in pipeline["phases"]] == \
        ["utforska_ide", "utforska_upplagg", "utveckla_pilot", "skala"]
    [item] = pipeline["phases"][0]["initiatives"]
    assert item["id"] == sof.id and not item["stuck"] and not item["overdue"]
    assert pipeline["stuck"] == pipeline["overdue"] == 0
    fredrik = api.as_("fredrik").get("/api/pipeline").json
    assert [i["id"] for i in fredrik["phases"][0]["initiatives"]] == [ff.id]
    everything = api.as_("admin").get("/api/pipeline").json
    assert everything["administrations"] is None
    assert {i["id"] for i in everything["phases"][0]["initiatives"]} == {sof.id, ff.id}
    clock.advance(days=15)  # beslut tid (dueIn P14D) is overdue; nothing changed for 15 days
    [item] = api.as_("ivar").get("/api/pipeline").json["phases"][0]["initiatives"]
    assert item["stuck"] and item["overdue"] and item["idle_days"] == 15
    assert item["next_steps"][0]["overdue"]
    for other in ("ada", "frida", "owner"):
        assert api.as_(other).get("/api/pipeline").status_code == 403


def test_a_gate_is_due_by_its_dueIn_and_overdue_after_it(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.screen()
    opened = clock.now()
    task = flow.task("frida", "beslut_tid")
    assert at(task["due_at"]) == opened + timedelta(days=14)
    assert not task["overdue"]
    clock.advance(days=14, seconds=1)
    assert flow.task("frida", "beslut_tid")["overdue"]
    [mine] = api.as_("ada").get("/api/my-initiatives").json
    assert mine["overdue"] and mine["next_steps"][0]["overdue"]


def test_each_paying_administrations_money_decision_is_due_by_the_gates_dueIn(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.to_money_gate([("SOF", 100_000), ("MF", 50_000)])
    opened = clock.now()
    for decider in ("frida", "mf_boss"):
        assert at(flow.task(decider, "beslut_pengar")["due_at"]) == opened + timedelta(days=21)


def test_a_boundary_timer_gives_the_due_date(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.screen()
    flow.gate_time("hold", hold_until="2026-03-01")
    assert flow.task("frida", "vilande_tid")["due_at"] == "2026-03-01T00:00:00+00:00"


def test_a_process_owners_default_dates_tasks_the_diagram_does_not(api, engine, clock):
    before = ApiInitiative(api, engine, clock)
    assert open_task(api, before, "granska_initiativ")["due_at"] is None
    listed = api.as_("owner").get("/api/due-dates/innovation").json
    tasks = {t["element_id"]: t for t in listed["tasks"]}
    assert (tasks["beslut_tid"]["due_in"], tasks["beslut_pengar"]["due_in"], tasks["beslut_skala_upp"]["due_in"]) \
        == ("P14D", "P21D", "P30D")
    assert tasks["vilande_tid"]["timer"] and tasks["granska_initiativ"]["default"] is None
    saved = api.as_("owner").put("/api/due-dates/innovation/granska_initiativ", json={"duration": "P5D"})
    assert saved.status_code == 200 and saved.json["set_by"] == "owner"
    assert {t["element_id"]: t for t in api.as_("admin").get("/api/due-dates/innovation").json["tasks"]}[
        "granska_initiativ"]["default"] == "P5D"
    clock.advance(hours=1)
    after = ApiInitiative(api, engine, clock, owner="bo")
    assert at(open_task(api, after, "granska_initiativ")["due_at"]) == clock.now() + timedelta(days=5)
    assert open_task(api, before, "granska_initiativ")["due_at"] is None  # open work does not move
    clock.advance(days=1)
    after.screen()  # the default is fixed when the task opens, and the diagram's dueIn wins where it has one
    assert at(open_task(api, after, "beslut_tid")["due_at"]) == clock.now() + timedelta(days=14)
    assert api.as_("owner").delete("/api/due-dates/innovation/granska_initiativ").status_code == 204
    third = ApiInitiative(api, engine, clock, owner="ada", administration="MF")
    assert open_task(api, third, "granska_initiativ")["due_at"] is None


@pytest.mark.parametrize("user, path, body, status, field", [
    ("owner", "/api/due-dates/innovation/granska_initiativ", {"duration": "fem dagar"}, 422, "/duration"),
    ("owner", "/api/due-dates/innovation/granska_initiativ", {"duration": "R3/P1D"}, 422, "/duration"),
    ("owner", "/api/due-dates/innovation/ingen_uppgift", {"duration": "P1D"}, 422, "/element_id"),
    ("owner", "/api/due-dates/okand/granska_initiativ", {"duration": "P1D"}, 404, None),
    ("ada", "/api/due-dates/innovation/granska_initiativ", {"duration": "P1D"}, 403, None),
    ("ivar", "/api/due-dates/innovation/granska_initiativ", {"duration": "P1D"}, 403, None),
])
def test_defaults_are_refused_with_a_reason(api, user, path, body, status, field):
    response = api.as_(user).put(path, json=body)
    assert response.status_code == status, response.json
    if field:
        assert [d["field"] for d in response.json["details"]] == [field]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(duration=st.text(max_size=40))
def test_any_text_as_a_default_is_saved_or_refused_never_an_error(api, duration):
    response = api.as_("owner").put("/api/due-dates/innovation/granska_initiativ", json={"duration": duration})
    assert response.status_code in (200, 422), response.json
