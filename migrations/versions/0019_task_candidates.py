"""human_tasks: candidate groups and users, as the diagram names them

A user task's candidates come from the deployed diagram (``camunda:candidateGroups``,
``camunda:candidateUsers``, or its lane's properties) and are stored on its inbox row when it
becomes ready; NULL where the diagram names none, and then the lane's role in the code
decides, as before.

Revision ID: 0019
Revises: 0018 (chain it after the other revisions of this round)
"""
from alembic import op
import sqlalchemy as sa

revision = '0019'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('human_tasks') as batch:
        batch.add_column(sa.Column('candidate_groups', sa.Text(), nullable=True))
        batch.add_column(sa.Column('candidate_users', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('human_tasks') as batch:
        batch.drop_column('candidate_users')
        batch.drop_column('candidate_groups')
