"""inbox indexes: partial indexes for unclaimed tasks per lane and claimed tasks per assignee

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

UNCLAIMED = sa.text("state = 'open' AND assignee IS NULL")
CLAIMED = sa.text("state = 'open'")


def upgrade() -> None:
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_human_tasks_inbox')
        batch_op.drop_index('ix_human_tasks_assignee')
    op.create_index('ix_human_tasks_unclaimed', 'human_tasks', ['lane', 'due_at', 'created_at'],
                    postgresql_where=UNCLAIMED, sqlite_where=UNCLAIMED)
    op.create_index('ix_human_tasks_claimed', 'human_tasks', ['assignee', 'due_at', 'created_at'],
                    postgresql_where=CLAIMED, sqlite_where=CLAIMED)


def downgrade() -> None:
    op.drop_index('ix_human_tasks_claimed', table_name='human_tasks')
    op.drop_index('ix_human_tasks_unclaimed', table_name='human_tasks')
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_human_tasks_assignee', ['assignee'], unique=False)
        batch_op.create_index('ix_human_tasks_inbox', ['state', 'lane', 'due_at'], unique=False)
