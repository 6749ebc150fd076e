"""Migration 0018 on SQLite and PostgreSQL: an initiative assessed before it keeps its
assessment (from the audit log), and the old sum of the scores is gone."""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command

from cli.database import alembic_config
from innovation.adapters.records import from_dict
from innovation.adapters.tables import Initiative
from tests.unit.innovation.test_innovation_decision_log import OLD_RECORD

AT = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
OLD_INITIATIVES = sa.table("initiatives", *(sa.column(name) for name in (
    "instance_id", "title", "kind", "administration", "phase", "status", "score_total")),
    sa.column("record", sa.JSON()), sa.column("started_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)))
AUDIT = sa.table("audit_log", sa.column("instance_id"), sa.column("actor"), sa.column("action"),
                 sa.column("element_id"), sa.column("details", sa.JSON()), sa.column("at", sa.DateTime(timezone=True)))
ANSWERS = {key: {"score": 2, "comment": "bra"} for key in (
    "strategic_need", "scalability", "national_global_benefit", "technical_height", "data_driven",
    "outside_development_plan", "collaboration", "engaged_idea_owner", "uncertain_result")}


def test_an_initiative_assessed_before_0018_keeps_its_assessment(database_url):
    config = alembic_config(database_url)
    command.downgrade(config, "0013")
    db = sa.create_engine(database_url)
    try:
        with db.begin() as conn:  # as the code before 0018 wrote them
            for instance_id in ("assessed", "not-yet"):
                conn.execute(OLD_INITIATIVES.insert().values(
                    instance_id=instance_id, title="Laiban", kind="idedriven", administration="SOF",
                    phase="utveckla_pilot", status="active", score_total=18, record=OLD_RECORD, started_at=AT,
                    updated_at=AT))
            conn.execute(AUDIT.insert().values(instance_id="assessed", actor="ivar", action="task_completed",
                                               element_id="bedom_kriterier", at=AT,
                                               details={"submitted": {"criteria": ANSWERS}}))
        command.upgrade(config, "head")
        with db.connect() as conn:
            records = dict(conn.execute(sa.select(Initiative.instance_id, Initiative.record)).all())
            assert "score_total" not in {c["name"] for c in sa.inspect(conn).get_columns("initiatives")}
    finally:
        db.dispose()
    assert all("score_total" not in record for record in records.values())
    kept = from_dict(records["assessed"]).assessment
    assert (kept.assessed_by, kept.assessed_at, kept.assessment.criteria_met, kept.assessment.applicable) == (
        "ivar", AT, 9, 9)
    assert from_dict(records["not-yet"]).assessments == ()
