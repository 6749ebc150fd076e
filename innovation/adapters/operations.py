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
from innovation.domain.errors import GrantNotDecided, GrantNotRequested, InsufficientFunds
from innovation.domain.ledger import check_decided, check_grant, reserve_many, spend_many
from innovation.domain.money_gate import aggregate, decided_amounts
from innovation.domain.scoring import assess


def _lines(rows) -> dict[str, Decimal]:
    """Funding lines [{administration, amount}] summed per administration."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows or []:
        totals[row["administration"]] += Decimal(str(row["amount"]))
    return dict(totals)


def kronor(amount: Decimal) -> int | float:
    """Whole kronor as an int (how forms and pages show them), anything else as a float."""
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def budget_position(account) -> dict:
    """An administration's innovation budget for the year, as its decision makers see it."""
    return {"budget": kronor(account.budget), "available": kronor(account.available),
            "reserved": kronor(account.reserved), "granted": kronor(account.granted), "spent": kronor(account.spent)}


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
        registry.register("innovation.aggregate_money", self.aggregate_money, RetryPolicy(attempts=1))
        registry.register("innovation.reserve_funds", self.reserve_funds)
        registry.register("innovation.record_spend", self.record_spend)
        registry.register("innovation.release_funds", self.release_funds)
        registry.register("innovation.remind", self.remind)

    @staticmethod
    def score(params: dict, ctx: OperationContext) -> dict:
        return assess(params["criteria"]).to_dict()

    def check_budget(self, params: dict, ctx: OperationContext) -> dict:
        """Each paying administration's position for the year against its share of the request;
        with nothing requested, the initiative's own administration is asked for 0 (the pilot
        is financed elsewhere, but still passes the gate by a decision)."""
        requested = _lines(params.get("requested_funds")) or {params["administration"]: Decimal(0)}
        year = int(params["year"])
        with self.db.unit_of_work(write=True) as uow:
            accounts = ledger_store.load_accounts(uow.session, year, requested, lock=False)
            uow.commit()
        lines = [{"administration": code, "year": year, "requested": kronor(amount),
                  **budget_position(accounts[code]), "sufficient": accounts[code].available >= amount}
                 for code, amount in sorted(requested.items())]
        return {"ok": all(line["sufficient"] for line in lines), "year": year, "lines": lines}

    @staticmethod
    def aggregate_money(params: dict, ctx: OperationContext) -> dict:
        return aggregate(params["decisions"])

    @contextmanager
    def _booking(self, ctx: OperationContext):
        """A writing transaction that first holds the job asking for the booking."""
        with self.db.unit_of_work(write=True) as uow:
            if ctx.hold is not None:
                ctx.hold(uow.session)
            yield uow

    def reserve_funds(self, params: dict, ctx: OperationContext) -> dict:
        """Reserve the granted lines; a line without its administration's own grant decision,
        beyond what the set-up requested from it, or beyond its balance goes back to the
        money gate with the reason."""
        grants = _lines(params.get("grants"))
        with self._booking(ctx) as uow:
            accounts = ledger_store.load_accounts(uow.session, int(params["year"]), grants)
            try:
                check_decided(grants, decided_amounts(params.get("decisions") or {}))
                check_grant(grants, _lines(params.get("requested_funds")))
                entries = reserve_many(accounts, grants, ctx.instance_id, ctx.job_id)
            except (GrantNotDecided, GrantNotRequested, InsufficientFunds) as exc:
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
