"""public listing index: the public lists, counts and searches read one narrow index

The public database lists published and historical records newest update first, filtered by
administration, status, phase, kind and words in the title, and counts them. With only an
index on ``updated_at`` each of those read the whole wide row (three JSON documents) of every
record they passed; this index holds every column they use, so a deep page, a count and a
title search read the index alone.

Revision ID: 0021
Revises: 0020
"""
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

COLUMNS = ['updated_at', 'id', 'state', 'administration', 'status', 'phase', 'kind', 'title']


def upgrade() -> None:
    op.create_index('ix_publications_listing', 'publications', COLUMNS)


def downgrade() -> None:
    op.drop_index('ix_publications_listing', table_name='publications')
