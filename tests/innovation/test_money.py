"""Money never leaks: aborts, terminations and reservations racing them leave the ledger whole.

Each test ends by checking the totals of every account: budget = available + reserved +
spent, nothing negative, and nothing reserved for an initiative that is over.
"""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from engine import InvalidData
from innovation.adapters import ledger_store
from innovation.domain.administrations import yearly_budgets
from innovation.driver import share_decision

YEAR = 2026


def accounts(engine) -> dict:
    with engine.db.unit_of_work(write=True) as uow:
        found = ledger_store.load_accounts(uow.session, YEAR, lock=False)
        uow.commit()
    return found


def assert_ledger_whole(engine, ended: list[str]) -> dict:
    """Every account adds up, and the ended initiatives hold nothing; returns the accounts."""
    found = accounts(engine)
    for code, account in found.items():
        assert account.budget == yearly_budgets()[code]
        assert account.available + account.reserved + account.spent == account.budget
        assert min(account.available, account.reserved, account.spent) >= 0, code
        for instance_id in ended:
            assert account.reserved_for(instance_id) == 0, (code, instance_id)
    return found


def at_money_gate(submit, funds=(("SOF", 300_000),)):
    d = submit()
    d.screen()
    d.gate_time("go")
    d.explore_idea(3)
    d.plan(list(funds))
    return d


def grant_without_running(d, grants) -> dict:
    """Every administration grants its share in full, but the reservation job is left to a
    worker: claimed, not run (the decisions are aggregated first)."""
    for code, _ in grants:
        d.engine.complete_task(d.task("beslut_pengar", code)["id"], share_decision("grant", code),
                               actor=f"decision-maker-{code}")
    (aggregate,) = d.engine.jobs.claim("worker", limit=1)
    assert aggregate["operation"] == "innovation.aggregate_money"
    d.engine.jobs.run(aggregate, "worker")
    (job,) = d.engine.jobs.claim("slow-worker", limit=1)
    assert job["operation"] == "innovation.reserve_funds"
    return job


def test_a_reservation_that_lands_after_the_abort_books_nothing(submit):
    d = at_money_gate(submit)
    job = grant_without_running(d, [("SOF", 300_000)])
    d.abort("Idén drogs tillbaka.")
    d.lessons()
    assert d.instance()["end_element"] == "slut_avbruten"
    d.engine.jobs.run(job, "slow-worker")  # the worker only now gets to the ledger
    assert assert_ledger_whole(d.engine, [d.instance_id])["SOF"].granted_for(d.instance_id) == 0
    (ignored,) = [h for h in d.engine.history(d.instance_id) if h["details"].get("ignored")]
    assert ignored["details"]["job_id"] == job["id"]


def test_a_reservation_booked_before_the_abort_is_released_by_it(submit):
    d = at_money_gate(submit)
    job = grant_without_running(d, [("SOF", 300_000)])
    outcome = d.engine.jobs.execute(job)  # booked; the result is not handed over yet
    assert outcome[0] == "ok"
    d.abort("Idén drogs tillbaka.")
    d.lessons()
    d.engine.jobs.settle(job, *outcome, actor="slow-worker")
    found = assert_ledger_whole(d.engine, [d.instance_id])
    assert found["SOF"].granted_for(d.instance_id) == Decimal("300000.00")


def test_terminate_releases_what_the_initiative_holds(funded_pilot):
    d = funded_pilot()
    d.evaluate("continue", [("SOF", 50_000)])
    assert accounts(d.engine)["SOF"].reserved_for(d.instance_id) == Decimal("250000.00")
    d.engine.terminate(d.instance_id, actor="admin")
    found = assert_ledger_whole(d.engine, [d.instance_id])
    assert found["SOF"].spent_for(d.instance_id) == Decimal("50000.00")
    assert found["SLF"].available == yearly_budgets()["SLF"]


def test_a_reservation_that_lands_after_terminate_books_nothing(submit):
    d = at_money_gate(submit)
    job = grant_without_running(d, [("SOF", 300_000)])
    d.engine.terminate(d.instance_id, actor="admin")
    d.engine.jobs.run(job, "slow-worker")
    assert assert_ledger_whole(d.engine, [d.instance_id])["SOF"].granted_for(d.instance_id) == 0


def test_a_decision_books_only_its_own_administrations_share(submit):
    """The form carries no administration and no grant lines: a decision maker cannot put
    another administration's money in its grant; the share comes from the request."""
    d = at_money_gate(submit, [("SOF", 300_000), ("FF", 100_000)])
    assert d.shares() == {"FF": 100_000, "SOF": 300_000}
    sof = d.task("beslut_pengar", "SOF")
    with pytest.raises(InvalidData) as refused:
        d.engine.complete_task(sof["id"], {**share_decision("grant", "SOF"),
                                           "grants": [{"administration": "FF", "amount": 250_000}]}, actor="sof")
    assert [p.field for p in refused.value.details] == ["/grants"]
    d.decide_share("SOF", "grant")
    d.decide_share("FF", "reject")
    assert d.instance()["data"]["money_outcome"]["grants"] == [{"administration": "SOF", "amount": 300_000}]
    d.choose_after_partial_grant("proceed")
    found = assert_ledger_whole(d.engine, [])
    assert (found["SOF"].granted_for(d.instance_id), found["FF"].granted_for(d.instance_id)) == (300_000, 0)


def test_a_refused_reservation_goes_back_to_the_administrations_with_its_reason(submit, engine):
    with engine.db.unit_of_work(write=True) as uow:
        ledger_store.set_budget(uow.session, "KF", YEAR, 100_000)
        uow.commit()
    d = at_money_gate(submit, [("KF", 250_000)])
    d.gate_money("grant", [("KF", 250_000)])
    (again,) = [t for t in d.open_tasks() if t["element_id"] == "beslut_pengar"]
    request = d.engine.task_form(again["id"])["item"]
    assert "KF: requested 250000.00 SEK, only 100000.00 SEK available" in request["refusal"]
    assert (request["available"], request["sufficient"]) == (100_000, False)
    assert accounts(d.engine)["KF"].granted_for(d.instance_id) == 0


def test_reservations_racing_aborts_and_terminations_leave_the_ledger_whole(submit, engine):
    """Eight initiatives each have a reservation in flight; at the same moment half are
    aborted and half terminated. Whatever order the database lets them land in, every
    initiative ends holding nothing."""
    drivers = [at_money_gate(submit, [("FF", 100_000), ("SOF", 50_000)]) for _ in range(8)]
    jobs = [grant_without_running(d, [("FF", 100_000), ("SOF", 50_000)]) for d in drivers]
    barrier = threading.Barrier(16)
    errors = []

    def racing(action):
        def run():
            barrier.wait()
            try:
                action()
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
        return threading.Thread(target=run)

    threads = []
    for n, (d, job) in enumerate(zip(drivers, jobs)):
        threads.append(racing(lambda job=job: engine.jobs.run(job, "slow-worker")))
        if n % 2:
            threads.append(racing(lambda d=d: engine.terminate(d.instance_id, actor="admin")))
        else:
            threads.append(racing(lambda d=d: engine.correlate_message(
                "avbryt_initiativ", {"reason": "Prioriteras ned."}, actor="coordinator", instance_id=d.instance_id)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    for n, d in enumerate(drivers):
        d.settle()
        if n % 2 == 0:
            d.lessons()
    assert {d.instance()["status"] for d in drivers} <= {"completed", "terminated"}
    assert_ledger_whole(engine, [d.instance_id for d in drivers])
