"""The city's WordPress shape of an initiative: ``/wp-json/wp/v2/project`` of api-project-manager.

innovation.helsingborg.se publishes initiatives through the WordPress plugin
helsingborg-stad/api-project-manager, and the city's sites read them with
api-project-manager-integration. The shape here follows those sources:

- ``source/php/PostTypes/Project.php`` and ``Helper/PostType.php`` (api-project-manager): the
  post fields WordPress gives (id, date, date_gmt, modified, modified_gmt, slug, title.rendered,
  content.rendered), every ACF field as a top-level key of its name (a taxonomy field is a list of
  whole term objects, merged with the term's own ACF fields, so ``status`` carries
  ``progress_value``), and the post meta ``previous_status`` and ``previous_status_progress_value``;
- ``source/php/AcfFields/json/project_*.json`` (api-project-manager): the ACF fields and their
  sub-fields (funds {amount, date, comment}, impact goals {impact_goal, impact_goal_comment,
  impact_goal_completed}, resident_involvement {description}, contacts {name, email});
- ``source/php/Import/Importer.php`` and ``Import/Project.php`` (api-project-manager-integration):
  what a client reads (terms by slug, name, description, parent, taxonomy; ``challenge.ID``;
  ``x-wp-totalpages`` to page through ``page``/``per_page``).

What the plugin has no key for (kind, phase, English summary, idea owner, dates of the pilot,
the effect goals' figures, the administration a fund line belongs to) travels in keys of our
own that a WordPress client ignores: ``innovation`` on the post and extra keys on goal and fund
rows, so a record makes the round trip exactly.
"""
from __future__ import annotations

import functools
import html
import re
import unicodedata
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

from innovation.domain.administrations import ADMINISTRATIONS
from innovation.domain.publication import Contact, Funds, ImpactGoal, PublicRecord, Summary
from innovation.domain.publishing import PROGRESS
from innovation.domain.vocabulary import Kind, Phase, Status

#: WordPress writes ``date`` and ``modified`` in the site's time zone, ``*_gmt`` in UTC.
SITE_ZONE = ZoneInfo("Europe/Stockholm")
#: Our fields the plugin has no key for.
EXTENSION = "innovation"

#: The status terms: (slug, Swedish name) of each phase while active, and of the ends.
PHASE_TERMS: dict[Phase, tuple[str, str]] = {
    Phase.UTFORSKA_IDE: ("utforska-ide", "Utforska idé"),
    Phase.UTFORSKA_UPPLAGG: ("utforska-upplagg", "Utforska upplägg"),
    Phase.UTVECKLA_PILOT: ("testas-som-pilot", "Testas som pilot"),
    Phase.SKALA: ("skalas-upp", "Skalas upp"),
}
STATUS_TERMS: dict[Status, tuple[str, str]] = {
    Status.ON_HOLD: ("pausad", "Pausad"),
    Status.ABORTED: ("avbruten", "Avbruten"),
    Status.REALISED: ("realiserad", "Realiserad"),
}

#: The UN's 17 global goals (Agenda 2030) as the Swedish government names them.
GLOBAL_GOALS: dict[int, str] = {
    1: "Ingen fattigdom", 2: "Ingen hunger", 3: "Hälsa och välbefinnande", 4: "God utbildning för alla",
    5: "Jämställdhet", 6: "Rent vatten och sanitet för alla", 7: "Hållbar energi för alla",
    8: "Anständiga arbetsvillkor och ekonomisk tillväxt", 9: "Hållbar industri, innovationer och infrastruktur",
    10: "Minskad ojämlikhet", 11: "Hållbara städer och samhällen", 12: "Hållbar konsumtion och produktion",
    13: "Bekämpa klimatförändringarna", 14: "Hav och marina resurser", 15: "Ekosystem och biologisk mångfald",
    16: "Fredliga och inkluderande samhällen", 17: "Genomförande och globalt partnerskap",
}
_ADMINISTRATION_BY_NAME = {key.casefold(): a.code for a in ADMINISTRATIONS
                           for key in (a.code, a.name_sv, a.name_en)}
_NAME_BY_CODE = {a.code: a.name_sv for a in ADMINISTRATIONS}


class WordPressFormatError(ValueError):
    """A project in the city's shape that cannot be read; ``problems`` names each field."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{where}: {what}" for where, what in problems))
        self.problems = problems


# --- from a record to the city's shape -------------------------------------------------------


def wp_id(record_id: str) -> int | str:
    """The post id: an integer when the record came from WordPress (or is one), else our id."""
    return int(record_id) if record_id.isascii() and record_id.isdigit() and str(int(record_id)) == record_id \
        else record_id


def to_wp_project(record: PublicRecord, base_url: str) -> dict[str, Any]:
    """The record as ``GET /wp-json/wp/v2/project/<id>`` of the city's plugin answers it."""
    base = base_url.rstrip("/")
    published = record.published_at or record.updated_at
    modified = record.updated_at or record.published_at
    post_id = wp_id(record.id)
    return {
        "id": post_id,
        "date": _local(published), "date_gmt": _gmt(published),
        "modified": _local(modified), "modified_gmt": _gmt(modified),
        "slug": slugify(record.title) or str(record.id),
        "type": "project",
        "link": f"{base}/public/initiatives/{record.id}",
        "title": {"rendered": html.escape(record.title, quote=False)},
        "content": {"rendered": "", "protected": False},
        "excerpt": {"rendered": _html(record.summary.what), "protected": False},
        "featured_media": 0,
        "project_what": _html(record.summary.what),
        "project_why": _html(record.summary.why),
        "project_how": _html(record.summary.how),
        "project_lessons_learned": "".join(_paragraph(lesson) for lesson in record.lessons_learned),
        "status": [_status_term(record)],
        **_previous_status(record),
        "organisation": _terms("organisation", [_NAME_BY_CODE.get(record.administration, record.administration)]
                               if record.administration else []),
        "participants": _terms("organisation", [_NAME_BY_CODE.get(c, c) for c in record.participating_administrations]),
        "partner": _terms("partner", record.partners),
        "challenge_category": _terms("challenge_category", [record.category] if record.category else []),
        "sector": _terms("sector", record.sectors),
        "technology": _terms("technology", record.technologies),
        "global_goal": _terms("global_goal", [f"{n}. {GLOBAL_GOALS.get(n, '')}".rstrip(". ")
                                              for n in record.global_goals]),
        "expected_impact": _terms("expected-impact", record.expected_impact),
        "innovation_potential": _terms("innovation-potential",
                                       [record.innovation_height] if record.innovation_height else []),
        "challenge": _challenge(record.challenge),
        "estimated_budget": record.estimated_budget,
        "funds_granted": [_funds(line) for line in record.funds_granted] or None,
        "funds_used": [_funds(line) for line in record.funds_used] or None,
        "cost_so_far": _money(sum((Decimal(f.amount) for f in record.funds_used), Decimal(0)))
        if record.funds_used else None,
        "impact_goals": [_goal(goal) for goal in record.impact_goals] or None,
        "resident_involvement": [{"description": text} for text in record.resident_involvement] or None,
        "contacts": [{"name": record.contact.name, "email": record.contact.email}]
        if record.contact.name or record.contact.email else None,
        "city_wide_initiative": record.city_wide,
        "challenging_the_core_business": record.challenges_core_business,
        "internal_project": record.internal,
        EXTENSION: {
            "id": record.id, "kind": record.kind, "phase": record.phase, "phase_reached": record.phase_reached,
            "summary_en": _summary_dict(record.summary_en), "idea_owner": record.idea_owner,
            "start_date": record.start_date, "end_date": record.end_date, "historical": record.historical,
        },
        "_links": {"self": [{"href": f"{base}/api/public/wp-json/wp/v2/project/{post_id}"}],
                   "collection": [{"href": f"{base}/api/public/wp-json/wp/v2/project"}]},
    }


@functools.lru_cache(maxsize=4096)  # the same terms recur on every project of a page
def slugify(text: str) -> str:
    """WordPress's slug of a title: ASCII, lower case, words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:190]


def term_id(taxonomy: str, slug: str) -> int:
    """A term's id, the same every time for the same taxonomy and slug."""
    return zlib.crc32(f"{taxonomy}:{slug}".encode()) & 0x7FFFFFFF


def _term(taxonomy: str, name: str, slug: str | None = None, **fields: Any) -> dict[str, Any]:
    slug = slug or slugify(name) or str(term_id(taxonomy, name))
    ident = term_id(taxonomy, slug)
    return {"term_id": ident, "name": name, "slug": slug, "term_group": 0, "term_taxonomy_id": ident,
            "taxonomy": taxonomy, "description": "", "parent": 0, "count": 1, "filter": "raw", **fields}


def _terms(taxonomy: str, names) -> list[dict[str, Any]] | None:
    return [_term(taxonomy, name) for name in names] or None  # ACF answers null for no term


def _status_slug_name(record: PublicRecord) -> tuple[str, str]:
    if record.status in STATUS_TERMS:
        return STATUS_TERMS[Status(record.status)]
    return PHASE_TERMS[Phase(record.phase)] if record.phase else ("pagaende", "Pågående")


def _status_term(record: PublicRecord) -> dict[str, Any]:
    slug, name = _status_slug_name(record)
    return _term("status", name, slug, progress_value=record.progress,
                 lessons_learned_is_obligatory=record.status == Status.ABORTED)


def _previous_status(record: PublicRecord) -> dict[str, Any]:
    """An aborted initiative keeps how far it got, as the plugin saves it on cancelling."""
    if record.status != Status.ABORTED or record.phase_reached not in PHASE_TERMS:
        return {"previous_status": "", "previous_status_progress_value": ""}
    phase = Phase(record.phase_reached)
    return {"previous_status": str(term_id("status", PHASE_TERMS[phase][0])),
            "previous_status_progress_value": str(PROGRESS[phase])}


def _challenge(name: str | None) -> dict[str, Any] | None:
    if not name:
        return None
    slug = slugify(name) or str(term_id("challenge", name))
    return {"ID": term_id("challenge", slug), "post_title": name, "post_name": slug, "post_type": "challenge"}


def _funds(line: Funds) -> dict[str, Any]:
    return {"amount": line.amount, "date": line.date,
            "comment": _NAME_BY_CODE.get(line.administration, line.administration),
            "administration": line.administration}


def _goal(goal: ImpactGoal) -> dict[str, Any]:
    return {"impact_goal": goal.goal, "impact_goal_comment": goal.comment,
            "impact_goal_completed": goal.completed, "impact_goal_unit": goal.unit,
            "impact_goal_baseline": goal.baseline, "impact_goal_target": goal.target,
            "impact_goal_latest": goal.latest}


def _summary_dict(summary: Summary | None) -> dict[str, str] | None:
    return None if summary is None else {"what": summary.what, "why": summary.why, "how": summary.how}


def _paragraph(text: str) -> str:
    return "<p>" + "<br />\n".join(html.escape(line, quote=False) for line in text.split("\n")) + "</p>\n"


def _html(text: str) -> str:
    """Plain text as WordPress's wpautop renders it: a paragraph per blank line, <br /> per line."""
    return "".join(_paragraph(part) for part in text.split("\n\n") if part)


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def _utc(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _local(value: str | None) -> str | None:
    moment = _utc(value)
    return moment.astimezone(SITE_ZONE).replace(tzinfo=None).isoformat(timespec="seconds") if moment else None


def _gmt(value: str | None) -> str | None:
    moment = _utc(value)
    return moment.replace(tzinfo=None).isoformat(timespec="seconds") if moment else None


# --- from the city's shape to a record -------------------------------------------------------


class _Text(HTMLParser):
    """Rendered HTML as plain text: one block per paragraph (or list item), <br> a line break,
    other whitespace collapsed as a browser shows it; scripts and styles dropped."""

    BLOCKS = {"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "tr"}
    HIDDEN = {"script", "style", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.hidden = 0

    def _close(self) -> None:
        text = re.sub(r" *\n *", "\n", "".join(self.current)).strip()
        if text:
            self.blocks.append(text)
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag == "br":
            self.current.append("\n")
        elif tag in self.BLOCKS:
            self._close()

    def handle_startendtag(self, tag, attrs):
        if tag == "br":
            self.current.append("\n")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self._close()

    def handle_data(self, data):
        if not self.hidden:
            self.current.append(re.sub(r"\s+", " ", data))


def html_blocks(rendered: str) -> list[str]:
    """The paragraphs of rendered HTML as plain text."""
    parser = _Text()
    parser.feed(rendered)
    parser.close()
    parser._close()
    return parser.blocks


def html_text(rendered: str) -> str:
    return "\n\n".join(html_blocks(rendered))


@dataclass
class _Reader:
    """Reads one project, noting every field it cannot read instead of stopping at the first."""

    data: Mapping[str, Any]
    problems: list[tuple[str, str]]

    def fail(self, where: str, what: str) -> None:
        self.problems.append((where, what))

    def rendered(self, key: str) -> str:
        value = self.data.get(key)
        if isinstance(value, Mapping):
            value = value.get("rendered")
        if value is None or value is False:
            return ""
        if not isinstance(value, str):
            self.fail(key, "must be HTML text")
            return ""
        return html_text(value)

    def terms(self, key: str, required: bool = False) -> list[Mapping[str, Any]]:
        value = self.data.get(key)
        if value in (None, False, ""):
            value = []
        if isinstance(value, Mapping):
            value = [value]
        if not isinstance(value, list):
            self.fail(key, "must be a list of terms")
            return []
        good = []
        for n, term in enumerate(value):
            if not isinstance(term, Mapping) or not isinstance(term.get("name"), str) or not term["name"].strip():
                self.fail(f"{key}[{n}]", "must be a term with a name (the list embeds whole terms)")
            else:
                good.append(term)
        if required and not good and not any(where.startswith(key) for where, _ in self.problems):
            self.fail(key, "required: the plugin needs one term")
        return good

    def names(self, key: str) -> tuple[str, ...]:
        return tuple(html.unescape(term["name"]).strip() for term in self.terms(key))

    def rows(self, key: str) -> list[tuple[str, Mapping[str, Any]]]:
        value = self.data.get(key)
        if value in (None, False, ""):
            return []
        if not isinstance(value, list) or not all(isinstance(row, Mapping) for row in value):
            self.fail(key, "must be a list of rows")
            return []
        return [(f"{key}[{n}]", row) for n, row in enumerate(value)]

    def flag(self, where: str, value: Any) -> bool:
        if value in (None, "", 0, "0", False):
            return False
        if value in (1, "1", True):
            return True
        self.fail(where, f"must be true or false; got {value!r}")
        return False

    def amount(self, where: str, value: Any) -> str | None:
        if value in (None, ""):
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.fail(where, "must be a number")
            return None
        try:
            amount = Decimal(str(value).strip().replace(" ", "").replace(",", "."))
        except InvalidOperation:
            self.fail(where, f"must be a number; got {value!r}")
            return None
        if not amount.is_finite() or amount < 0:
            self.fail(where, f"must be a number of kronor, zero or more; got {value!r}")
            return None
        return _money(amount)

    def day(self, where: str, value: Any) -> str:
        text = str(value or "").strip()
        for pattern in ("%Y-%m-%d", "%Y%m%d", "%d/%m/%Y"):
            try:
                return datetime.strptime(text, pattern).date().isoformat()
            except ValueError:
                continue
        self.fail(where, f"must be a date (YYYY-MM-DD); got {value!r}")
        return ""

    def moment(self, local_key: str, gmt_key: str) -> str | None:
        for key, zone in ((gmt_key, UTC), (local_key, SITE_ZONE)):
            value = self.data.get(key)
            if value in (None, ""):
                continue
            try:
                moment = datetime.fromisoformat(str(value))
            except ValueError:
                self.fail(key, f"must be a date and time (YYYY-MM-DDTHH:MM:SS); got {value!r}")
                return None
            moment = moment if moment.tzinfo else moment.replace(tzinfo=zone)
            return moment.astimezone(UTC).isoformat(timespec="seconds")
        return None

    def number(self, where: str, value: Any) -> float | None:
        if value in (None, ""):
            return None
        try:
            result = float(value)
        except (TypeError, ValueError):
            result = float("nan")
        if isinstance(value, bool) or result != result or result in (float("inf"), float("-inf")):
            self.fail(where, f"must be a number; got {value!r}")
            return None
        return result

    def text(self, where: str, value: Any) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            self.fail(where, "must be text")
            return ""
        return value


def _administration(name: str) -> str:
    return _ADMINISTRATION_BY_NAME.get(name.casefold(), name)


def _status(read: _Reader, extension: Mapping[str, Any]) -> dict[str, Any]:
    """Status, progress and phase from the status term (and how far a cancelled one got)."""
    terms = read.terms("status", required=True)
    if not terms:
        return {}
    term = terms[0]
    raw = term.get("progress_value")
    try:
        progress = int(str(raw).strip()) if raw not in (None, "") else None
    except ValueError:
        progress = None
    if progress is None or isinstance(raw, bool) or not -1 <= progress <= 100:
        read.fail("status[0].progress_value", f"must be a whole number from -1 to 100; got {raw!r}")
        return {}
    slug = str(term.get("slug") or slugify(term["name"]))
    by_slug = {s: (status, None) for status, (s, _) in STATUS_TERMS.items()} | \
              {s: (Status.ACTIVE, phase) for phase, (s, _) in PHASE_TERMS.items()}
    status, phase = by_slug.get(slug, (None, None))
    if status is None:  # a term of the city's own: read the bar
        status = Status.ABORTED if progress < 0 else Status.REALISED if progress >= 100 else Status.ACTIVE
        phase = _phase_at(progress) if status == Status.ACTIVE else None
    reached = phase
    if status == Status.ABORTED:
        reached = _reached(read)
    known = {"phase", "phase_reached"} & set(extension)
    values = {"status": status.value, "progress": progress,
              "phase": phase.value if phase else None, "phase_reached": reached.value if reached else None}
    return values | {key: extension[key] for key in known}


def _phase_at(progress: int) -> Phase:
    """The phase a point of the city's bar lies in (the bar's value of each phase is its end)."""
    return next((phase for phase in Phase if progress <= PROGRESS[phase]), Phase.SKALA)


def _reached(read: _Reader) -> Phase | None:
    previous = str(read.data.get("previous_status") or "")
    for phase, (slug, _) in PHASE_TERMS.items():
        if previous == str(term_id("status", slug)):
            return phase
    value = read.data.get("previous_status_progress_value")
    try:
        return _phase_at(max(0, min(100, int(str(value))))) if value not in (None, "") else None
    except ValueError:
        read.fail("previous_status_progress_value", f"must be a whole number; got {value!r}")
        return None


def _funds_lines(read: _Reader, key: str, owner: str) -> tuple[Funds, ...]:
    lines = []
    for where, row in read.rows(key):
        amount = read.amount(f"{where}.amount", row.get("amount"))
        if amount is None and not any(w == f"{where}.amount" for w, _ in read.problems):
            read.fail(f"{where}.amount", "required")
        day = read.day(f"{where}.date", row.get("date"))
        named = str(row.get("administration") or row.get("comment") or "").strip()
        code = _administration(named) if named else owner
        lines.append(Funds(administration=code, amount=amount or "0.00", date=day))
    return tuple(lines)


def _goals(read: _Reader) -> tuple[ImpactGoal, ...]:
    goals = []
    for where, row in read.rows("impact_goals"):
        goals.append(ImpactGoal(
            goal=read.text(f"{where}.impact_goal", row.get("impact_goal")),
            unit=read.text(f"{where}.impact_goal_unit", row.get("impact_goal_unit")),
            baseline=read.number(f"{where}.impact_goal_baseline", row.get("impact_goal_baseline")),
            target=read.number(f"{where}.impact_goal_target", row.get("impact_goal_target")),
            latest=read.number(f"{where}.impact_goal_latest", row.get("impact_goal_latest")),
            comment=read.text(f"{where}.impact_goal_comment", row.get("impact_goal_comment")),
            completed=read.flag(f"{where}.impact_goal_completed", row.get("impact_goal_completed"))))
    return tuple(goals)


def _global_goals(read: _Reader) -> tuple[int, ...]:
    numbers = []
    for n, term in enumerate(read.terms("global_goal")):
        found = re.match(r"\s*(\d+)", term["name"]) or re.match(r"\D*(\d+)", str(term.get("slug") or ""))
        if not found or not 1 <= int(found.group(1)) <= 17:
            read.fail(f"global_goal[{n}]", f"must name one of the 17 global goals by its number; got {term['name']!r}")
        else:
            numbers.append(int(found.group(1)))
    return tuple(numbers)


def _contact(read: _Reader) -> Contact:
    rows = read.rows("contacts")
    if not rows:
        return Contact()
    where, row = rows[0]
    name = read.text(f"{where}.name", row.get("name")).strip()
    email = read.text(f"{where}.email", row.get("email")).strip()
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        read.fail(f"{where}.email", f"must be an e-mail address; got {email!r}")
    return Contact(name=name, email=email)


def _summary(value: Any, read: _Reader) -> Summary | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        read.fail(f"{EXTENSION}.summary_en", "must be an object with what, why and how")
        return None
    return Summary(**{k: read.text(f"{EXTENSION}.summary_en.{k}", value.get(k)) for k in ("what", "why", "how")})


def _extension(read: _Reader) -> Mapping[str, Any]:
    value = read.data.get(EXTENSION) or {}
    if not isinstance(value, Mapping):
        read.fail(EXTENSION, "must be an object")
        return {}
    for key, allowed in (("kind", Kind), ("phase", Phase), ("phase_reached", Phase)):
        if value.get(key) is not None and value[key] not in {m.value for m in allowed}:
            read.fail(f"{EXTENSION}.{key}", f"must be one of {', '.join(m.value for m in allowed)}")
    for key in ("start_date", "end_date"):
        if value.get(key):
            try:
                date.fromisoformat(str(value[key]))
            except ValueError:
                read.fail(f"{EXTENSION}.{key}", f"must be a date (YYYY-MM-DD); got {value[key]!r}")
    return value


def _record_id(read: _Reader, extension: Mapping[str, Any]) -> str:
    post_id = read.data.get("id")
    if isinstance(post_id, bool) or not isinstance(post_id, int | str) or not str(post_id).strip():
        read.fail("id", f"must be the post id (a whole number); got {post_id!r}")
        return ""
    if isinstance(post_id, int) and post_id <= 0:
        read.fail("id", f"must be a positive whole number; got {post_id!r}")
    return str(extension.get("id") or post_id).strip()


def from_wp_project(data: Any) -> PublicRecord:
    """A historical record from one project in the city's shape; WordPressFormatError names
    every field it could not read."""
    if not isinstance(data, Mapping):
        raise WordPressFormatError([("project", "must be an object (one post of /wp-json/wp/v2/project)")])
    read = _Reader(data, [])
    extension = _extension(read)
    record_id = _record_id(read, extension)
    title = read.rendered("title").replace("\n\n", " ").strip()
    if not title and not any(where == "title" for where, _ in read.problems):
        read.fail("title", "required: title.rendered is empty")
    organisations = read.names("organisation")
    if not organisations and "organisation" not in {w.split("[")[0] for w, _ in read.problems}:
        read.fail("organisation", "required: the plugin needs the owner organisation")
    owner = _administration(organisations[0]) if organisations else ""
    what = read.rendered("project_what") or read.rendered("content")
    status = _status(read, extension)
    lessons = data.get("project_lessons_learned")
    if lessons not in (None, "", False) and not isinstance(lessons, str):
        read.fail("project_lessons_learned", "must be HTML text")
    challenge = data.get("challenge")
    if challenge not in (None, "", False) and not (isinstance(challenge, Mapping) and challenge.get("post_title")):
        read.fail("challenge", "must be the challenge post (with post_title)")
    values = dict(
        id=record_id, title=title,
        summary=Summary(what=what, why=read.rendered("project_why"), how=read.rendered("project_how")),
        summary_en=_summary(extension.get("summary_en"), read),
        kind=extension.get("kind"),
        administration=owner,
        participating_administrations=tuple(_administration(n) for n in read.names("participants")),
        partners=read.names("partner"),
        challenge=html.unescape(challenge["post_title"]) if isinstance(challenge, Mapping) and challenge.get(
            "post_title") else None,
        category=next(iter(read.names("challenge_category")), None),
        sectors=read.names("sector"), technologies=read.names("technology"),
        global_goals=_global_goals(read),
        expected_impact=read.names("expected_impact"),
        innovation_height=next(iter(read.names("innovation_potential")), None),
        estimated_budget=read.amount("estimated_budget", data.get("estimated_budget")),
        funds_granted=_funds_lines(read, "funds_granted", owner),
        funds_used=_funds_lines(read, "funds_used", owner),
        impact_goals=_goals(read),
        resident_involvement=tuple(read.text(f"{where}.description", row.get("description"))
                                   for where, row in read.rows("resident_involvement")),
        lessons_learned=tuple(html_blocks(lessons)) if isinstance(lessons, str) else (),
        city_wide=read.flag("city_wide_initiative", data.get("city_wide_initiative")),
        challenges_core_business=read.flag("challenging_the_core_business", data.get("challenging_the_core_business")),
        internal=read.flag("internal_project", data.get("internal_project")),
        contact=_contact(read),
        idea_owner=read.text(f"{EXTENSION}.idea_owner", extension.get("idea_owner")) or None,
        start_date=extension.get("start_date") or None, end_date=extension.get("end_date") or None,
        published_at=read.moment("date", "date_gmt"), updated_at=read.moment("modified", "modified_gmt"),
        historical=True,
        **status,
    )
    if read.problems:
        raise WordPressFormatError(read.problems)
    return PublicRecord(**values)


def read_projects(items: Any) -> tuple[list[PublicRecord], list[tuple[int, str, WordPressFormatError]]]:
    """A response body of the list endpoint: the records read, and for each broken item its
    position, its id as given and what is wrong with it."""
    if not isinstance(items, list):
        raise WordPressFormatError([("body", "must be a list of projects, as /wp-json/wp/v2/project answers")])
    records, broken = [], []
    for position, item in enumerate(items):
        try:
            records.append(from_wp_project(item))
        except WordPressFormatError as error:
            ident = item.get("id") if isinstance(item, Mapping) else None
            broken.append((position, "" if ident is None else str(ident), error))
    return records, broken

