"""The public innovation database: open to everyone, published records only (downloads: ui.views.open_data)."""
from __future__ import annotations

from decimal import Decimal

from flask import render_template, request

from application import publication
from engine import NotFound
from innovation.domain.administrations import ADMINISTRATIONS
from innovation.domain.publishing import PROGRESS
from innovation.domain.vocabulary import Kind, Phase, Status
from ui.auth import engine
from ui.blueprint import bp, public
from ui.paging import page_number

FILTERS = ("phase", "kind", "administration", "status")
PAGE_SIZE = 25


def _filters() -> dict:
    found = {name: request.args.get(name) or None for name in FILTERS}
    return {**found, "q": (request.args.get("q") or "").strip() or None}


def funds_total(lines: list[dict]) -> Decimal:
    return sum((Decimal(line["amount"]) for line in lines), Decimal(0))


def bar(record: dict) -> int:
    """How far the bar reaches: the progress, or for an aborted one the phase it reached."""
    if record["progress"] >= 0:
        return record["progress"]
    reached = record.get("phase_reached")  # an imported record may name a phase of its own
    return PROGRESS.get(reached, 0) if reached else 0


def filter_choices() -> dict:
    return {"phase": [p.value for p in Phase], "kind": [k.value for k in Kind],
            "administration": [a.code for a in ADMINISTRATIONS], "status": [s.value for s in Status]}


@bp.get("/public/initiatives")
@public
def public_list():
    filters, page = _filters(), page_number()
    with engine().db.unit_of_work() as uow:
        total, records = publication.public_records(uow.session, page=page, page_size=PAGE_SIZE, **filters)
    result = {"items": [r.to_dict() for r in records], "total": total, "page": page, "page_size": PAGE_SIZE}
    return render_template("ui/public_list.html", result=result, filters=filters, choices=filter_choices(),
                           filters_args={k: v for k, v in filters.items() if v}, bar=bar)


@bp.get("/public/initiatives/<initiative_id>")
@public
def public_detail(initiative_id):
    with engine().db.unit_of_work() as uow:
        found = publication.public_record(uow.session, initiative_id)
    if found is None:
        raise NotFound(f"initiative {initiative_id} does not exist")
    return render_template("ui/public_detail.html", item=found.to_dict(), bar=bar, funds_total=funds_total)
