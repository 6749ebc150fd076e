"""The public innovation database: open to everyone, only public fields (downloads: ui.views.open_data)."""
from __future__ import annotations

from flask import render_template, request

from application import portfolio
from engine import NotFound
from innovation.domain.administrations import ADMINISTRATIONS
from innovation.domain.vocabulary import Kind, Phase, Status
from ui.auth import engine
from ui.blueprint import bp, public
from ui.paging import page_number

FILTERS = ("phase", "kind", "administration", "status")
PAGE_SIZE = 25


def _filters() -> dict:
    return {name: request.args.get(name) or None for name in FILTERS}


def filter_choices() -> dict:
    return {"phase": [p.value for p in Phase], "kind": [k.value for k in Kind],
            "administration": [a.code for a in ADMINISTRATIONS], "status": [s.value for s in Status]}


@bp.get("/public/initiatives")
@public
def public_list():
    with engine().db.unit_of_work() as uow:
        result = portfolio.public_page(uow.session, page=page_number(), page_size=PAGE_SIZE, **_filters())
    filters = _filters()
    return render_template("ui/public_list.html", result=result, filters=filters, choices=filter_choices(),
                           filters_args={k: v for k, v in filters.items() if v})


@bp.get("/public/initiatives/<initiative_id>")
@public
def public_detail(initiative_id):
    with engine().db.unit_of_work() as uow:
        found = portfolio.public_initiatives(uow.session, instance_id=initiative_id)
    if not found:
        raise NotFound(f"initiative {initiative_id} does not exist")
    return render_template("ui/public_detail.html", item=found[0])
