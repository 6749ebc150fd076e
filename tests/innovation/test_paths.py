"""Every path through processes/innovation.bpmn, driven through the engine and its database.

Each step loads the instance from the database, changes it and saves it (the engine has
no other way), with jobs and timers run in-process by the driver.
"""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from application.notifications import OutboxMessage
from innovation.adapters import ledger_store
from innovation.domain.vocabulary import Phase, Status


def ended(driver, outcome: str) -> None:
    instance = driver.instance()
    assert instance["status"] == "completed"
    assert instance["end_element"] == {"realised": "slut_realiserad", "aborted": "slut_avbruten"}[outcome]
    assert driver.record().status == Status(outcome)
    assert driver.open_tasks() == [] and instance["timers"] == [] and instance["jobs"] == []


def balances(engine, year: int = 2026) -> dict:
    with engine.db.unit_of_work(write=True) as uow:
        accounts = ledger_store.load_accounts(uow.session, year, lock=False)
        uow.commit()
    return {code: account for code, account in accounts.items()}


def test_realised_with_several_evaluations(funded_pilot):
    d = funded_pilot()
    record = d.record()
    assert record.phase == Phase.UTVECKLA_PILOT
    assert (record.assessment.assessment.criteria_met, record.assessment.assessment.applicable) == (9, 9)
    assert record.assessment.assessed_by == "coordinator"
    assert record.funds_granted == {"SOF": Decimal("300000.00"), "SLF": Decimal("100000.00")}
    d.evaluate("continue", [("SOF", 50_000)], value=1.5)
    d.evaluate("adjust", [("SLF", 30_000)], value=3.0)
    d.evaluate("scale", [("SOF", 100_000)], value=5.5)
    assert d.record().phase == Phase.SKALA
    d.scale_up()
    assert d.record().status == Status.REALISED  # in use: realised at go-live
    d.follow_up_benefit()
    d.follow_up_benefit()
    ended(d, "realised")
    record = d.record()
    assert record.funds_spent == {"SOF": Decimal("150000.00"), "SLF": Decimal("30000.00")}
    assert [g.latest_value for g in record.effect_goals] == [4.5]  # measured at the last follow-up
    assert [(g.gate.value, g.decision.value, g.decided_by, g.administration) for g in record.gate_decisions] == [
        ("granskning", "go", "coordinator", None), ("tid", "go", "manager", None),
        ("pengar", "go", "decision-maker-SLF", "SLF"), ("pengar", "go", "decision-maker-SOF", "SOF"),
        ("pilot", "go", "idea-owner", None), ("skala_upp", "go", "decision-maker", None),
        # the receiving administration's own decision makers:
        ("mottagande", "go", "decision-maker-SOF", "SOF"), ("inforande", "go", "decision-maker-SOF", "SOF"),
        ("uppfoljning", "on_track", "coordinator", None), ("uppfoljning", "on_track", "coordinator", None)]
    assert record.gate_decisions[4].amounts == {"SOF": Decimal("100000.00")}  # what the last round spent
    accounts = balances(d.engine)
    assert accounts["SOF"].reserved_for(d.instance_id) == 0  # unspent funds released at the end
    assert accounts["SOF"].spent_for(d.instance_id) == Decimal("150000.00")
    assert [p.phase.value for p in record.phase_dates] == ["utforska_ide", "utforska_upplagg", "utveckla_pilot", "skala"]


def test_killed_at_the_time_gate_before_any_exploring(submit):
    d = submit()
    d.screen()
    assert [t["element_id"] for t in d.open_tasks()] == ["beslut_tid"]
    d.gate_time("kill")
    d.lessons(category="funktionellt")
    ended(d, "aborted")
    assert [(g.gate.value, g.decision.value, g.category and g.category.value, g.decided_by)
            for g in d.record().gate_decisions] == [("granskning", "go", None, "coordinator"),
                                                    ("tid", "kill", None, "manager"),
                                                    ("avbrott", "kill", "funktionellt", "coordinator")]
    assert "need_analysis" not in d.instance()["data"]  # nobody explored without time granted


def test_rejected_at_the_screening_through_the_abort_path(submit):
    d = submit()
    assert [t["element_id"] for t in d.open_tasks()] == ["granska_initiativ"]
    d.screen("reject", screening_category="battre_losning")
    assert [t["element_id"] for t in d.open_tasks()] == ["dokumentera_lardomar"]
    d.lessons("Det finns redan en tjänst för detta.")
    ended(d, "aborted")
    [screening, abort] = d.record().gate_decisions  # the screening's reason is the abort's category
    assert (screening.gate.value, screening.decision.value, screening.decided_by) == ("granskning", "kill",
                                                                                      "coordinator")
    assert (abort.gate.value, abort.category.value) == ("avbrott", "battre_losning")


def test_the_screening_settles_kind_and_administration(submit):
    d = submit(administration="SOF", kind="idedriven")
    d.screen(kind="mojlighetsdriven", administration="KF")
    record = d.record()
    assert (record.kind.value, record.administration) == ("mojlighetsdriven", "KF")
    assert d.instance()["data"]["administration"] == "KF"  # later steps (the money gate) read it too


def test_a_residents_idea_gets_an_internal_owner_instead_of_working_time(submit):
    d = submit(submitter="resident")
    d.screen()
    assert [t["element_id"] for t in d.open_tasks()] == ["tilldela_idebarare"]
    d.assign_owner("bo")
    assert [t["element_id"] for t in d.open_tasks()] == ["utforska_behov"]
    d.explore_idea()
    assert d.record().phase == Phase.UTFORSKA_UPPLAGG
    assert [g.gate.value for g in d.record().gate_decisions] == ["granskning"]  # no beslut tid


def test_killed_at_the_money_gate(submit):
    d = submit()
    d.screen()
    d.gate_time("go")
    d.explore_idea()
    d.plan([("KF", 200_000)])
    d.gate_money("kill")
    d.lessons()
    ended(d, "aborted")


def test_rejected_at_the_scale_gate_releases_funds(funded_pilot):
    d = funded_pilot()
    d.evaluate("scale", [("SOF", 80_000)])
    d.prepare_scaling()
    d.gate_scale("reject")
    d.lessons("Ingen förvaltning kunde ta emot lösningen.")
    ended(d, "aborted")
    accounts = balances(d.engine)
    assert accounts["SOF"].reserved_for(d.instance_id) == 0 and accounts["SLF"].reserved_for(d.instance_id) == 0
    assert "Ingen förvaltning kunde ta emot lösningen." in d.record().lessons_learned


def test_recycled_at_the_time_and_money_gates(submit):
    d = submit()
    d.screen()
    d.gate_time("recycle")
    assert [t["element_id"] for t in d.open_tasks()] == ["granska_initiativ"]
    d.screen(administration="MF", screening_rationale="Hör till Miljöförvaltningen.")
    d.gate_time("go")
    d.explore_idea()
    d.plan([("MF", 100_000)])
    d.gate_money("grant", [("MF", 50_000)])  # in part: the idea owner reworks the set-up
    d.choose_after_partial_grant("rework")
    assert [t["element_id"] for t in d.open_tasks()] == ["utforma_upplagg"]
    d.plan([("MF", 80_000)])
    d.gate_money("grant", [("MF", 80_000)])
    assert d.record().phase == Phase.UTVECKLA_PILOT
    assert [(g.gate.value, g.decision.value) for g in d.record().gate_decisions] == [
        ("granskning", "go"), ("tid", "recycle"), ("granskning", "go"), ("tid", "go"),
        ("pengar", "go"),  # MF's share, granted in part
        ("pengar", "recycle"),  # the idea owner reworks the set-up
        ("pengar", "go")]


def test_on_hold_and_back_at_the_date(submit):
    d = submit()
    d.screen()
    d.gate_time("hold", hold_until="2026-03-01")
    assert d.record().status == Status.ON_HOLD
    assert [t["element_id"] for t in d.open_tasks()] == ["vilande_tid"]
    assert [t["element_id"] for t in d.instance()["timers"]] == ["vanta_beslut_tid"]
    d.wait(days=30)
    assert [t["element_id"] for t in d.open_tasks()] == ["vilande_tid"]
    d.wait(days=30)
    assert [t["element_id"] for t in d.open_tasks()] == ["beslut_tid"] and d.instance()["timers"] == []
    d.gate_time("go")
    assert d.record().status == Status.ACTIVE and [t["element_id"] for t in d.open_tasks()] == ["utforska_behov"]


def test_a_hold_lifted_before_its_date(submit):
    d = submit()
    d.screen()
    d.gate_time("hold", hold_until="2027-01-01")
    d.wait(days=3)
    d.resume("Budgeten blev klar tidigare.")
    assert [t["element_id"] for t in d.open_tasks()] == ["beslut_tid"] and d.instance()["timers"] == []
    d.gate_time("go")
    d.explore_idea()
    assert d.record().phase == Phase.UTFORSKA_UPPLAGG


@pytest.mark.parametrize("phase", ["utforska_ide", "utforska_upplagg", "utveckla_pilot", "skala"])
def test_aborted_by_message_in_each_phase(submit, phase):
    d = submit()
    if phase != "utforska_ide":
        d.screen()
        d.gate_time("go")
        d.explore_idea()
    if phase in ("utveckla_pilot", "skala"):
        d.plan([("VOF", 150_000)])
        d.gate_money("grant", [("VOF", 150_000)])
    if phase == "skala":
        d.evaluate("scale", [("VOF", 20_000)])
    assert d.record().phase == Phase(phase)
    d.abort("En bättre lösning finns redan.", "battre_losning")
    assert [t["element_id"] for t in d.open_tasks()] == ["dokumentera_lardomar"]
    aborted = {"category": "battre_losning", "reason": "En bättre lösning finns redan."}
    assert d.instance()["data"]["abort"] == aborted
    lessons = d.engine.task_form(d.task("dokumentera_lardomar")["id"])
    assert lessons["data"] == {"abort": aborted}  # the form shows the abort's reason to confirm
    d.lessons()
    ended(d, "aborted")
    aborts = [(g.category.value, g.rationale, g.decided_by) for g in d.record().gate_decisions if g.category]
    assert aborts == [("battre_losning", "En bättre lösning finns redan.", "coordinator")]  # confirmed, once
    assert balances(d.engine)["VOF"].reserved_for(d.instance_id) == 0


def test_insufficient_budget_returns_to_the_money_gate(submit, engine):
    with engine.db.unit_of_work(write=True) as uow:
        ledger_store.set_budget(uow.session, "KF", 2026, 100_000)
        uow.commit()
    d = submit(administration="KF")
    d.screen()
    d.gate_time("go")
    d.explore_idea()
    d.plan([("KF", 250_000)])
    check = d.instance()["data"]["budget_check"]
    assert check["ok"] is False and check["lines"][0]["available"] == 100_000
    d.gate_money("grant", [("KF", 250_000)])
    assert [t["element_id"] for t in d.open_tasks()] == ["beslut_pengar"]
    assert balances(engine)["KF"].available == Decimal("100000.00")
    d.gate_money("grant", [("KF", 100_000)])  # in part: all there is
    d.choose_after_partial_grant("proceed")
    assert balances(engine)["KF"].available == 0
    assert d.record().phase == Phase.UTVECKLA_PILOT


def test_co_financing_by_three_administrations(submit, engine):
    d = submit()
    d.screen()
    d.gate_time("go")
    d.explore_idea()
    lines = [("SOF", 200_000), ("SF", 150_000), ("VOF", 50_000)]
    d.plan(lines)
    assert d.instance()["data"]["budget_check"]["ok"] is True
    d.gate_money("grant", lines)
    accounts = balances(engine)
    assert {c: accounts[c].reserved_for(d.instance_id) for c, _ in lines} == {
        "SOF": Decimal("200000.00"), "SF": Decimal("150000.00"), "VOF": Decimal("50000.00")}
    assert d.record().funds_granted == {c: Decimal(a).quantize(Decimal("0.01")) for c, a in lines}


def test_pilot_reminder_and_forced_end(funded_pilot, engine):
    d = funded_pilot(weeks=12, interval_days=30)
    d.evaluate("continue", [("SOF", 10_000)])
    d.wait(days=31)
    assert [t["element_id"] for t in d.open_tasks()] == ["utvardera_pilot"]
    d.wait(days=8)  # the evaluation is now overdue
    with engine.reading() as session:
        reminders = session.execute(select(OutboxMessage.recipient, OutboxMessage.subject)).all()
    assert reminders == [("ada.lind@helsingborg.se", "Påminnelse: Utvärdera pilot / Reminder: Utvärdera pilot")]
    assert [t["element_id"] for t in d.open_tasks()] == ["utvardera_pilot"]
    d.wait(days=14)  # past the planned end date (12 weeks)
    assert [t["element_id"] for t in d.open_tasks()] == ["tvingande_beslut"]
    d.end_date_decision("stop")
    d.lessons(category="kostnad_effekt")
    ended(d, "aborted")
    assert [(g.gate.value, g.decision.value, g.rationale) for g in d.record().gate_decisions
            if g.gate.value not in ("granskning", "tid", "pengar")] == [
        ("pilot_slutdatum", "kill", "Slutdatum nått: piloten avslutas."), ("avbrott", "kill", "Beslutet att avsluta.")]
    accounts = balances(engine)
    assert accounts["SOF"].spent_for(d.instance_id) == Decimal("10000.00")
    assert accounts["SOF"].reserved_for(d.instance_id) == 0


def test_stopping_a_pilot_releases_unspent_funds(funded_pilot, engine):
    before = balances(engine)["SOF"].available
    d = funded_pilot()
    d.evaluate("stop", [("SOF", 40_000)])
    d.lessons()
    ended(d, "aborted")
    (pilot,) = [g for g in d.record().gate_decisions if g.gate.value == "pilot"]  # rounds are not decisions
    assert (pilot.gate.value, pilot.decision.value, pilot.decided_by) == ("pilot", "kill", "idea-owner")
    after = balances(engine)["SOF"]
    assert after.available == before - Decimal("40000.00")
    assert after.reserved_for(d.instance_id) == 0
