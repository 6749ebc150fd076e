"""The money gate over the HTTP API: each paying administration decides its own share.

Three administrations co-finance and one says no; a decision maker cannot act on, or
grant, another administration's share; each sees its own administration's budget; a
share held until a date is resumed early or by the date; a pilot financed elsewhere
passes with no innovation funds; amounts are whole kronor; the pilot ends after it
starts and after the decision, and starts on its start date.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from application import accounts as users
from innovation.adapters import ledger_store
from innovation.adapters.tables import Initiative
from innovation.domain.administrations import yearly_budgets
from innovation.driver import setup
from tests.api.flows import ApiInitiative

DECIDERS = {"SOF": "frida", "MF": "mf_boss", "FF": "ff_boss"}


@pytest.fixture
def money_api(engine, api):
    """The API with a decision maker for FF too."""
    with engine.db.unit_of_work(write=True) as uow:
        users.add_user(uow.session, "ff_boss")
        users.grant(uow.session, "ff_boss", "decision_maker", "FF")
        api.tokens["ff_boss"] = users.issue_token(uow.session, "ff_boss")
        uow.commit()
    return api


def share(decision: str, **extra) -> dict:
    return {"money_decision": decision, "money_rationale": f"Vårt beslut: {decision}.", **extra}


def ledger(engine, instance_id: str) -> dict:
    with engine.db.unit_of_work(write=True) as uow:
        found = ledger_store.load_accounts(uow.session, 2026, lock=False)
        uow.commit()
    return {code: int(account.granted_for(instance_id)) for code, account in found.items()
            if account.granted_for(instance_id)}


def record(engine, instance_id: str) -> dict:
    with engine.reading() as session:
        return session.get(Initiative, instance_id).record


def elements(api, user: str, instance_id: str) -> list[tuple[str, str | None]]:
    inbox = api.as_(user).get("/api/tasks", query_string={"instance_id": instance_id}).json
    return sorted((t["element_id"], t["scope"]) for t in inbox)


def test_three_administrations_co_finance_one_says_no_and_the_idea_owner_proceeds(money_api, engine, clock):
    flow = ApiInitiative(money_api, engine, clock)
    flow.to_money_gate([("SOF", 200_000), ("MF", 150_000), ("FF", 100_000)])
    for code, user in DECIDERS.items():  # each decision maker sees only their own administration's share
        assert elements(money_api, user, flow.id) == [("beslut_pengar", code)]
        assert flow.task(user, "beslut_pengar")["administration"] == code
    flow.complete("frida", "beslut_pengar", share("grant"))
    flow.complete("mf_boss", "beslut_pengar", share("partial", money_amount=120_000))
    flow.complete("ff_boss", "beslut_pengar", share("reject"))
    outcome = flow.detail()["data"]["money_outcome"]
    assert (outcome["outcome"], outcome["granted"], outcome["requested"]) == ("partial", 320_000, 450_000)
    assert elements(money_api, "ada", flow.id) == elements(money_api, "ivar", flow.id) == [("valj_upplagg", None)]
    choice = money_api.as_("ada").get(f"/api/tasks/{flow.task('ada', 'valj_upplagg')['id']}/budget").json
    assert {code: (line["decision"], line["amount"]) for code, line in choice["decisions"].items()} == {
        "SOF": ("grant", 200_000), "MF": ("partial", 120_000), "FF": ("reject", 0)}
    flow.complete("ada", "valj_upplagg", {"setup_decision": "proceed", "setup_rationale": "Det räcker för en pilot."})
    detail = flow.detail()
    assert (detail["phase"], detail["initiative_status"]) == ("utveckla_pilot", "active")
    assert ledger(engine, flow.id) == {"SOF": 200_000, "MF": 120_000}
    log = [(d["gate"], d["administration"], d["decision"], d["decided_by"], d["amounts"], d["rationale"])
           for d in record(engine, flow.id)["gate_decisions"] if d["gate"] == "pengar"]
    assert sorted(log, key=str) == sorted([
        ("pengar", "SOF", "go", "frida", {"SOF": "200000.00"}, "Vårt beslut: grant."),
        ("pengar", "MF", "go", "mf_boss", {"MF": "120000.00"}, "Vårt beslut: partial."),
        ("pengar", "FF", "kill", "ff_boss", {}, "Vårt beslut: reject."),
        ("pengar", None, "go", "ada", {}, "Det räcker för en pilot.")], key=str)


def test_a_decision_maker_acts_only_on_its_own_administrations_share(money_api, engine, clock):
    flow = ApiInitiative(money_api, engine, clock)  # an SOF initiative, co-financed by FF
    flow.to_money_gate([("SOF", 200_000), ("FF", 250_000)])
    ff_task = flow.task("ff_boss", "beslut_pengar")
    refused = money_api.as_("frida").post(f"/api/tasks/{ff_task['id']}/complete", json={"data": share("grant")})
    assert refused.status_code == 403 and "belongs to FF" in refused.json["message"]
    assert money_api.as_("frida").post(f"/api/tasks/{ff_task['id']}/claim").status_code == 403
    assert money_api.as_("frida").get(f"/api/tasks/{ff_task['id']}/budget").status_code == 403
    own = flow.task("frida", "beslut_pengar")
    smuggled = money_api.as_("frida").post(f"/api/tasks/{own['id']}/complete", json={"data": {
        **share("grant"), "grants": [{"administration": "FF", "amount": 250_000}]}})
    assert smuggled.status_code == 422 and [d["field"] for d in smuggled.json["details"]] == ["/grants"]
    beyond = money_api.as_("frida").post(f"/api/tasks/{own['id']}/complete",
                                          json={"data": share("partial", money_amount=200_001)})
    assert beyond.status_code == 422 and [d["field"] for d in beyond.json["details"]] == ["/money_amount"]
    assert "less than the 200000 SEK requested" in beyond.json["details"][0]["message"]
    assigned = money_api.as_("ivar").post(f"/api/tasks/{ff_task['id']}/assign", json={"assignee": "frida"})
    assert assigned.status_code == 422 and "belongs to FF; frida acts as decision_maker for SOF" in assigned.json["details"][0]["message"]
    flow.complete("frida", "beslut_pengar", share("grant"))
    flow.complete("ff_boss", "beslut_pengar", share("grant"))
    assert ledger(engine, flow.id) == {"SOF": 200_000, "FF": 250_000}


def test_the_ff_decision_maker_sees_ffs_budget_and_the_budget_check(money_api, engine, clock):
    flow = ApiInitiative(money_api, engine, clock)
    flow.to_money_gate([("SOF", 200_000), ("FF", 250_000)])
    task = flow.task("ff_boss", "beslut_pengar")
    context = money_api.as_("ff_boss").get(f"/api/tasks/{task['id']}/budget").json
    budget = int(yearly_budgets()["FF"])
    assert context["administration"] == "FF" and context["position"] == {
        "administration": "FF", "year": 2026, "budget": budget, "available": budget, "reserved": 0, "granted": 0,
        "spent": 0}
    assert (context["request"]["requested"], context["refusal"]) == (250_000, None)
    assert [(line["administration"], line["requested"]) for line in context["budget_check"]["lines"]] == [
        ("FF", 250_000), ("SOF", 200_000)]
    form = money_api.as_("ff_boss").get(f"/api/tasks/{task['id']}/form").json
    assert form["task"]["scope"] == "FF" and form["item"]["administration"] == "FF"


def test_a_share_on_hold_until_a_date_is_resumed_early(money_api, engine, clock):
    flow = ApiInitiative(money_api, engine, clock)
    flow.to_money_gate([("SOF", 200_000)])
    until = (clock.now() + timedelta(days=90)).date().isoformat()
    missing = money_api.as_("frida").post(f"/api/tasks/{flow.task('frida', 'beslut_pengar')['id']}/complete",
                                          json={"data": share("hold")})
    assert missing.status_code == 422 and [d["field"] for d in missing.json["details"]] == ["/money_hold_until"]
    flow.complete("frida", "beslut_pengar", {"money_decision": "hold", "money_hold_until": until,
                                             "money_rationale": "Inga medel förrän nästa budgetår."})
    detail = flow.detail()
    assert detail["initiative_status"] == "on_hold"
    assert [t["element_id"] for t in detail["timers"]] == ["vilande_pengar_slut"]
    assert detail["timers"][0]["due_at"].startswith(until)
    holds = money_api.as_("ivar").get("/api/holds").json
    assert [(h["id"], h["gate"], h["reason"], h["until"]) for h in holds] == [
        (flow.id, "pengar", "SOF: Inga medel förrän nästa budgetår.", until)]
    assert money_api.as_("ada").get("/api/holds").status_code == 403
    resume = flow.task("ivar", "vilande_pengar")
    assert holds[0]["task_id"] == resume["id"]
    assert resume["due_at"].startswith(until)
    flow.complete("ivar", "vilande_pengar", {"resume_rationale": "Medel frigjordes i år."})
    assert flow.detail()["initiative_status"] == "active" and money_api.as_("ivar").get("/api/holds").json == []
    setup_task = flow.task("ada", "utforma_upplagg")  # the idea owner confirms the set-up, as it was
    prefilled = money_api.as_("ada").get(f"/api/tasks/{setup_task['id']}/form").json["data"]
    assert prefilled["requested_funds"] == [{"administration": "SOF", "amount": 200_000}]
    flow.complete("ada", "utforma_upplagg", prefilled)
    flow.complete("frida", "beslut_pengar", share("grant"))
    assert flow.detail()["phase"] == "utveckla_pilot"


def test_a_share_on_hold_is_taken_up_again_on_its_date(money_api, engine, clock):
    flow = ApiInitiative(money_api, engine, clock)
    flow.to_money_gate([("SOF", 200_000)], weeks=30)
    until = (clock.now() + timedelta(days=20)).date().isoformat()
    flow.complete("frida", "beslut_pengar", share("hold", money_hold_until=until))
    clock.advance(days=19)
    flow.settle()
    assert elements(money_api, "frida", flow.id) == []
    clock.advance(days=2)
    flow.settle()
    assert elements(money_api, "ada", flow.id) == [("utforma_upplagg", None)]  # the dates may move with the year
    assert flow.detail()["initiative_status"] == "active"
    flow.complete("ada", "utforma_upplagg", setup([("SOF", 150_000)], clock.now().date()))
    assert elements(money_api, "frida", flow.id) == [("beslut_pengar", "SOF")]


def test_a_pilot_financed_elsewhere_passes_with_no_innovation_funds(money_api, engine, clock):
    flow = ApiInitiative(money_api, engine, clock)
    flow.to_exploration()
    flow.explore()
    unfinanced = setup([], clock.now().date())
    flow.complete("ada", "utforma_upplagg", unfinanced, status=422)
    financed = setup([], clock.now().date(), other_financing=[("own_budget", "SOF:s verksamhetsbudget", 80_000),
                                                               ("partner", "Lunds universitet", 40_000)])
    flow.complete("ada", "utforma_upplagg", financed)
    task = flow.task("frida", "beslut_pengar")  # the initiative's own administration passes it through the gate
    assert task["scope"] == "SOF"
    assert money_api.as_("frida").get(f"/api/tasks/{task['id']}/budget").json["request"]["requested"] == 0
    flow.complete("frida", "beslut_pengar", share("grant"))
    detail = flow.detail()
    assert detail["phase"] == "utveckla_pilot" and ledger(engine, flow.id) == {}
    assert record(engine, flow.id)["financing"] == [
        {"source": "own_budget", "description": "SOF:s verksamhetsbudget", "amount": "80000.00"},
        {"source": "partner", "description": "Lunds universitet", "amount": "40000.00"}]


def test_amounts_are_whole_kronor(money_api, engine, clock):
    flow = ApiInitiative(money_api, engine, clock)
    flow.to_exploration()
    flow.explore()
    tiny = {**setup([("SOF", 0.001)], clock.now().date()), "estimated_cost": 1000}
    refused = flow.complete("ada", "utforma_upplagg", tiny, status=422)
    assert [d["field"] for d in refused.json["details"]] == ["/requested_funds/0/amount"]
    assert "not whole kronor" in refused.json["details"][0]["message"]
    assert elements(money_api, "ada", flow.id) == [("utforma_upplagg", None)]
    zero = flow.complete("ada", "utforma_upplagg", {**setup([("SOF", 0)], clock.now().date()), "estimated_cost": 0},
                         status=422)
    assert [d["field"] for d in zero.json["details"]] == ["/requested_funds/0/amount"]


@pytest.mark.parametrize("start_days, weeks, message", [
    (10, -1, "must end after it starts"),  # ends before it starts
    (-30, 2, "must end after the money decision"),  # ended before today
])
def test_a_pilot_ends_after_it_starts_and_after_the_decision(money_api, engine, clock, start_days, weeks, message):
    flow = ApiInitiative(money_api, engine, clock)
    flow.to_exploration()
    flow.explore()
    start = clock.now().date() + timedelta(days=start_days)
    refused = flow.complete("ada", "utforma_upplagg", setup([("SOF", 100_000)], start, weeks=weeks), status=422)
    assert [d["field"] for d in refused.json["details"]] == ["/pilot_end_date"]
    assert message in refused.json["details"][0]["message"]


def test_the_pilot_starts_on_its_start_date(money_api, engine, clock):
    flow = ApiInitiative(money_api, engine, clock)
    flow.to_exploration()
    flow.explore()
    start = clock.now().date() + timedelta(days=10)
    flow.complete("ada", "utforma_upplagg", setup([("SOF", 100_000)], start))
    flow.complete("frida", "beslut_pengar", share("grant"))
    detail = flow.detail()
    assert detail["phase"] == "utforska_upplagg" and ledger(engine, flow.id) == {"SOF": 100_000}
    assert [t["element_id"] for t in detail["timers"]] == ["vanta_pilotstart"]
    clock.advance(days=11)
    flow.settle()
    assert flow.detail()["phase"] == "utveckla_pilot"
