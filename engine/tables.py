"""The engine's tables. Instance state is the source of truth; the rest are projections
kept current in the same transaction so that inboxes, schedulers and workers never have
to load a workflow to find their work."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

INT_MAX = 2**31 - 1  # the largest INTEGER on PostgreSQL: ids, versions and page numbers stay within it


class UtcDateTime(TypeDecorator):
    """Aware UTC datetimes on every database (SQLite would otherwise hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and dialect.name == "sqlite":
            return value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime(), dict: JSON, list: JSON}


class BpmnSpec(Base):
    """A parsed process, stored once however many versions share it (keyed by hash)."""

    __tablename__ = "bpmn_specs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    spec_json: Mapped[str] = mapped_column(Text)


class DeployedFile(Base):
    """A DMN or BPMN file deployed with a process that runs it, stored once per distinct content."""

    __tablename__ = "deployed_files"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content: Mapped[str] = mapped_column(Text)


class ProcessDefinition(Base):
    __tablename__ = "process_definitions"
    __table_args__ = (UniqueConstraint("process_key", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(300))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    spec_sha256: Mapped[str] = mapped_column(ForeignKey("bpmn_specs.sha256"))
    forms: Mapped[dict] = mapped_column(JSON)
    # the other files of its deployment it runs (decisions, called processes): name -> DeployedFile
    files: Mapped[dict] = mapped_column(JSON, default=dict)
    deployed_by: Mapped[str] = mapped_column(String(200))
    deployed_at: Mapped[datetime]
    # the file it was deployed from, {"path", "sha256"} (``innovation deploy``); None from the modeler or API
    source: Mapped[dict | None] = mapped_column(JSON)


class ProcessInstance(Base):
    __tablename__ = "process_instances"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"), index=True)
    business_key: Mapped[str | None] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    state_json: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    started_by: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    end_element: Mapped[str | None] = mapped_column(String(200))

    __mapper_args__ = {"version_id_col": version}


class HumanTask(Base):
    """The inbox: one row per user task that was ever ready."""

    __tablename__ = "human_tasks"
    __table_args__ = (
        Index("ix_human_tasks_instance_state", "instance_id", "state"),
        # The inbox reads open tasks per lane (unclaimed) or per assignee, soonest due first.
        Index("ix_human_tasks_unclaimed", "lane", "due_at", "created_at",
              postgresql_where=text("state = 'open' AND assignee IS NULL"),
              sqlite_where=text("state = 'open' AND assignee IS NULL")),
        Index("ix_human_tasks_claimed", "assignee", "due_at", "created_at",
              postgresql_where=text("state = 'open'"), sqlite_where=text("state = 'open'")),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instances.id"))
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(String(300))
    lane: Mapped[str | None] = mapped_column(String(200))
    # For whom the task is, e.g. which administration decides one instance of a
    # multi-instance decision (the task's "scope" property, evaluated when it became ready).
    scope: Mapped[str | None] = mapped_column(String(200))
    assignee: Mapped[str | None] = mapped_column(String(200))
    form: Mapped[str | None] = mapped_column(String(300))
    ui_form: Mapped[str | None] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(200))
    ended_at: Mapped[datetime | None]
    # Who the diagram says the task is for (engine/assignment.py), each name between commas
    # (",coordinator,admin,") so that "holds a name" is a portable LIKE; NULL: the diagram names none.
    candidate_groups: Mapped[str | None] = mapped_column(Text)
    candidate_users: Mapped[str | None] = mapped_column(Text)

    @staticmethod
    def joined(names: list[str] | None) -> str | None:
        return None if names is None else "," + "".join(f"{name}," for name in names)

    @staticmethod
    def names(column: str | None) -> list[str] | None:
        """A candidates column as a list (None: the diagram names none)."""
        return None if column is None else [name for name in column.split(",") if name]

    @classmethod
    def holds(cls, column, name: str):
        """SQL: the candidates ``column`` names ``name``."""
        return column.contains(f",{name},", autoescape=True)


class TaskDueDefault(Base):
    """A process owner's due date for a user task whose diagram gives none (engine/deadlines.py)."""

    __tablename__ = "task_due_defaults"
    process_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    element_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    duration: Mapped[str] = mapped_column(String(40))  # ISO 8601, e.g. P14D
    set_by: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime]


class Timer(Base):
    """Waiting timer events; a scheduler reads only due rows."""

    __tablename__ = "timers"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instances.id"), index=True)
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(String(300))
    due_at: Mapped[datetime] = mapped_column(index=True)


class Job(Base):
    """The outbox of service-task work, consumed by workers (or in-process)."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_run_after", "state", "run_after"),
                      Index("ix_jobs_instance_state", "instance_id", "state"))
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("process_instances.id"))
    task_id: Mapped[str] = mapped_column(String(36), unique=True)
    element_id: Mapped[str] = mapped_column(String(200))
    operation: Mapped[str] = mapped_column(String(200))
    input: Mapped[dict] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    backoff_seconds: Mapped[float]
    run_after: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    error_history: Mapped[list] = mapped_column(JSON, default=list)
    result: Mapped[dict | None] = mapped_column(JSON)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AuditEntry(Base):
    """Append-only history: who did what, when, and the data that changed."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    instance_id: Mapped[str | None] = mapped_column(String(36), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    element_id: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(index=True)
