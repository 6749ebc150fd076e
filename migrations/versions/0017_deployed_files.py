"""deployed files: the DMN and BPMN files a process runs besides its own diagram

A deployment may hold several BPMN and DMN files. Each process keeps its own diagram in
``process_definitions.bpmn_xml`` and names the other files it runs (the decisions of its
business rule tasks, the processes its call activities call from the same deployment) in
``process_definitions.files``; their content is stored once in ``deployed_files``.

Revision ID: 0017
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa

revision = '0017'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('deployed_files',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('sha256')
    )
    with op.batch_alter_table('process_definitions') as batch:
        batch.add_column(sa.Column('files', sa.JSON(), nullable=False, server_default='{}'))


def downgrade() -> None:
    with op.batch_alter_table('process_definitions') as batch:
        batch.drop_column('files')
    op.drop_table('deployed_files')
