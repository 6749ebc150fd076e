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


def reservation(lines: list[dict], decided: list[dict] | None = None) -> dict:
    """reserve_funds' parameters: ``lines`` requested, and granted by each administration's own
    decision (``decided``: the decisions, if not exactly the lines)."""
    decided = lines if decided is None else decided
    decisions = {line["administration"]: {"administration": line["administration"], "decision": "grant",
                                          "amount": line["amount"], "requested": line["amount"]} for line in decided}
    return {"grants": lines, "requested_funds": lines, "decisions": decisions, "year": 2026}


def test_the_same_job_twice_books_once(engine, clock):
    ops = InnovationOperations(engine.db, notify=notifications.remind)
    before = available(engine, "SOF")
    params = reservation([{"administration": "SOF", "amount": 1000}])
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
    ops.reserve_funds(reservation(line), context(clock, "r"))
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
            ops.reserve_funds(reservation(line), context(clock, f"job-{n}", f"initiative-{n}"))
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


@pytest.mark.parametrize("decided, refused", [
    ([], "FF's decision makers granted 0.00"),  # nobody at FF decided
    ([{"administration": "SOF", "amount": 250_000}], "FF's decision makers granted 0.00"),  # SOF decided for FF
    ([{"administration": "FF", "amount": 100_000}], "FF's decision makers granted 100000.00"),  # FF granted less
])
def test_no_grant_books_an_administrations_money_without_its_own_decision(engine, clock, decided, refused):
    ops = InnovationOperations(engine.db, notify=notifications.remind)
    before = available(engine, "FF")
    with pytest.raises(BpmnError, match=refused) as caught:
        ops.reserve_funds(reservation([{"administration": "FF", "amount": 250_000}], decided), context(clock, "r"))
    assert caught.value.code == "insufficient_funds" and available(engine, "FF") == before
