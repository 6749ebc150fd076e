"""Notifications: what happened that a person should hear of, in the app and by e-mail.

Events become one ``user_notifications`` row per person, written where the event is known:

- in the instance's own transaction (``record_changes``, an engine listener): a task opens
  in a lane you work in, and a gate decides on an initiative you submitted;
- by the diagram's reminder (``remind``, the port the ``innovation.remind`` operation calls
  inside its job's transaction);
- by a background scan (``scan``): tasks past their due date, and assignments, read from
  the audit log (assigning a task is not an instance change, so no listener hears it).

Each row has a unique ``key`` built from its event and recipient, so a replayed job or a
scan that overlaps the previous one adds nothing. ``plan_mail`` then turns each new row
into e-mail as its recipient chose per kind: at once, in a daily digest, or not at all.
E-mail is written to ``mail_outbox`` (one row per message, with its Message-ID fixed
when the row is made); ``claim_mail`` / ``mail_sent`` / ``mail_failed`` are what a
delivery worker (workers/mail.py) uses to send it, retry it and give up on it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import make_msgid
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, exists, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from application import access
from application.accounts import User
from application.portfolio import owner_column
from engine import AuditEntry, HumanTask, NotFound, ProcessInstance, UtcDateTime
from innovation.adapters.tables import Initiative
from innovation.model import DECISIONS, GATE_TASKS


class Kind(StrEnum):
    TASK_AVAILABLE = "task_available"  # a task opened in a lane you work in
    TASK_ASSIGNED = "task_assigned"  # someone gave a task to you
    DECISION = "decision"  # a gate decided on your initiative
    REMINDER = "reminder"  # the diagram's reminder (a timer, then innovation.remind)
    TASK_OVERDUE = "task_overdue"  # an open task passed its due date


class Mode(StrEnum):
    IMMEDIATE = "immediate"
    DAILY = "daily"
    OFF = "off"  # in the app only


# A new task in a lane may go to many people, so by default it waits for the digest.
DEFAULT_MODES = {kind: Mode.IMMEDIATE for kind in Kind} | {Kind.TASK_AVAILABLE: Mode.DAILY}
LANGUAGES = ("sv", "en")


class NotificationsBase(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime(), dict: JSON}


class Notification(NotificationsBase):
    """One thing one person should hear of; ``mail`` says how far its e-mail has come:
    new -> queued (an outbox row) | digest (waits for the daily digest, then queued) | none."""

    __tablename__ = "user_notifications"
    __table_args__ = (
        Index("ix_user_notifications_unread", "username", postgresql_where=text("read_at IS NULL"),
              sqlite_where=text("read_at IS NULL")),
        Index("ix_user_notifications_mail", "mail", "created_at",
              postgresql_where=text("mail IN ('new', 'digest')"), sqlite_where=text("mail IN ('new', 'digest')")),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    task_id: Mapped[str | None] = mapped_column(String(36), index=True)
    params: Mapped[dict]
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    mail: Mapped[str] = mapped_column(String(10))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("mail_outbox.id"))


class Preference(NotificationsBase):
    """A person's choices: the language of their e-mail and, per kind, how it is sent."""

    __tablename__ = "notification_preferences"
    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    language: Mapped[str] = mapped_column(String(2))
    modes: Mapped[dict]


class OutboxMessage(NotificationsBase):
    """One e-mail to send: pending -> sending (claimed, ``next_attempt_at`` is the lease)
    -> sent, or back to pending with a later ``next_attempt_at``, or failed."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        Index("ix_mail_outbox_due", "next_attempt_at", postgresql_where=text("state IN ('pending', 'sending')"),
              sqlite_where=text("state IN ('pending', 'sending')")),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    message_id: Mapped[str] = mapped_column(String(250), unique=True)
    recipient: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class ScanCursor(NotificationsBase):
    """How far a background scan of the audit log has read."""

    __tablename__ = "notification_cursors"
    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    at: Mapped[datetime]


# -- texts -----------------------------------------------------------------------------
# kind -> language -> (subject, body); fields: title, task, gate, decision, rationale, due, link.
TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    Kind.TASK_AVAILABLE: {
        "sv": ("Ny uppgift: {task}", "Uppgiften \"{task}\" för initiativet \"{title}\" väntar på någon i din roll."),
        "en": ("New task: {task}", "The task \"{task}\" for the initiative \"{title}\" waits for someone in your "
                                   "role."),
    },
    Kind.TASK_ASSIGNED: {
        "sv": ("Tilldelad dig: {task}", "Uppgiften \"{task}\" för initiativet \"{title}\" har tilldelats dig."),
        "en": ("Assigned to you: {task}", "The task \"{task}\" for the initiative \"{title}\" has been assigned "
                                          "to you."),
    },
    Kind.DECISION: {
        "sv": ("Beslut om {title}: {decision}",
               "Beslutet vid grinden {gate} om ditt initiativ \"{title}\" är: {decision}.\nMotivering: {rationale}"),
        "en": ("Decision on {title}: {decision}",
               "The decision at the {gate} gate on your initiative \"{title}\" is: {decision}.\n"
               "Rationale: {rationale}"),
    },
    Kind.REMINDER: {
        "sv": ("Påminnelse: {task}", "Uppgiften \"{task}\" för initiativet \"{title}\" väntar fortfarande på dig."),
        "en": ("Reminder: {task}", "The task \"{task}\" for the initiative \"{title}\" is still waiting for you."),
    },
    Kind.TASK_OVERDUE: {
        "sv": ("Försenad: {task}", "Uppgiften \"{task}\" för initiativet \"{title}\" skulle vara klar {due}."),
        "en": ("Overdue: {task}", "The task \"{task}\" for the initiative \"{title}\" was due {due}."),
    },
}
WORDS = {  # the values a template shows, per language
    "sv": {"go": "gå vidare", "kill": "avsluta", "hold": "vänta", "recycle": "arbeta om", "tid": "Tid",
           "granskning": "Granskning", "pengar": "Pengar", "skala_upp": "Skala upp", "pilot": "Pilot",
           "pilot_slutdatum": "Pilotens slutdatum",
           "open": "Öppna", "digest": "Sammanfattning",
           "digest_intro": "Det här har hänt sedan förra sammanfattningen:", "settings": "Inställningar",
           "none": "–"},
    "en": {"go": "go ahead", "kill": "stop", "hold": "hold", "recycle": "rework", "tid": "Time",
           "granskning": "Screening", "pengar": "Money", "skala_upp": "Scale up", "pilot": "Pilot",
           "pilot_slutdatum": "Pilot end date",
           "open": "Open", "digest": "Summary",
           "digest_intro": "This happened since the last summary:", "settings": "Settings", "none": "–"},
}
PREFERENCES_PATH = "/notifications/preferences"


def render(kind: str, params: dict, language: str) -> tuple[str, str]:
    """Subject and body of one notification in ``language`` (the link is added by ``letter``)."""
    language = language if language in LANGUAGES else "sv"
    words = WORDS[language]
    values = {"title": "", "task": "", "gate": "", "rationale": words["none"], "due": ""} | {
        k: v for k, v in params.items() if v not in (None, "")}
    for name in ("decision", "gate"):
        values[name] = words.get(str(values.get(name, "")), values.get(name, ""))
    values["due"] = str(values["due"])[:16].replace("T", " ")
    subject, body = TEMPLATES[kind][language]
    return subject.format(**values), body.format(**values)


def letter(kind: str, params: dict, language: str, base_url: str) -> tuple[str, str]:
    """An e-mail for one notification: its text, the link to its page, and where to change settings."""
    subject, body = render(kind, params, language)
    words = WORDS[language]
    return subject, (f"{body}\n\n{words['open']}: {_url(base_url, params.get('path'))}\n\n"
                     f"{words['settings']}: {_url(base_url, PREFERENCES_PATH)}\n")


def _url(base_url: str, path: str | None) -> str:
    return base_url.rstrip("/") + (path or "/notifications")


# -- recording events ----------------------------------------------------------------------
def _insert(session, model, rows: list[dict]) -> int:
    """Insert rows, skipping any whose unique key exists (replays, overlapping scans); returns how many."""
    if not rows:
        return 0
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(model).values(rows).on_conflict_do_nothing(index_elements=["key"])
    return len(session.execute(statement.returning(model.id)).all())


def _notification(key: str, username: str, kind: Kind, at: datetime, params: dict, task_id=None) -> dict:
    return {"key": f"{kind}:{key}:{username}", "username": username, "kind": str(kind), "task_id": task_id,
            "params": params, "created_at": at, "read_at": None, "mail": "new", "outbox_id": None}


def _may_work_on(session, task: HumanTask, owner: str | None, administration: str | None) -> list[str]:
    """Who may act on a task by the access rules: its holder, else its lane's people (for the
    administration the task is for: its scope, else the initiative's)."""
    if task.assignee:
        return [task.assignee]
    return access.people_for_task(session, task, task.scope or administration, owner)


def _task_params(task: HumanTask, title: str | None, instance_id: str) -> dict:
    return {"task": task.name or task.element_id, "title": title or instance_id, "instance_id": instance_id,
            "path": f"/tasks/{task.id}", "due": task.due_at.isoformat() if task.due_at else None}


def record_changes(session, event) -> None:
    """Engine listener: tasks that opened in this change, and a gate's decision.

    It runs in the change's transaction, so a notification exists exactly when its
    change was committed. The person who made the change is not told of tasks it opened.
    """
    gate = GATE_TASKS.get(event.element_id) if event.action == "task_completed" else None
    decision = event.submitted.get(gate.decision_field) if gate is not None else None
    news = gate is not None and (gate.logged is None or decision in gate.logged)  # a pilot round is no decision
    if not event.tasks_opened and not news:
        return  # nothing to tell: no statement at all
    started_by, owner, administration, title = session.execute(
        select(ProcessInstance.started_by, owner_column, Initiative.administration, Initiative.title)
        .outerjoin(Initiative, Initiative.instance_id == ProcessInstance.id)
        .where(ProcessInstance.id == event.instance_id)).one()
    rows = []
    for task in event.tasks_opened:
        params = _task_params(task, title, event.instance_id)
        rows += [_notification(task.id, user, Kind.TASK_AVAILABLE, event.at, params, task.id)
                 for user in _may_work_on(session, task, owner, administration) if user != event.actor]
    if news and started_by not in (None, event.actor):  # one's own decision is not news
        rows.append(_notification(f"{event.instance_id}:{event.element_id}:{event.at.isoformat()}", started_by,
                                  Kind.DECISION, event.at, {
                                      "title": title or event.instance_id, "instance_id": event.instance_id,
                                      "gate": gate.gate.value, "decision": DECISIONS.get(decision, decision),
                                      "rationale": event.submitted.get(gate.rationale_field),
                                      "path": f"/initiatives/{event.instance_id}/public"}))  # the owner's page of it
    _insert(session, Notification, rows)


def remind(session, *, key: str, recipient: str, task: str, instance_id: str, at: datetime) -> None:
    """The diagram's reminder about ``task`` (an element id) to ``recipient`` (an e-mail address).

    A user with that address is notified like any other event; an address no user has is
    written straight to the outbox, in both languages. ``key`` (the job id) makes a
    retried job add nothing.
    """
    title = session.scalar(select(Initiative.title).where(Initiative.instance_id == instance_id))
    human = session.scalar(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                   HumanTask.element_id == task, HumanTask.state == "open"))
    params = (_task_params(human, title, instance_id) if human is not None
              else {"task": task, "title": title or instance_id, "instance_id": instance_id, "path": None})
    users = list(session.scalars(select(User.username).where(func.lower(User.email) == recipient.strip().lower())))
    if users:
        _insert(session, Notification, [_notification(key, user, Kind.REMINDER, at, params,
                                                      human.id if human else None) for user in users])
        return
    texts = [render(Kind.REMINDER, params, language) for language in LANGUAGES]
    _insert(session, OutboxMessage, [_message(f"reminder:{key}", recipient, " / ".join(s for s, _ in texts),
                                              "\n\n".join(b for _, b in texts), at)])


def _message(key: str, recipient: str, subject: str, body: str, at: datetime) -> dict:
    domain = recipient.rpartition("@")[2] or "localhost"
    return {"key": key, "message_id": make_msgid("innovation", domain=domain), "recipient": recipient,
            "subject": subject, "body": body, "state": "pending", "attempts": 0, "next_attempt_at": at,
            "created_at": at, "sent_at": None, "last_error": None}


OVERLAP = timedelta(minutes=5)  # a scan rereads this much of the audit log: late commits are not missed


def scan(session, now: datetime) -> int:
    """Overdue tasks and assignments since the last scan; returns how many notifications were added."""
    return _scan_overdue(session, now) + _scan_assignments(session, now)


def _scan_overdue(session, now: datetime, limit: int = 500) -> int:
    told = exists().where(Notification.task_id == HumanTask.id, Notification.kind == Kind.TASK_OVERDUE)
    found = session.execute(
        select(HumanTask, owner_column, Initiative.administration, Initiative.title)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .outerjoin(Initiative, Initiative.instance_id == HumanTask.instance_id)
        .where(HumanTask.state == "open", HumanTask.due_at < now, ~told).limit(limit)).all()
    rows = []
    for task, owner, administration, title in found:
        params = _task_params(task, title, task.instance_id)
        rows += [_notification(task.id, user, Kind.TASK_OVERDUE, now, params, task.id)
                 for user in _may_work_on(session, task, owner, administration)]
    return _insert(session, Notification, rows)


def _scan_assignments(session, now: datetime) -> int:
    """Tasks given to someone by someone else (``task_assigned`` in the audit log)."""
    cursor = session.get(ScanCursor, "assignments", with_for_update=True)
    if cursor is None:
        cursor = ScanCursor(name="assignments", at=now)
        session.add(cursor)
    entries = session.execute(
        select(AuditEntry, HumanTask, Initiative.title)
        .join(HumanTask, HumanTask.id == AuditEntry.details["task_id"].as_string())
        .outerjoin(Initiative, Initiative.instance_id == HumanTask.instance_id)
        .where(AuditEntry.action == "task_assigned", AuditEntry.at > cursor.at - OVERLAP,
               AuditEntry.at <= now)).all()
    rows = [_notification(str(entry.id), entry.details["to"], Kind.TASK_ASSIGNED, entry.at,
                          _task_params(task, title, task.instance_id), task.id)
            for entry, task, title in entries if entry.details.get("to") and task.state == "open"]
    cursor.at = max(cursor.at, now)
    return _insert(session, Notification, rows)


# -- e-mail: from notifications to the outbox --------------------------------------------------
def preferences(session, username: str) -> dict:
    """The person's language and mode per kind (defaults for what they never chose)."""
    row = session.get(Preference, username)
    modes = {str(kind): str(DEFAULT_MODES[kind]) for kind in Kind} | (row.modes if row else {})
    return {"language": row.language if row else "sv", "modes": modes}


def address(session, username: str) -> str | None:
    """Where the person's e-mail goes (None: they get none)."""
    return session.scalar(select(User.email).where(User.username == username))


def save_preferences(session, username: str, language: str, modes: dict) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    unknown = {k: v for k, v in modes.items() if k not in set(Kind) or v not in set(Mode)}
    if unknown:
        raise ValueError(f"unknown notification kinds or modes: {unknown}")
    row = session.get(Preference, username)
    if row is None:
        session.add(Preference(username=username, language=language, modes=dict(modes)))
    else:
        row.language, row.modes = language, dict(modes)


def plan_mail(session, now: datetime, base_url: str, limit: int = 500) -> int:
    """New notifications -> an outbox row each (immediate), the digest, or none; returns how many."""
    rows = session.scalars(select(Notification).where(Notification.mail == "new").order_by(Notification.id)
                           .limit(limit).with_for_update(skip_locked=True)).all()
    people = _people(session, {row.username for row in rows})
    for row in rows:
        email, choice = people.get(row.username, (None, None))
        mode = choice["modes"][row.kind] if choice else Mode.OFF
        if not email or mode == Mode.OFF:
            row.mail = "none"
        elif mode == Mode.DAILY:
            row.mail = "digest"
        else:
            subject, body = letter(row.kind, row.params, choice["language"], base_url)
            row.outbox_id = _queue(session, _message(f"notification:{row.id}", email, subject, body, now))
            row.mail = "queued"
    return len(rows)


def _people(session, usernames) -> dict[str, tuple[str | None, dict]]:
    found = session.execute(select(User.username, User.email).where(User.username.in_(usernames))).all()
    return {name: (email, preferences(session, name)) for name, email in found}


def _queue(session, message: dict) -> int:
    _insert(session, OutboxMessage, [message])
    return session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == message["key"]))


def digest_moment(now: datetime, hour: int) -> datetime:
    """The latest daily digest time (``hour`` UTC) at or before ``now``."""
    moment = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return moment if moment <= now else moment - timedelta(days=1)


def send_digests(session, now: datetime, hour: int, base_url: str) -> int:
    """One e-mail per person with what waited for the digest until the latest digest time."""
    moment = digest_moment(now, hour)
    rows = session.scalars(select(Notification).where(Notification.mail == "digest",
                                                      Notification.created_at <= moment)
                           .order_by(Notification.username, Notification.id).with_for_update(skip_locked=True)).all()
    by_person: dict[str, list[Notification]] = {}
    for row in rows:
        by_person.setdefault(row.username, []).append(row)
    people = _people(session, by_person)
    for username, items in by_person.items():
        email, choice = people.get(username, (None, None))
        if not email:
            for row in items:
                row.mail = "none"
            continue
        language = choice["language"]
        words = WORDS[language]
        lines = [f"- {render(row.kind, row.params, language)[0]}: {_url(base_url, row.params.get('path'))}"
                 for row in items]
        body = "\n".join([words["digest_intro"], "", *lines, "", f"{words['settings']}: "
                          f"{_url(base_url, PREFERENCES_PATH)}", ""])
        subject = f"{words['digest']} {moment:%Y-%m-%d}: {len(items)}"
        outbox_id = _queue(session, _message(f"digest:{username}:{items[0].id}", email, subject, body, now))
        for row in items:
            row.mail, row.outbox_id = "queued", outbox_id
    return len(by_person)


# -- e-mail: delivery ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Letter:
    """A claimed outbox row, as the sender needs it."""

    id: int
    attempt: int
    message_id: str
    recipient: str
    subject: str
    body: str


def claim_mail(session, now: datetime, lease: timedelta, limit: int = 20) -> list[Letter]:
    """Claim due messages for sending: pending ones, and ones whose sender stopped within its lease.

    A claimed message counts an attempt and is ``sending`` until ``now + lease``; after
    that another sender may take it again (the sender died, perhaps after the mail
    server accepted it: then the resend carries the same Message-ID).
    """
    found = session.scalars(select(OutboxMessage).where(
        OutboxMessage.state.in_(("pending", "sending")), OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at).limit(limit).with_for_update(skip_locked=True)).all()
    for row in found:
        row.state, row.attempts, row.next_attempt_at = "sending", row.attempts + 1, now + lease
    return [Letter(row.id, row.attempts, row.message_id, row.recipient, row.subject, row.body) for row in found]


def _claimed(letter: Letter):
    """The update of a message only while this attempt still holds it (not taken over since)."""
    return update(OutboxMessage).where(OutboxMessage.id == letter.id, OutboxMessage.state == "sending",
                                       OutboxMessage.attempts == letter.attempt)


def mail_sent(session, letter: Letter, now: datetime) -> bool:
    return session.execute(_claimed(letter).values(state="sent", sent_at=now, last_error=None)).rowcount == 1


def mail_failed(session, letter: Letter, now: datetime, error: str, *, permanent: bool, attempts: int,
                backoff: timedelta) -> str:
    """Retry later with exponential backoff, or give up (a permanent refusal, or out of attempts)."""
    give_up = permanent or letter.attempt >= attempts
    state = "failed" if give_up else "pending"
    retry_at = now + backoff * (2 ** (letter.attempt - 1))
    session.execute(_claimed(letter).values(state=state, last_error=error[:2000],
                                            next_attempt_at=now if give_up else retry_at))
    return state


def outbox_state(session, now: datetime) -> tuple[dict[str, int], float]:
    """Messages per state, and how long the oldest due one has waited (0 if none): for metrics."""
    counts = dict(session.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all())
    oldest = session.scalar(select(func.min(OutboxMessage.created_at)).where(
        OutboxMessage.state.in_(("pending", "sending")), OutboxMessage.next_attempt_at <= now))
    return counts, (now - oldest).total_seconds() if oldest else 0.0


# -- in-app ---------------------------------------------------------------------------------------
def unread_count(session, username: str) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.username == username, Notification.read_at.is_(None)))


def inbox(session, username: str, language: str, limit: int = 100) -> list[dict]:
    """The person's latest notifications, newest first, each with its text in ``language``."""
    rows = session.scalars(select(Notification).where(Notification.username == username)
                           .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit))
    return [{"id": row.id, "kind": row.kind, "subject": render(row.kind, row.params, language)[0],
             "path": row.params.get("path"), "created_at": row.created_at, "read": row.read_at is not None}
            for row in rows]


def mark_read(session, username: str, notification_id: int, now: datetime) -> str | None:
    """Mark one of the person's notifications read; returns the path of its page."""
    row = session.scalar(select(Notification).where(Notification.id == notification_id,
                                                    Notification.username == username))
    if row is None:
        raise NotFound(f"notification {notification_id} of {username} does not exist",
                       reason_code="notification_not_found", params={"notification": notification_id})
    row.read_at = row.read_at or now
    return row.params.get("path")


def mark_all_read(session, username: str, now: datetime) -> int:
    return session.execute(update(Notification).where(
        Notification.username == username, Notification.read_at.is_(None)).values(read_at=now)).rowcount
