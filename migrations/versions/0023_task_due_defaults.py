"""task_due_defaults: a process owner's due date for user tasks whose diagram gives none

A user task is due by its diagram (a ``dueIn`` property or a boundary timer); for the others
a process owner may set a duration per process key and element id. The date is stored on the
task's inbox row (``human_tasks.due_at``) when it opens.

Revision ID: 0023
Revises: 0021
"""
from alembic import op
import sqlalchemy as sa

revision = '0023'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'task_due_defaults',
        sa.Column('process_key', sa.String(200), primary_key=True),
        sa.Column('element_id', sa.String(200), primary_key=True),
        sa.Column('duration', sa.String(40), nullable=False),
        sa.Column('set_by', sa.String(200), nullable=False),
        sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('task_due_defaults')
