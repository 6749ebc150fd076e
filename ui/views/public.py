"""The public innovation database: open to everyone, only public fields, exportable."""
from __future__ import annotations

import csv
import io
import json

from flask import Response, render_template, request

from application import portfolio
from engine import NotFound
from innovation.domain.administrations import ADMINISTRATIONS
from innovation.domain.vocabulary import Kind, Phase, Status
from ui.auth import engine
from ui.blueprint import bp, public
from ui.paging import page_number

FILTERS = ("phase", "kind", "administration", "status")
PAGE_SIZE = 25
CSV_COLUMNS = ("id", "title", "kind", "administration", "phase", "status", "idea_owner", "effect_goals",
               "lessons_learned")


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


def _all() -> list[dict]:
    with engine().db.unit_of_work() as uow:
        return portfolio.public_initiatives(uow.session, **_filters())


@bp.get("/public/initiatives.json")
@public
def public_json():
    """The same records as GET /api/public/initiatives, as a download."""
    body = json.dumps(_all(), ensure_ascii=False, indent=1)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": "attachment; filename=initiatives.json"})


@bp.get("/public/initiatives.csv")
@public
def public_csv():
    """One row per initiative; effect goals as JSON, lessons separated by ' | '."""
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for item in _all():
        writer.writerow({**item, "effect_goals": json.dumps(item["effect_goals"], ensure_ascii=False),
                         "lessons_learned": " | ".join(item["lessons_learned"])})
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=initiatives.csv"})
