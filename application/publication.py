"""The publish step and the public database's read side.

Nothing of an initiative is public until a coordinator of its administration (or an admin)
approves its public content; a later change of the text is a new draft, and the public keeps
the last approved version until that draft is approved too. Facts that are no free text
follow the live record (``innovation.adapters.publications``). The idea owner gives and
withdraws consent to be named on a page of their own; a withdrawal takes effect at once.
Records of the city's earlier database are imported as historical, read-only records.
The formats (pages, API, CSV, JSON, feeds) read only ``public_records``, ``public_record``
and ``public_changes``.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import UTC, datetime

from sqlalchemy import func, select

from application import access
from application.access import PUBLISHERS, TERM_EDITORS
from application.accounts import Principal
from application.settings import Settings
from engine import AuditEntry, Conflict, InvalidData, NotFound, Problem, ProcessInstance, check_data
from innovation.adapters.publications import PUBLISHED, locked, refresh
from innovation.adapters.records import from_dict
from innovation.adapters.tables import Initiative, Publication, PublicationVersion, PublicTerm
from innovation.domain.administrations import ADMINISTRATIONS, by_code
from innovation.domain.publication import Contact, PublicRecord
from innovation.domain.publishing import OPTIONAL, TERM_FIELDS, draft_from, emails_in

UNPUBLISHED, HISTORICAL = "unpublished", "historical"
PUBLIC_STATES = (PUBLISHED, HISTORICAL)
VOCABULARIES = tuple(TERM_FIELDS.values())
TEXT_MAX, LINE_MAX, ROWS_MAX = 10_000, 500, 50
CONTACT = Settings.public_contact_email  # the mailbox pattern when the caller names none
EPOCH = "1970-01-01T00:00:00+00:00"  # the time of an imported record that has none


def _lines(title: str, item: dict | None = None) -> dict:
    return {"type": "array", "title": title, "maxItems": ROWS_MAX,
            "items": item or {"type": "string", "minLength": 1, "maxLength": LINE_MAX}}


def _summary(title: str) -> dict:
    text = {"type": "string", "maxLength": TEXT_MAX}
    return {"type": "object", "title": title, "additionalProperties": False, "properties": {
        "what": {**text, "title": "Vad? / What?"}, "why": {**text, "title": "Varför? / Why?"},
        "how": {**text, "title": "Hur? / How?"}}}


def _term(vocabulary: str, terms: list[PublicTerm]) -> dict:
    return {"type": "string", "title": "Term",
            "oneOf": [{"const": t.key, "title": f"{t.name_sv} / {t.name_en}"} for t in terms
                      if t.vocabulary == vocabulary] or [{"const": "", "title": "–"}]}


def review_schema(terms: list[PublicTerm]) -> dict:
    """The review form (pages) and body (API): what a coordinator approves. The contact is
    not in it: it is always the administration's functional mailbox."""
    administrations = {"type": "string", "title": "Förvaltning / Administration",
                       "oneOf": [{"const": a.code, "title": f"{a.name_sv} / {a.name_en}"} for a in ADMINISTRATIONS]}
    shown = {"type": "boolean"}
    return {
        "type": "object", "additionalProperties": False, "required": ["title", "summary"],
        "title": "Publik text / Public text",
        "properties": {
            "title": {"type": "string", "title": "Titel / Title", "minLength": 1, "maxLength": 300},
            "summary": {**_summary("Sammanfattning (svenska) / Summary (Swedish)"), "required": ["what"],
                        "properties": {**_summary("")["properties"], "what": {
                            "type": "string", "title": "Vad? / What?", "minLength": 1, "maxLength": TEXT_MAX}}},
            "summary_en": _summary("Sammanfattning på engelska (frivillig) / Summary in English (optional)"),
            "lessons_learned": _lines("Lärdomar att publicera / Lessons to publish",
                                      {"type": "string", "minLength": 1, "maxLength": TEXT_MAX}),
            "participating_administrations": _lines("Medverkande förvaltningar / Participating administrations",
                                                    administrations),
            "partners": _lines("Partner / Partners"),
            "challenge": {"type": "string", "title": "Utmaning / Challenge", "maxLength": LINE_MAX},
            "category": {**_term("category", terms), "title": "Kategori / Category"},
            "sectors": _lines("Sektorer / Sectors", _term("sector", terms)),
            "technologies": _lines("Teknologier / Technologies", _term("technology", terms)),
            "global_goals": {**_lines("Globala mål (1–17) / Global goals (1–17)",
                                      {"type": "integer", "minimum": 1, "maximum": 17}), "uniqueItems": True},
            "expected_impact": _lines("Förväntad effekt / Expected impact"),
            "estimated_budget": {"type": "integer", "title": "Estimerad budget (kr) / Estimated budget (SEK)",
                                 "minimum": 0, "maximum": 10**12},
            "impact_goals": _lines("Effektmål / Impact goals", {
                "type": "object", "additionalProperties": False, "required": ["id", "goal"], "properties": {
                    "id": {"type": "string", "title": "Indikator / Indicator", "minLength": 1, "maxLength": 100},
                    "goal": {"type": "string", "title": "Förväntat resultat / Expected result", "minLength": 1,
                             "maxLength": LINE_MAX},
                    "comment": {"type": "string", "title": "Resultat / Result", "maxLength": TEXT_MAX},
                    "completed": {"type": "boolean", "title": "Slutförd / Completed"}}}),
            "resident_involvement": _lines("Invånarinvolvering / Resident involvement",
                                           {"type": "string", "minLength": 1, "maxLength": TEXT_MAX}),
            "city_wide": {"type": "boolean", "title": "Stadsgemensamt initiativ / City-wide initiative"},
            "challenges_core_business": {"type": "boolean",
                                         "title": "Utmanar kärnverksamheten / Challenges the core business"},
            "internal": {"type": "boolean", "title": "Internt initiativ / Internal initiative"},
            "show": {"type": "object", "title": "Visas publikt / Shown publicly", "additionalProperties": False,
                     "properties": {
                         "estimated_budget": {**shown, "title": "Estimerad budget / Estimated budget"},
                         "funds": {**shown, "title": "Beviljade och använda medel / Funds granted and used"},
                         "impact_goals": {**shown, "title": "Effektmål / Impact goals"},
                         "innovation_height": {**shown, "title": "Innovationshöjd / Innovation height"},
                         "dates": {**shown, "title": "Start- och slutdatum / Start and end dates"}}},
        },
    }


def contact_for(administration: str, mailbox: str) -> Contact:
    """The innovationsledare of the administration, by its functional mailbox (``mailbox``, a
    pattern naming ``{code}``; no person)."""
    found = by_code(administration)
    return Contact(f"Innovationsledare, {found.name_sv}", mailbox.format(code=found.code.lower()))


# -- read side ---------------------------------------------------------------------------
def _public(phase=None, kind=None, administration=None, status=None, q=None):
    query = select(Publication.id).where(Publication.state.in_(PUBLIC_STATES))
    for column, value in ((Publication.phase, phase), (Publication.kind, kind),
                          (Publication.administration, administration), (Publication.status, status)):
        if value:
            query = query.where(column == value)
    if q:
        query = query.where(Publication.title.ilike(f"%{q}%"))
    return query


def _records(session, ids: list[str]) -> list[PublicRecord]:
    rows = dict(session.execute(select(Publication.id, Publication.record).where(Publication.id.in_(ids))).all())
    return [PublicRecord.from_dict(rows[i]) for i in ids]


def public_records(session, *, page: int, page_size: int, phase=None, kind=None, administration=None, status=None,
                   q=None) -> tuple[int, list[PublicRecord]]:
    """Published and historical records, the most recently updated first, with their total."""
    query = _public(phase, kind, administration, status, q)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    ids = session.scalars(query.order_by(Publication.updated_at.desc(), Publication.id)
                          .limit(page_size).offset((page - 1) * page_size)).all()
    return total, _records(session, list(ids))


def public_record(session, record_id: str) -> PublicRecord | None:
    row = session.get(Publication, record_id)
    return PublicRecord.from_dict(row.record) if row is not None and row.state in PUBLIC_STATES else None


def public_changes(session, limit: int = 50) -> list[PublicRecord]:
    """The latest changes of the public database, newest first (for a feed)."""
    return public_records(session, page=1, page_size=limit)[1]


def _moment(text: str) -> datetime:
    """An imported record's time; one without an offset is taken as UTC."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def import_historical(session, records: Iterable[PublicRecord]) -> int:
    """Store records of the city's earlier database as historical, read-only public records
    (the same id again replaces it); an id of one of this service's own initiatives is refused."""
    count = 0
    for record in records:
        row = session.get(Publication, record.id)
        if (row is not None and not row.historical) or session.get(Initiative, record.id) is not None:
            raise Conflict(f"{record.id} is an initiative of this service, not a historical record")
        published = _moment(record.published_at or record.updated_at or EPOCH)
        now = _moment(record.updated_at) if record.updated_at else published
        stored = PublicRecord.from_dict({**record.to_dict(), "historical": True,
                                         "published_at": published.isoformat(), "updated_at": now.isoformat()})
        if row is None:
            row = Publication(id=record.id, version=0, name_consent=False)
            session.add(row)
        row.state, row.historical, row.content, row.draft, row.record = HISTORICAL, True, None, None, stored.to_dict()
        row.title, row.kind, row.administration = record.title, record.kind, record.administration or None
        row.phase, row.status, row.updated_at = record.phase, record.status, now
        row.published_at = published
        count += 1
    session.flush()
    return count


# -- the publish step --------------------------------------------------------------------
def _initiative(session, initiative_id: str):
    row = session.get(Initiative, initiative_id)
    if row is None:
        historical = session.get(Publication, initiative_id)
        if historical is not None and historical.historical:
            raise Conflict(f"{initiative_id} is a historical record of the city's earlier database: read-only")
        raise NotFound(f"initiative {initiative_id} does not exist")
    return row


def _authorize(session, principal: Principal, initiative_id: str, action: str):
    """The initiative, if the caller coordinates its administration (or is an admin)."""
    access.demand(principal, PUBLISHERS, action)
    initiative = _initiative(session, initiative_id)
    access.authorize_instance(session, principal, initiative_id, action)
    return initiative


def _publication(session, initiative, lock: bool = False) -> Publication | None:
    return locked(session, initiative.instance_id) if lock else session.get(Publication, initiative.instance_id)


def _new_publication(session, initiative, at: datetime) -> Publication:
    """The row of an initiative not yet published: consent as the start form gave it."""
    row = Publication(id=initiative.instance_id, state=UNPUBLISHED, version=0, historical=False,
                      name_consent=from_dict(initiative.record).idea_owner.show_publicly,
                      title=initiative.title, updated_at=at)
    session.add(row)
    return row


def _history(session, publication_id: str) -> list[dict]:
    rows = session.scalars(select(PublicationVersion).where(PublicationVersion.publication_id == publication_id)
                           .order_by(PublicationVersion.version.desc()))
    return [{"version": v.version, "published_by": v.published_by, "published_at": v.published_at.isoformat(),
             "content": v.content} for v in rows]


def _variables(engine, initiative_id: str) -> dict:
    return engine.instance(initiative_id).get("data") or {}


def review(engine, principal: Principal, initiative_id: str, *, mailbox: str = CONTACT) -> dict:
    """What the review page and API show: the draft to approve (the pending one, else the last
    approved content, else one prefilled from the record), the record's lessons and effect goals
    not yet in it (candidates to review), what the public reads now, the history."""
    with engine.reading() as session:
        initiative = _authorize(session, principal, initiative_id, "reviewing the public record")
        row = _publication(session, initiative)
        record = from_dict(initiative.record)
        draft = (row and (row.draft or row.content)) or draft_from(
            record, _variables(engine, initiative_id), contact_for(record.administration, mailbox))
        reviewed_goals = {goal.get("id") for goal in draft.get("impact_goals") or ()}
        candidates = {"lessons_learned": [lesson for lesson in record.lessons_learned
                                          if lesson not in (draft.get("lessons_learned") or ())],
                      "impact_goals": [{"id": g.id, "goal": g.description, "comment": "", "completed": False}
                                       for g in record.effect_goals if g.id not in reviewed_goals]}
        return {"id": initiative_id, "state": row.state if row else UNPUBLISHED, "version": row.version if row else 0,
                "candidates": candidates,
                "pending": bool(row and row.draft is not None and row.state == PUBLISHED),
                "draft": {k: v for k, v in draft.items() if k != "contact"},
                "contact": draft.get("contact") or {}, "name_consent": bool(row and row.name_consent),
                "public": row.record if row and row.state == PUBLISHED else None,
                "published_at": row.published_at.isoformat() if row and row.published_at else None,
                "updated_at": row.updated_at.isoformat() if row and row.state == PUBLISHED else None,
                "history": _history(session, initiative_id) if row else []}


def _check(session, content) -> dict:
    """The content as the review form allows it: the schema, known terms, no e-mail address."""
    try:
        check_data(content, review_schema(terms(session)), "the public record")
        problems = []
    except InvalidData as error:
        problems = list(error.details)
    problems += [Problem("contains an e-mail address; the public contact is the administration's mailbox",
                         field=path) for path in emails_in(content)]
    if problems:
        raise InvalidData("the public record is invalid", problems)
    return {**content, "show": {name: bool((content.get("show") or {}).get(name, True)) for name in OPTIONAL}}


def save_review(engine, principal: Principal, initiative_id: str, content, *, publish: bool,
                mailbox: str = CONTACT) -> dict:
    """Save the reviewed content as a draft, or approve it: a new version the public reads at once.
    The contact is always the administration's mailbox (``mailbox``, see ``contact_for``)."""
    action = "publishing an initiative" if publish else "reviewing the public record"
    with engine.db.unit_of_work(write=True) as uow:
        session, now = uow.session, engine.now()
        initiative = _authorize(session, principal, initiative_id, action)
        content = {**_check(session, content), "contact": asdict(contact_for(initiative.administration, mailbox))}
        row = _publication(session, initiative, lock=True) or _new_publication(session, initiative, now)
        row.draft = content
        if publish:
            row.version += 1
            session.add(PublicationVersion(publication_id=row.id, version=row.version, content=content,
                                           published_by=principal.username, published_at=now))
            row.state, row.content, row.draft = PUBLISHED, content, None
            row.published_at = row.published_at or now
            row.record = None  # the approved text is new: updated now
            refresh(session, row, from_dict(initiative.record), now)
        session.add(AuditEntry(instance_id=initiative_id, actor=principal.username, at=now,
                               action="public_record_published" if publish else "public_record_drafted",
                               details={"version": row.version}))
        uow.commit()
    return review(engine, principal, initiative_id, mailbox=mailbox)


# -- consent -----------------------------------------------------------------------------
def _consent_context(session, principal: Principal, initiative_id: str) -> tuple:
    """The initiative and whether the caller may give consent (its idea owner) or only
    withdraw it (coordinators of its administration, admins); anyone else is refused."""
    initiative = _initiative(session, initiative_id)
    starter = session.scalar(select(ProcessInstance.started_by).where(ProcessInstance.id == initiative_id))
    if principal.username in (initiative.owner, starter):
        return initiative, True
    access.demand(principal, PUBLISHERS, "the idea owner's consent")
    access.authorize_instance(session, principal, initiative_id, "the idea owner's consent", reading=True)
    return initiative, False


def consent(engine, principal: Principal, initiative_id: str) -> dict:
    """The idea owner's page: the name that would be shown, whether it is, who may change it."""
    with engine.reading() as session:
        initiative, owner = _consent_context(session, principal, initiative_id)
        row = _publication(session, initiative)
        record = from_dict(initiative.record)
        given = row.name_consent if row is not None else record.idea_owner.show_publicly
        return {"id": initiative_id, "title": initiative.title, "name": record.idea_owner.name,
                "name_consent": given, "may_give": owner, "published": bool(row and row.state == PUBLISHED),
                "public_name": (row.record or {}).get("idea_owner") if row and row.state == PUBLISHED else None}


def set_consent(engine, principal: Principal, initiative_id: str, given: bool) -> dict:
    """Give or withdraw consent to be named; the public record follows in the same transaction.
    Only the idea owner may give it; coordinators and admins may also withdraw it."""
    if not isinstance(given, bool):
        raise InvalidData("consent must be true or false", [Problem("must be true or false", field="/name_consent")])
    with engine.db.unit_of_work(write=True) as uow:
        session, now = uow.session, engine.now()
        initiative, owner = _consent_context(session, principal, initiative_id)
        if given and not owner:
            raise access.AccessDenied("only the idea owner may consent to being named", initiative_id)
        row = _publication(session, initiative, lock=True) or _new_publication(session, initiative, now)
        row.name_consent = given
        refresh(session, row, from_dict(initiative.record), now)
        session.add(AuditEntry(instance_id=initiative_id, actor=principal.username, at=now,
                               action="name_consent_given" if given else "name_consent_withdrawn", details={}))
        uow.commit()
    return consent(engine, principal, initiative_id)


# -- vocabularies ------------------------------------------------------------------------
def terms(session) -> list[PublicTerm]:
    return list(session.scalars(select(PublicTerm).order_by(PublicTerm.vocabulary, PublicTerm.name_sv)))


def term_view(term: PublicTerm) -> dict:
    return {"vocabulary": term.vocabulary, "key": term.key, "name_sv": term.name_sv, "name_en": term.name_en}


def save_term(engine, principal: Principal, vocabulary: str, key: str, name_sv: str, name_en: str) -> dict:
    """Add a term, or rename one (same vocabulary and key): the public records using it follow."""
    access.demand(principal, TERM_EDITORS, "editing the public vocabularies")
    problems = [Problem(f"must be one of {', '.join(VOCABULARIES)}", field="/vocabulary")] \
        if vocabulary not in VOCABULARIES else []
    problems += [Problem("must be 1-60 lower-case letters, digits or _", field="/key")
                 for _ in [key] if not (0 < len(key) <= 60 and key.replace("_", "").isalnum() and key.islower()
                                        and key.isascii())]
    problems += [Problem("must be 1-100 characters", field=f"/{name}")
                 for name, value in (("name_sv", name_sv), ("name_en", name_en))
                 if not 0 < len(value.strip()) <= 100]
    if problems:
        raise InvalidData("the term is invalid", problems)
    with engine.db.unit_of_work(write=True) as uow:
        session, now = uow.session, engine.now()
        term = session.get(PublicTerm, (vocabulary, key)) or PublicTerm(vocabulary=vocabulary, key=key)
        term.name_sv, term.name_en = name_sv.strip(), name_en.strip()
        session.add(term)
        session.flush()
        for row in session.scalars(select(Publication).where(Publication.state == PUBLISHED).with_for_update()):
            initiative = session.get(Initiative, row.id)
            if initiative is not None:
                refresh(session, row, from_dict(initiative.record), now)
        session.add(AuditEntry(actor=principal.username, at=now, action="public_term_saved",
                               details=term_view(term)))
        view = term_view(term)
        uow.commit()
    return view
