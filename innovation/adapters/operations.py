"""The service-task operations of processes/innovation.bpmn.

Each runs in its own short transaction outside the instance lock. Ledger bookings carry
the job id as their entry key, so a job retried after a crash books nothing twice and
returns what the first run booked. A booking holds its job's row (``ctx.hold``), so no
money moves for a job its initiative's abort or termination cancelled, and whatever an
initiative still holds when it ends is released in the same transaction
(``release_when_ended``): money never stays reserved for an initiative that is over.
"""
from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from decimal import Decimal
from typing import Protocol

from engine import BpmnError, InstanceStatus, OperationContext, OperationRegistry, RetryPolicy
from innovation.adapters import ledger_store
from innovation.domain.errors import GrantNotRequested, InsufficientFunds
from innovation.domain.ledger import check_grant, reserve_many, spend_many
from innovation.domain.scoring import assess


def _lines(rows) -> dict[str, Decimal]:
    """Funding lines [{administration, amount}] summed per administration."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows or []:
        totals[row["administration"]] += Decimal(str(row["amount"]))
    return dict(totals)


def _money(entries: dict) -> list[dict]:
    return [{"administration": code if isinstance(code, str) else code[0], "amount": float(entry.amount)}
            for code, entry in sorted(entries.items())]


class Notify(Protocol):
    """Where the diagram's reminders go (the application's notifications), inside the job's
    transaction; ``key`` is the job id, so a retried job sends nothing twice."""

    def __call__(self, session, *, key: str, recipient: str, task: str, instance_id: str, at) -> None: ...


class InnovationOperations:
    def __init__(self, db, notify: Notify):
        self.db = db
        self.notify = notify

    def register(self, registry: OperationRegistry) -> None:
        registry.register("innovation.score", self.score, RetryPolicy(attempts=1))
        registry.register("innovation.check_budget", self.check_budget)
        registry.register("innovation.reserve_funds", self.reserve_funds)
        registry.register("innovation.record_spend", self.record_spend)
        registry.register("innovation.release_funds", self.release_funds)
        registry.register("innovation.remind", self.remind)

    @staticmethod
    def score(params: dict, ctx: OperationContext) -> dict:
        return assess(params["criteria"]).to_dict()

    def check_budget(self, params: dict, ctx: OperationContext) -> dict:
        requested = _lines(params.get("requested_funds"))
        with self.db.unit_of_work(write=True) as uow:
            accounts = ledger_store.load_accounts(uow.session, int(params["year"]), requested, lock=False)
            uow.commit()
        lines = [{"administration": code, "requested": float(amount), "available": float(accounts[code].available),
                  "sufficient": accounts[code].available >= amount} for code, amount in sorted(requested.items())]
        return {"ok": all(line["sufficient"] for line in lines), "lines": lines}

    @contextmanager
    def _booking(self, ctx: OperationContext):
        """A writing transaction that first holds the job asking for the booking."""
        with self.db.unit_of_work(write=True) as uow:
            if ctx.hold is not None:
                ctx.hold(uow.session)
            yield uow

    def reserve_funds(self, params: dict, ctx: OperationContext) -> dict:
        """Reserve the granted lines; a grant beyond what the set-up requested from an
        administration, or beyond its balance, goes back to the money gate."""
        grants = _lines(params.get("grants"))
        with self._booking(ctx) as uow:
            accounts = ledger_store.load_accounts(uow.session, int(params["year"]), grants)
            try:
                check_grant(grants, _lines(params.get("requested_funds")))
                entries = reserve_many(accounts, grants, ctx.instance_id, ctx.job_id)
            except (GrantNotRequested, InsufficientFunds) as exc:
                raise BpmnError("insufficient_funds", str(exc)) from exc
            ledger_store.save_entries(uow.session, accounts, ctx.now)
            uow.commit()
        return {"reserved": _money(entries), "total": float(sum(e.amount for e in entries.values()))}

    def record_spend(self, params: dict, ctx: OperationContext) -> dict:
        spent = {code: amount for code, amount in _lines(params.get("funds_spent")).items() if amount > 0}
        with self._booking(ctx) as uow:
            accounts = ledger_store.spending_accounts(uow.session, ctx.instance_id)
            entries = spend_many(accounts, spent, ctx.instance_id, ctx.job_id)
            ledger_store.save_entries(uow.session, accounts, ctx.now)
            uow.commit()
        return {"spent": float(sum(e.amount for e in entries.values())), "lines": _money(entries)}

    def release_funds(self, params: dict, ctx: OperationContext) -> dict:
        with self._booking(ctx) as uow:
            released = ledger_store.release_initiative(uow.session, ctx.instance_id, ctx.job_id, ctx.now)
            uow.commit()
        return {"released": float(sum(e.amount for e in released.values())), "lines": _money(released)}

    def remind(self, params: dict, ctx: OperationContext) -> dict:
        with self.db.unit_of_work(write=True) as uow:
            self.notify(uow.session, key=ctx.job_id, recipient=params["recipient"], task=params["task"],
                        instance_id=ctx.instance_id, at=ctx.now)
            uow.commit()
        return {"sent": True}


def plugin(host) -> None:
    """The innovation model's operations, as the engine's plug-in ``innovation`` (see
    pyproject.toml); the application lends the notification sender as ``notify``."""
    InnovationOperations(host.db, notify=host.services["notify"]).register(host.operations)


def release_when_ended(session, event) -> None:
    """Engine listener: an initiative that ended (completed, or terminated by an admin)
    gives back every reservation it still holds, in the transaction that ends it."""
    if event.status in (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED):
        ledger_store.release_initiative(session, event.instance_id, f"ended:{event.instance_id}", event.at)
