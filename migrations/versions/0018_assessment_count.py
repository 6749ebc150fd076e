"""initiatives: drop score_total, the sum of the criteria scores the city never defined

The city counts how many of the nine criteria an initiative meets ("uppfyller N av 9"); the
assessments, with who made them and when, now live in the initiative record. An initiative
assessed before this revision keeps its assessment: the criteria as the coordinator answered
them in the task bedom_kriterier, by whom and when, are read from the audit log.

Revision ID: 0018
Revises: 0013
"""
from datetime import UTC

from alembic import op
import sqlalchemy as sa

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

INITIATIVES = sa.table('initiatives', sa.column('instance_id', sa.String()), sa.column('record', sa.JSON()))
AUDIT = sa.table('audit_log', sa.column('id', sa.Integer()), sa.column('instance_id', sa.String()),
                 sa.column('actor', sa.String()), sa.column('action', sa.String()),
                 sa.column('element_id', sa.String()), sa.column('details', sa.JSON()),
                 sa.column('at', sa.DateTime(timezone=True)))


def _keep_assessments(connection) -> None:
    latest = {}
    for instance_id, actor, details, at in connection.execute(
            sa.select(AUDIT.c.instance_id, AUDIT.c.actor, AUDIT.c.details, AUDIT.c.at)
            .where(AUDIT.c.action == 'task_completed', AUDIT.c.element_id == 'bedom_kriterier')
            .order_by(AUDIT.c.id)):
        criteria = ((details or {}).get('submitted') or {}).get('criteria')
        if isinstance(criteria, dict):
            latest[instance_id] = (actor, criteria, at if at.tzinfo else at.replace(tzinfo=UTC))
    for instance_id, record in connection.execute(sa.select(INITIATIVES.c.instance_id, INITIATIVES.c.record)).all():
        kept = {key: value for key, value in record.items() if key != 'score_total'}
        if instance_id in latest and not record.get('assessments'):
            actor, criteria, at = latest[instance_id]
            breakdown = {key: {'score': answer.get('score'), 'comment': answer.get('comment', '')}
                         for key, answer in criteria.items()}
            kept['assessments'] = [{'breakdown': breakdown, 'assessed_by': actor, 'assessed_at': at.isoformat()}]
        connection.execute(INITIATIVES.update().where(INITIATIVES.c.instance_id == instance_id).values(record=kept))


def upgrade() -> None:
    _keep_assessments(op.get_bind())
    with op.batch_alter_table('initiatives') as batch_op:
        batch_op.drop_column('score_total')


def downgrade() -> None:
    with op.batch_alter_table('initiatives') as batch_op:
        batch_op.add_column(sa.Column('score_total', sa.Integer(), nullable=True))
