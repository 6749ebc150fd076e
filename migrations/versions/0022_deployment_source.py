"""process_definitions.source: the file a version was deployed from

``innovation deploy`` (and ``make run``) records the path of the file and the SHA-256 of its
bytes, ``{"path": "processes/innovation.bpmn", "sha256": "…"}``; NULL for a version deployed
from the modeler or the API. ``make run`` reads it to deploy a file of the checkout only when
the file changed since it was last deployed from there, and never over a newer version
deployed from elsewhere.

Revision ID: 0022
Revises: 0023
"""
from alembic import op
import sqlalchemy as sa

revision = '0022'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('process_definitions') as batch:
        batch.add_column(sa.Column('source', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('process_definitions') as batch:
        batch.drop_column('source')
