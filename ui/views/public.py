"""The public innovation database: open to everyone, published records only, exportable."""
from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from flask import Response, render_template, request

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
EXPORT_MAX = 100_000  # records in one download
CSV_COLUMNS = ("id", "title", "kind", "administration", "phase", "status", "idea_owner", "impact_goals",
               "lessons_learned")


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


def _all() -> list[dict]:
    with engine().db.unit_of_work() as uow:
        return [r.to_dict() for r in publication.public_records(uow.session, page=1, page_size=EXPORT_MAX,
                                                                **_filters())[1]]


@bp.get("/public/initiatives.json")
@public
def public_json():
    """The same records as GET /api/public/initiatives, as a download."""
    body = json.dumps(_all(), ensure_ascii=False, indent=1)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": "attachment; filename=initiatives.json"})


#: A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value) -> str:
    """A value as Swedish Excel reads it from a CSV cell: decimal comma, ja/nej, and text that
    could start a formula neutralised with a leading apostrophe (shown, never run)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, int | float | Decimal):
        return format(value, "f" if isinstance(value, Decimal) else "").replace(".", ",")
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _goal(goal: dict) -> str:
    """One impact goal in words: "Sparad tid: 0 → 5 timmar/vecka (senast 4,5)"."""
    unit = f" {goal['unit']}" if goal.get("unit") else ""
    latest = f" (senast {spreadsheet_cell(goal['latest'])})" if goal.get("latest") is not None else ""
    return (f"{goal['goal']}: {spreadsheet_cell(goal.get('baseline'))} → "
            f"{spreadsheet_cell(goal.get('target'))}{unit}{latest}")


@bp.get("/public/initiatives.csv")
@public
def public_csv():
    """One row per initiative for Swedish Excel: semicolons, UTF-8 with a byte order mark,
    decimal commas, effect goals and lessons as readable text; no cell can start a formula."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(CSV_COLUMNS)
    for item in _all():
        row = {**item, "impact_goals": "; ".join(_goal(g) for g in item["impact_goals"]),
               "lessons_learned": " | ".join(item["lessons_learned"])}
        writer.writerow([spreadsheet_cell(row.get(column)) for column in CSV_COLUMNS])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=initiatives.csv"})
