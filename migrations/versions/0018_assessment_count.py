"""initiatives: drop score_total, the sum of the criteria scores the city never defined

The city counts how many of the nine criteria an initiative meets ("uppfyller N av 9");
the assessments, with who made them and when, now live in the initiative record.

Revision ID: 0018
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa

revision = '0018'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('initiatives') as batch_op:
        batch_op.drop_column('score_total')


def downgrade() -> None:
    with op.batch_alter_table('initiatives') as batch_op:
        batch_op.add_column(sa.Column('score_total', sa.Integer(), nullable=True))
