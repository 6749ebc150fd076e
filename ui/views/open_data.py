"""Open data from the public database: CSV, JSON and an Atom feed of changes, under CC0 1.0,
and the page that says what every field means and where it is in each format.

The downloads read only the published and historical records (``application.publication``);
the CSV is streamed a page of records at a time, so its first bytes leave before the last
row is read.
"""
from __future__ import annotations

import functools
import json
from datetime import UTC, datetime

from flask import Response, render_template, request, stream_with_context

from application import publication
from innovation.adapters.open_data import CSV_HEADER, FIELDS, LICENCE, atom_feed, csv_lines, json_document
from ui import i18n
from ui.auth import engine
from ui.blueprint import bp, public
from ui.i18n import t, term
from ui.views.public import _filters

BATCH = 500  # records read per query while a download is written


def _pages(filters: dict):
    """Every matching record, a batch per unit of work (a long download holds no transaction)."""
    page = 1
    while True:
        with engine().db.unit_of_work() as uow:
            total, records = publication.public_records(uow.session, page=page, page_size=BATCH, **filters)
        yield records
        if page * BATCH >= total or not records:
            return
        page += 1


def _download(body, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename={filename}", "Link": f'<{LICENCE["url"]}>; rel="license"'})


@bp.get("/public/initiatives.csv")
@public
def public_csv():
    """One row per initiative for Swedish Excel: semicolons, UTF-8 with a byte order mark,
    decimal commas, goals and funds as readable text; no cell can start a formula."""
    lines = csv_lines(_pages(_filters()), label=functools.lru_cache(maxsize=1024)(term))  # a word per value
    return _download(stream_with_context(line.encode("utf-8") for line in lines), "text/csv; charset=utf-8",
                     "initiatives.csv")


@bp.get("/public/initiatives.json")
@public
def public_json():
    """The public records as a JSON document, with the licence they are given away under."""
    records = [record for page in _pages(_filters()) for record in page]
    generated = datetime.now(UTC).isoformat(timespec="seconds")
    body = json.dumps(json_document(records, generated), ensure_ascii=False)
    return _download(body, "application/json", "initiatives.json")


@bp.get("/public/initiatives.atom")
@public
def public_atom():
    """The latest published changes as an Atom 1.0 feed, newest first."""
    with engine().db.unit_of_work() as uow:
        changes = publication.public_changes(uow.session, limit=50)
    body = atom_feed(changes, base_url=request.url_root, title=t("opendata.feed_title"),
                     subtitle=t("opendata.feed_subtitle"), rights=t("opendata.licence_text"),
                     now=datetime.now(UTC), label=term)
    return Response(body, mimetype="application/atom+xml")


@bp.get("/public/fields")
@public
def public_fields():
    """What each field of the public record means, in Swedish and English, and its key in the
    city's WordPress shape and its CSV column."""
    meanings = {field.name: i18n.in_both(f"opendata.field.{field.name}") for field in FIELDS}
    return render_template("ui/public_fields.html", fields=FIELDS, meanings=meanings, columns=len(CSV_HEADER))


@bp.app_context_processor
def _licence() -> dict:
    """The data's licence, for the open-data links on the public pages."""
    return {"licence_url": LICENCE["url"]}
