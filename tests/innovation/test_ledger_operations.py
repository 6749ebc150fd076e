"""The ledger operations against the database: replays book nothing twice, balances stay >= 0."""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from application import notifications
from engine.operations import BpmnError, OperationContext
from innovation.adapters import ledger_store
from innovation.adapters.operations import InnovationOperations


def context(clock, job_id: str, instance_id: str = "i-1") -> OperationContext:
    return OperationContext(job_id=job_id, instance_id=instance_id, business_key=None, element_id="x",
                            attempt=1, now=clock.now())


def available(engine, code: str) -> Decimal:
    with engine.db.unit_of_work(write=True) as uow:
        value = ledger_store.load_accounts(uow.session, 2026, [code], lock=False)[code].available
        uow.commit()
    return value


def test_the_same_job_twice_books_once(engine, clock):
    ops = InnovationOperations(engine.db, notify=notifications.remind)
    before = available(engine, "SOF")
    params = {"grants": [{"administration": "SOF", "amount": 1000}],
              "requested_funds": [{"administration": "SOF", "amount": 1000}], "year": 2026}
    first = ops.reserve_funds(params, context(clock, "job-1"))
    second = ops.reserve_funds(params, context(clock, "job-1"))
    assert first == second == {"reserved": [{"administration": "SOF", "amount": 1000.0}], "total": 1000.0}
    assert available(engine, "SOF") == before - 1000
    spend = {"funds_spent": [{"administration": "SOF", "amount": 400}], "year": 2026}
    ops.record_spend(spend, context(clock, "job-2"))
    ops.record_spend(spend, context(clock, "job-2"))
    ops.release_funds({"year": 2026}, context(clock, "job-3"))
    ops.release_funds({"year": 2026}, context(clock, "job-3"))
    assert available(engine, "SOF") == before - 400


def test_overspending_a_reservation_is_refused(engine, clock):
    ops = InnovationOperations(engine.db, notify=notifications.remind)
    line = [{"administration": "MF", "amount": 100}]
    ops.reserve_funds({"grants": line, "requested_funds": line, "year": 2026}, context(clock, "r"))
    with pytest.raises(Exception, match="reserv"):
        ops.record_spend({"funds_spent": [{"administration": "MF", "amount": 101}], "year": 2026},
                         context(clock, "s"))


def test_concurrent_reservations_never_overdraw(engine, clock):
    """Ten initiatives race for one administration's last 250 000 SEK: at most two get 100 000."""
    with engine.db.unit_of_work(write=True) as uow:
        ledger_store.set_budget(uow.session, "FF", 2026, 250_000)
        uow.commit()
    ops = InnovationOperations(engine.db, notify=notifications.remind)
    outcomes, barrier = [], threading.Barrier(10)

    def reserve(n: int) -> None:
        barrier.wait()
        try:
            line = [{"administration": "FF", "amount": 100_000}]
            ops.reserve_funds({"grants": line, "requested_funds": line, "year": 2026},
                              context(clock, f"job-{n}", f"initiative-{n}"))
            outcomes.append("granted")
        except BpmnError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=reserve, args=(n,)) for n in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["granted"] * 2 + ["insufficient_funds"] * 8
    assert available(engine, "FF") == Decimal("50000.00")
