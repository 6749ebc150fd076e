"""Open data from the public records: CSV for Swedish Excel, a JSON document, an Atom feed,
and the table of fields that documents all three and the city's WordPress shape.

Pure functions over ``PublicRecord``s: the pages stream what these return.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree

from innovation.adapters.wordpress import GLOBAL_GOALS
from innovation.domain.publication import Funds, ImpactGoal, PublicRecord

#: The data is given away: CC0 1.0, no rights reserved.
LICENCE = {"id": "CC0-1.0", "name": "CC0 1.0 Universal (Public Domain Dedication)",
           "url": "https://creativecommons.org/publicdomain/zero/1.0/"}
ATOM = "http://www.w3.org/2005/Atom"


@dataclass(frozen=True)
class Field:
    """One field of the public record: where it is in the WordPress shape and in the CSV."""

    name: str  # PublicRecord's attribute (dotted for a part)
    wp_key: str
    csv_columns: tuple[str, ...]


#: Every field, in the order of the CSV. ``wp_key`` "innovation.x" is our extension object.
FIELDS: tuple[Field, ...] = (
    Field("id", "id (innovation.id)", ("id",)),
    Field("title", "title.rendered", ("Titel",)),
    Field("summary.what", "project_what", ("Vad",)),
    Field("summary.why", "project_why", ("Varför",)),
    Field("summary.how", "project_how", ("Hur",)),
    Field("summary_en", "innovation.summary_en", ("What (English)", "Why (English)", "How (English)")),
    Field("kind", "innovation.kind", ("Typ",)),
    Field("status", "status[0].slug", ("Status",)),
    Field("progress", "status[0].progress_value", ("Framsteg (%)",)),
    Field("phase", "innovation.phase (status)", ("Fas",)),
    Field("phase_reached", "innovation.phase_reached (previous_status)", ("Senaste fas",)),
    Field("administration", "organisation", ("Ägare (förvaltning)",)),
    Field("participating_administrations", "participants", ("Medverkande",)),
    Field("partners", "partner", ("Partners",)),
    Field("challenge", "challenge.post_title", ("Utmaning",)),
    Field("category", "challenge_category", ("Kategori",)),
    Field("sectors", "sector", ("Sektorer",)),
    Field("technologies", "technology", ("Teknologier",)),
    Field("global_goals", "global_goal", ("Globala mål",)),
    Field("expected_impact", "expected_impact", ("Förväntad effekt",)),
    Field("innovation_height", "innovation_potential", ("Innovationshöjd",)),
    Field("estimated_budget", "estimated_budget", ("Estimerad budget (kr)",)),
    Field("funds_granted", "funds_granted[] {amount, date, comment}", ("Beviljade medel (kr)",
                                                                      "Beviljade medel, poster")),
    Field("funds_used", "funds_used[] {amount, date, comment}, cost_so_far", ("Använda medel (kr)",
                                                                             "Använda medel, poster")),
    Field("impact_goals", "impact_goals[] {impact_goal, impact_goal_comment, impact_goal_completed}",
          ("Effektmål",)),
    Field("resident_involvement", "resident_involvement[] {description}", ("Invånarinvolvering",)),
    Field("lessons_learned", "project_lessons_learned", ("Lärdomar",)),
    Field("city_wide", "city_wide_initiative", ("Stadsgemensamt",)),
    Field("challenges_core_business", "challenging_the_core_business", ("Utmanar kärnverksamheten",)),
    Field("internal", "internal_project", ("Internt",)),
    Field("contact", "contacts[0] {name, email}", ("Kontakt", "Kontakt, e-post")),
    Field("idea_owner", "innovation.idea_owner", ("Idébärare",)),
    Field("start_date", "innovation.start_date", ("Startdatum",)),
    Field("end_date", "innovation.end_date", ("Slutdatum",)),
    Field("published_at", "date, date_gmt", ("Publicerad",)),
    Field("updated_at", "modified, modified_gmt", ("Senast uppdaterad",)),
    Field("historical", "innovation.historical", ("Från tidigare databas",)),
)
CSV_HEADER: tuple[str, ...] = tuple(column for f in FIELDS for column in f.csv_columns)

#: A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value) -> str:
    """A value as Swedish Excel reads it from a CSV cell: decimal comma, ja/nej, and text that
    could start a formula neutralised with a leading apostrophe (shown, never run). A number
    stays a number: digits with a sign and a comma run nothing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, int | float | Decimal):
        return format(value, "f" if isinstance(value, Decimal) else "").replace(".", ",")
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


Label = Callable[[str, Any], str]


def _same(group: str, value: Any) -> str:
    return "" if value is None else str(value)


def _kronor(amount: str | Decimal) -> str:
    """250000.5 as "250 000,50 kr", for reading in a cell of text."""
    return f"{Decimal(amount):,.2f}".replace(",", "\u00a0").replace(".", ",") + " kr"


def _funds_lines(lines: tuple[Funds, ...], label: Label) -> str:
    return " | ".join(f"{label('administration', f.administration)} {_kronor(f.amount)} {f.date}" for f in lines)


def _figure(value: float | None) -> str:
    return "" if value is None else spreadsheet_cell(value)


def _goal(goal: ImpactGoal) -> str:
    """One effect goal in words: "Tid med barnen: 0 → 5 timmar/vecka (senast 4,5) – uppnått: …"."""
    figures = ""
    if goal.baseline is not None or goal.target is not None:
        unit = f" {goal.unit}" if goal.unit else ""
        figures = f": {_figure(goal.baseline)} → {_figure(goal.target)}{unit}"
    latest = f" (senast {_figure(goal.latest)})" if goal.latest is not None else ""
    done = " – uppnått" if goal.completed else ""
    comment = f": {goal.comment}" if goal.comment else ""
    return f"{goal.goal}{figures}{latest}{done}{comment}"


def _total(lines: tuple[Funds, ...]) -> Decimal | None:
    return sum((Decimal(f.amount) for f in lines), Decimal(0)) if lines else None


def csv_values(record: PublicRecord, label: Label = _same) -> list[Any]:
    """One row's values in the order of CSV_HEADER, before they become cells."""
    en = record.summary_en
    joined = " | ".join
    return [
        record.id, record.title, record.summary.what, record.summary.why, record.summary.how,
        en.what if en else None, en.why if en else None, en.how if en else None,
        label("kind", record.kind) if record.kind else None, label("status", record.status), record.progress,
        label("phase", record.phase) if record.phase else None,
        label("phase", record.phase_reached) if record.phase_reached else None,
        label("administration", record.administration),
        joined(label("administration", code) for code in record.participating_administrations),
        joined(record.partners), record.challenge, record.category, joined(record.sectors),
        joined(record.technologies),
        joined(f"{n}. {GLOBAL_GOALS.get(n, '')}".rstrip(". ") for n in record.global_goals),
        joined(record.expected_impact), record.innovation_height,
        Decimal(record.estimated_budget) if record.estimated_budget else None,
        _total(record.funds_granted), _funds_lines(record.funds_granted, label),
        _total(record.funds_used), _funds_lines(record.funds_used, label),
        joined(_goal(goal) for goal in record.impact_goals),
        joined(record.resident_involvement), joined(record.lessons_learned),
        record.city_wide, record.challenges_core_business, record.internal,
        record.contact.name, record.contact.email, record.idea_owner,
        record.start_date, record.end_date, record.published_at, record.updated_at, record.historical,
    ]


def _line(values: Iterable[Any]) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerow(values)
    return out.getvalue()


def csv_lines(pages: Iterable[Iterable[PublicRecord]], label: Label = _same) -> Iterator[str]:
    """The CSV as text to stream: a byte order mark and the header, then a row per record
    (semicolons and decimal commas, as Swedish Excel opens a file it is double-clicked on)."""
    yield "\ufeff" + _line(CSV_HEADER)
    for page in pages:
        yield "".join(_line(spreadsheet_cell(v) for v in csv_values(record, label)) for record in page)


def json_document(records: Iterable[PublicRecord], generated_at: str) -> dict[str, Any]:
    """The JSON download: the records as dicts under the licence they are given away with."""
    items = [record.to_dict() for record in records]
    return {"licence": LICENCE, "generated_at": generated_at, "count": len(items), "initiatives": items}


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str | None) -> str:
    """Text XML 1.0 can hold (a control character in a title would make the feed unreadable)."""
    return _NOT_XML.sub("", text or "")


def rfc3339(value: str | None, default: datetime) -> str:
    """An Atom date: with a time zone, seconds precision (naive times are UTC)."""
    moment = datetime.fromisoformat(value) if value else default
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def atom_feed(changes: list[PublicRecord], *, base_url: str, title: str, subtitle: str, rights: str,
              now: datetime, label: Label = _same) -> bytes:
    """The published changes, newest first, as an Atom 1.0 feed (RFC 4287)."""
    base = base_url.rstrip("/")
    ElementTree.register_namespace("", ATOM)

    def sub(parent, tag: str, text: str | None = None, **attributes) -> ElementTree.Element:
        element = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
        if text is not None:
            element.text = _xml_text(text)
        return element

    feed = ElementTree.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "sv"})
    sub(feed, "id", f"{base}/public/initiatives.atom")
    sub(feed, "title", title)
    sub(feed, "subtitle", subtitle)
    sub(feed, "updated", rfc3339(changes[0].updated_at or changes[0].published_at, now) if changes
        else rfc3339(None, now))
    sub(feed, "link", rel="self", type="application/atom+xml", href=f"{base}/public/initiatives.atom")
    sub(feed, "link", rel="alternate", type="text/html", href=f"{base}/public/initiatives")
    sub(feed, "link", rel="license", href=LICENCE["url"])
    sub(sub(feed, "author"), "name", "Helsingborgs stad")
    sub(feed, "rights", rights)
    for record in changes:
        updated = rfc3339(record.updated_at or record.published_at, now)
        page = f"{base}/public/initiatives/{record.id}"
        entry = sub(feed, "entry")
        sub(entry, "id", f"{page}#{updated}")  # one entry per change of the initiative
        sub(entry, "title", record.title)
        sub(entry, "updated", updated)
        if record.published_at:
            sub(entry, "published", rfc3339(record.published_at, now))
        sub(entry, "link", rel="alternate", type="text/html", href=page)
        sub(entry, "category", term=record.status, label=label("status", record.status))
        state = label("status", record.status) + (f", {label('phase', record.phase)}" if record.phase else "")
        sub(entry, "summary", f"{state}. {record.summary.what}".strip())
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
