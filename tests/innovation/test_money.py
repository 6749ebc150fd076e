"""Money never leaks: aborts, terminations and reservations racing them leave the ledger whole.

Each test ends by checking the totals of every account: budget = available + reserved +
spent, nothing negative, and nothing reserved for an initiative that is over.
"""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from innovation.adapters import ledger_store
from innovation.domain.administrations import yearly_budgets

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
    """Complete the money gate but leave the reservation job to a worker: claimed, not run."""
    d.engine.complete_task(d.task("beslut_pengar")["id"], {
        "money_decision": "grant", "money_rationale": "Bra upplägg.",
        "grants": [{"administration": c, "amount": a} for c, a in grants]}, actor="decision-maker")
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


@pytest.mark.parametrize("grants, refused", [
    ([("SOF", 300_000), ("MF", 100_000)], "MF: granted 100000.00 SEK, but the set-up requested 0.00 SEK"),
    ([("SOF", 300_001)], "SOF: granted 300001.00 SEK, but the set-up requested 300000.00 SEK"),
])
def test_a_grant_books_only_what_was_requested_from_each_administration(submit, grants, refused):
    d = at_money_gate(submit)
    d.gate_money("grant", grants)
    assert [t["element_id"] for t in d.open_tasks()] == ["beslut_pengar"]
    assert refused in d.instance()["data"]["reservation_error"]["message"]
    found = assert_ledger_whole(d.engine, [])
    assert [found[code].granted_for(d.instance_id) for code, _ in grants] == [0] * len(grants)


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
