"""The pilot and scale part of the model over the HTTP API: spending confirmed before it is
booked and never beyond a grant, the end date's period booked, extension (with a
supplementary request to the money decision), hold and more evidence at the scale gate,
and "realised" only once the receiving administration has the solution in use."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from innovation.adapters import ledger_store
from innovation.adapters.records import from_dict
from innovation.adapters.tables import Initiative
from innovation.driver import receiving_confirmation, scale_proposal
from tests.api.flows import ApiInitiative


def record(engine, flow):
    with engine.db.unit_of_work() as uow:
        return from_dict(uow.session.scalar(select(Initiative).where(Initiative.instance_id == flow.id)).record)


def account(engine, code: str, year: int = 2026):
    with engine.db.unit_of_work(write=True) as uow:
        found = ledger_store.load_accounts(uow.session, year, [code], lock=False)[code]
        uow.commit()
    return found


def decisions(engine, flow) -> list[tuple]:
    return [(d.gate.value, d.decision.value, d.decided_by) for d in record(engine, flow).gate_decisions]


def open_tasks(api, flow, user="admin") -> list[str]:
    return [t["element_id"] for t in api.as_(user).get("/api/tasks", query_string={
        "instance_id": flow.id, "scope": "all"}).json]


def to_scale_gate(flow, spent=(("SOF", 60_000),)):
    flow.to_pilot()
    flow.evaluate("scale", list(spent))
    flow.complete(flow.owner, "forbered_skalning", scale_proposal("SOF"))


def test_realised_at_go_live_with_the_first_benefit_follow_up(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.to_pilot()
    flow.evaluate("scale", [("SOF", 60_000)])
    flow.complete(flow.owner, "forbered_skalning", scale_proposal("SOF"))
    flow.complete("frida", "beslut_skala_upp", {"scale_decision": "scale", "scale_rationale": "Värde visat."})
    assert flow.detail()["initiative_status"] == "active"  # a scale decision alone realises nothing
    today = clock.now().date()
    flow.complete("frida", "bekrafta_mottagande", receiving_confirmation(today + timedelta(days=90)))
    assert flow.detail()["initiative_status"] == "active" and open_tasks(api, flow) == ["infor_losning"]
    flow.wait(20)
    went_live = clock.now().date()
    flow.complete("frida", "infor_losning", {
        "implementation_decision": "in_use", "implementation_rationale": "Alla förskolor använder den.",
        "in_use_from": went_live.isoformat(), "verksamhet": "Förskoleverksamheten", "managed_by": "SOF IT-förvaltning"})
    detail = flow.detail()
    assert (detail["status"], detail["initiative_status"]) == ("running", "realised")  # follow-ups remain
    flow.publish()
    assert flow.public()["status"] == "realised"
    live = record(engine, flow)
    assert (live.implementation.in_use_from, live.implementation.verksamhet, live.implementation.managed_by) == (
        went_live, "Förskoleverksamheten", "SOF IT-förvaltning")
    assert account(engine, "SOF").reserved_for(flow.id) == 0  # the pilot's unspent money went back at the scale decision
    assert [t["element_id"] for t in detail["timers"]] == ["vanta_uppfoljning"]
    assert detail["timers"][0]["due_at"].startswith((went_live + timedelta(days=182)).isoformat())

    flow.follow_up(value=2_100_000, cost=700_000, measured=4.0, decision="on_track")
    followed = record(engine, flow)
    [first] = followed.benefit_follow_ups
    assert (first.realised_yearly_value, first.realised_yearly_cost) == (Decimal("2100000.00"), Decimal("700000.00"))
    assert (first.planned_yearly_value, first.planned_yearly_cost) == (Decimal("2500000.00"), Decimal("600000.00"))
    assert first.net_vs_plan == Decimal("-500000.00")
    assert [g.latest_value for g in followed.effect_goals] == [4.0]
    assert decisions(engine, flow)[-4:] == [("skala_upp", "go", "frida"), ("mottagande", "go", "frida"),
                                            ("inforande", "go", "frida"), ("uppfoljning", "on_track", "ivar")]
    assert flow.detail()["status"] == "running"
    flow.follow_up(decision="action_needed")
    detail = flow.detail()
    assert (detail["status"], detail["end_element"], detail["initiative_status"]) == (
        "completed", "slut_realiserad", "realised")
    assert len(record(engine, flow).benefit_follow_ups) == 2


def test_a_successful_pilot_no_verksamhet_implements_by_the_deadline_is_aborted(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    to_scale_gate(flow)
    flow.complete("frida", "beslut_skala_upp", {"scale_decision": "scale", "scale_rationale": "Värde visat."})
    deadline = clock.now().date() + timedelta(days=60)
    flow.complete("frida", "bekrafta_mottagande", receiving_confirmation(deadline))
    flow.wait(59)
    assert open_tasks(api, flow) == ["infor_losning"]
    flow.wait(2)  # the deadline passed with the solution in use nowhere
    assert open_tasks(api, flow) == ["dokumentera_lardomar"]
    data = flow.detail()["data"]
    assert data["abort"]["category"] == "ej_implementerad" and deadline.isoformat() in data["abort"]["reason"]
    flow.lessons("Säkra mottagaren före skalning.")  # confirms the abort the deadline set
    detail = flow.detail()
    assert (detail["end_element"], detail["initiative_status"]) == ("slut_avbruten", "aborted")


def test_the_receiving_administration_may_decline_or_report_it_will_not_implement(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    to_scale_gate(flow)
    flow.complete("frida", "beslut_skala_upp", {"scale_decision": "scale", "scale_rationale": "Värde visat."})
    flow.complete("frida", "bekrafta_mottagande", receiving_confirmation(clock.now().date(), "decline"))
    assert open_tasks(api, flow) == ["forbered_skalning"]  # another receiver, or a rejection at the gate
    flow.complete(flow.owner, "forbered_skalning", scale_proposal("SOF"))
    flow.complete("frida", "beslut_skala_upp", {"scale_decision": "scale", "scale_rationale": "Ny mottagare."})
    # a deadline that is not after today is refused, naming the field
    response = flow.complete("frida", "bekrafta_mottagande", receiving_confirmation(clock.now().date()), status=422)
    assert response.json["details"][0]["field"] == "/implementation_deadline"
    flow.complete("frida", "bekrafta_mottagande", receiving_confirmation(clock.now().date() + timedelta(days=30)))
    flow.complete("frida", "infor_losning", {"implementation_decision": "not_implemented",
                                             "implementation_rationale": "Ingen budget för drift."})
    assert open_tasks(api, flow) == ["dokumentera_lardomar"]
    assert decisions(engine, flow)[-3:] == [("skala_upp", "go", "frida"), ("mottagande", "go", "frida"),
                                            ("inforande", "kill", "frida")]
    assert ("mottagande", "kill", "frida") in decisions(engine, flow)


def test_back_to_the_pilot_from_the_scale_gate(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    to_scale_gate(flow)
    new_end = clock.now().date() + timedelta(days=90)
    flow.complete("frida", "beslut_skala_upp", {"scale_decision": "more_evidence", "scale_rationale": "Mät en termin till.",
                                                "new_pilot_end_date": new_end.isoformat()})
    detail = flow.detail()
    assert detail["phase"] == "utveckla_pilot" and detail["data"]["pilot_end_date"] == new_end.isoformat()
    assert {t["element_id"] for t in detail["timers"]} == {"vanta_utvardering", "pilot_slutdatum"}
    assert ("skala_upp", "recycle", "frida") in decisions(engine, flow)
    flow.evaluate("scale", [("SOF", 20_000)])  # the reservation is still there to spend from
    assert open_tasks(api, flow) == ["forbered_skalning"]
    assert account(engine, "SOF").spent_for(flow.id) == Decimal("80000.00")


def test_hold_at_the_scale_gate_until_a_date_or_resumed_early(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    to_scale_gate(flow)
    until = clock.now().date() + timedelta(days=30)
    flow.complete("frida", "beslut_skala_upp", {"scale_decision": "hold", "scale_rationale": "Budget nästa år.",
                                                "scale_hold_until": until.isoformat()})
    assert flow.detail()["initiative_status"] == "on_hold" and open_tasks(api, flow) == ["vilande_skala"]
    assert flow.detail()["data"]["scale_hold"] == {"hold_until": until.isoformat(), "hold_reason": "Budget nästa år."}
    flow.wait(31)  # the date came: back at the gate
    assert open_tasks(api, flow) == ["beslut_skala_upp"] and flow.detail()["initiative_status"] == "active"
    flow.complete("frida", "beslut_skala_upp", {"scale_decision": "hold", "scale_rationale": "Vänta på ny budget.",
                                                "scale_hold_until": (clock.now().date() + timedelta(days=200)).isoformat()})
    flow.complete("ivar", "vilande_skala", {"resume_rationale": "Budgeten kom tidigare."})  # resumed early
    assert open_tasks(api, flow) == ["beslut_skala_upp"] and flow.detail()["initiative_status"] == "active"
    assert flow.detail()["timers"] == []
    assert [d[1] for d in decisions(engine, flow) if d[0] == "skala_upp"] == ["hold", "hold"]


def test_a_pilot_extended_once_with_a_supplementary_request(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.to_pilot(amount=200_000)  # 16 weeks, evaluated every 30 days
    for _ in range(3):
        flow.evaluate("continue", [("SOF", 50_000)])
    flow.wait(20)  # the end date (day 112) interrupts the pilot
    assert open_tasks(api, flow) == ["tvingande_beslut"]
    new_end = clock.now().date() + timedelta(days=60)
    flow.end_date_decision("extend", [("SOF", 30_000)], new_end_date=new_end.isoformat(),
                           supplementary_funds=[{"administration": "SOF", "amount": 40_000}])
    assert account(engine, "SOF").spent_for(flow.id) == Decimal("180000.00")  # the interrupted period is booked
    assert open_tasks(api, flow) == ["beslut_pengar"]  # the paying administration decides on the extra money
    assert flow.detail()["data"]["requested_funds"] == [{"administration": "SOF", "amount": 40_000}]
    flow.complete("frida", "beslut_pengar", {"money_decision": "grant", "money_rationale": "Förlängning beviljad."})
    sof = account(engine, "SOF")
    assert (sof.granted_for(flow.id), sof.reserved_for(flow.id)) == (Decimal("240000.00"), Decimal("60000.00"))
    detail = flow.detail()
    assert detail["phase"] == "utveckla_pilot" and detail["data"]["pilot_end_date"] == new_end.isoformat()
    assert ("pilot_slutdatum", "extend", "frida") in decisions(engine, flow)
    extend = next(d for d in record(engine, flow).gate_decisions if d.decision.value == "extend")
    assert extend.amounts == {"SOF": Decimal("40000.00")}
    flow.evaluate("stop", [("SOF", 60_000)])  # all of the extra money can be spent
    flow.lessons("Planera längre från början.", category="annat")
    assert account(engine, "SOF").spent_for(flow.id) == Decimal("240000.00")
    assert ("pilot", "kill", "ada") in decisions(engine, flow)  # the pilot stop is in the log


def test_extension_without_money_and_a_refused_supplementary_request(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.to_pilot(amount=200_000)
    flow.wait(120)
    past = clock.now().date() - timedelta(days=1)
    response = flow.end_date_decision("extend", new_end_date=past.isoformat(), status=422)
    assert response.json["details"][0]["field"] == "/new_end_date"
    later = clock.now().date() + timedelta(days=40)
    flow.end_date_decision("extend", new_end_date=later.isoformat(),
                           supplementary_funds=[{"administration": "SOF", "amount": 100_000}])
    flow.complete("frida", "beslut_pengar", {"money_decision": "reject", "money_rationale": "Inga mer pengar i år."})
    assert open_tasks(api, flow) == ["tvingande_beslut"]  # refused: the end-date decision is taken again
    assert flow.detail()["initiative_status"] == "active"
    flow.end_date_decision("extend", new_end_date=later.isoformat())
    detail = flow.detail()
    assert detail["phase"] == "utveckla_pilot" and detail["data"]["pilot_end_date"] == later.isoformat()
    assert account(engine, "SOF").granted_for(flow.id) == Decimal("200000.00")
    flow.wait(41)  # the new end date comes
    assert open_tasks(api, flow) == ["tvingande_beslut"]


def test_the_interrupted_period_is_booked_before_the_rest_is_released(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.to_pilot(amount=200_000)
    flow.evaluate("continue", [("SOF", 40_000)])
    flow.wait(61)
    assert open_tasks(api, flow) == ["utvardera_pilot"]
    flow.wait(30)  # the end date cancels the open evaluation
    assert open_tasks(api, flow) == ["tvingande_beslut"]
    flow.complete("frida", "tvingande_beslut", {"pilot_decision": "stop", "forced_rationale": "Slut.",
                                                "funds_spent": [{"administration": "SOF", "amount": 35_000}],
                                                "supplementary_funds": []})
    assert open_tasks(api, flow) == ["bekrafta_slutkostnader"]  # not booked before the coordinator confirms
    assert account(engine, "SOF").spent_for(flow.id) == Decimal("40000.00")
    flow.confirm_spending("bekrafta_slutkostnader", "return")
    assert open_tasks(api, flow) == ["tvingande_beslut"]
    flow.end_date_decision("stop", [("SOF", 25_000)])
    flow.lessons("Stäm av kostnader oftare.", category="kostnad_effekt")
    sof = account(engine, "SOF")
    assert (sof.spent_for(flow.id), sof.reserved_for(flow.id)) == (Decimal("65000.00"), Decimal("0.00"))
    assert ("pilot_slutdatum", "kill", "frida") in decisions(engine, flow)


def test_spending_beyond_a_grant_is_refused_with_the_remaining_amount(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.to_pilot(amount=200_000)
    flow.evaluate("continue", [("SOF", 150_000)])
    response = flow.evaluate("continue", [("SOF", 80_000)], status=422)
    assert [(d["field"], d["code"]) for d in response.json["details"]] == [("/funds_spent/0/amount", "overreported")]
    assert "50000.00" in response.json["details"][0]["message"]
    # from an administration that granted nothing: nothing remains there
    response = flow.complete(flow.owner, "utvardera_pilot", {
        "measurements": [], "lessons": "l", "pilot_decision": "continue",
        "funds_spent": [{"administration": "SOF", "amount": 10_000}, {"administration": "FF", "amount": 1}]}, 422)
    assert [(d["field"], "0.00" in d["message"]) for d in response.json["details"]] == [("/funds_spent/1/amount", True)]
    assert open_tasks(api, flow) == ["utvardera_pilot"]  # nothing was saved
    flow.complete(flow.owner, "utvardera_pilot", {"measurements": [], "lessons": "l", "pilot_decision": "continue",
                                                  "funds_spent": [{"administration": "SOF", "amount": 50_000}]})
    flow.confirm_spending()
    assert account(engine, "SOF").spent_for(flow.id) == Decimal("200000.00")
    assert api.as_("admin").get("/api/jobs", query_string={"state": "failed"}).json == []  # no incident
    flow.wait(200)  # the end date: the last period's report is held to the grant too
    response = flow.end_date_decision("stop", [("SOF", 1)], status=422)
    assert "0.00" in response.json["details"][0]["message"]


def test_the_coordinator_confirms_spending_before_it_is_booked(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.to_pilot(amount=200_000)
    flow.wait(31)
    flow.complete(flow.owner, "utvardera_pilot", {"measurements": [], "lessons": "l", "pilot_decision": "continue",
                                                  "funds_spent": [{"administration": "SOF", "amount": 90_000}]})
    assert open_tasks(api, flow) == ["bekrafta_kostnader"]
    task = flow.task("ivar", "bekrafta_kostnader")
    response = api.as_(flow.owner).post(f"/api/tasks/{task['id']}/complete", json={"data": {
        "spending_confirmation": "confirm"}})
    assert response.status_code == 403  # the idea owner cannot confirm their own spending
    flow.confirm_spending(answer="return")
    assert open_tasks(api, flow) == ["utvardera_pilot"] and account(engine, "SOF").spent_for(flow.id) == 0
    flow.complete(flow.owner, "utvardera_pilot", {"measurements": [], "lessons": "l", "pilot_decision": "continue",
                                                  "funds_spent": [{"administration": "SOF", "amount": 9_000}]})
    flow.confirm_spending()
    assert account(engine, "SOF").spent_for(flow.id) == Decimal("9000.00")


def test_spending_is_whole_kronor_within_reason(api, engine, clock):
    flow = ApiInitiative(api, engine, clock)
    flow.to_pilot(amount=200_000)
    flow.wait(31)
    for amount in (1e308, 0.5, -1):
        response = flow.complete(flow.owner, "utvardera_pilot", {
            "measurements": [], "lessons": "l", "pilot_decision": "continue",
            "funds_spent": [{"administration": "SOF", "amount": amount}]}, 422)
        assert [d["field"] for d in response.json["details"]] == ["/funds_spent/0/amount"], amount
