"""publications: the publish step of the public database, its history and vocabularies

Nothing is public until a coordinator publishes it: ``publications`` holds, per initiative
(or per record imported from the city's earlier database), the approved content, a draft
awaiting review and the record the public reads; ``publication_versions`` every approved
version with who approved it and when; ``public_terms`` the editable vocabularies
(category, sector, technology), seeded with the city's words.

Initiatives that were public on submission before this revision are not published: a
coordinator reviews each one first.

Revision ID: 0020
Revises: 0019
"""
from alembic import op
import sqlalchemy as sa

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

# (vocabulary, key, Swedish, English); the city's own category words where known.
TERMS = [
    ("category", "digitalisering_teknik", "Digitalisering & Teknik", "Digitalisation & Technology"),
    ("category", "hallbarhet_miljo", "Hållbarhet & Miljö", "Sustainability & Environment"),
    ("category", "halsa_omsorg", "Hälsa & Omsorg", "Health & Care"),
    ("category", "larande_utbildning", "Lärande & Utbildning", "Learning & Education"),
    ("category", "stadsutveckling_mobilitet", "Stadsutveckling & Mobilitet", "Urban Development & Mobility"),
    ("category", "kultur_fritid", "Kultur & Fritid", "Culture & Leisure"),
    ("category", "arbete_delaktighet", "Arbete & Delaktighet", "Work & Inclusion"),
    ("category", "trygghet", "Trygghet", "Safety"),
    ("sector", "offentlig_sektor", "Offentlig sektor", "Public sector"),
    ("sector", "naringsliv", "Näringsliv", "Business"),
    ("sector", "akademi", "Akademi", "Academia"),
    ("sector", "civilsamhalle", "Civilsamhälle", "Civil society"),
    ("sector", "invanare", "Invånare", "Residents"),
    ("technology", "ai", "Artificiell intelligens", "Artificial intelligence"),
    ("technology", "iot_sensorer", "IoT & sensorer", "IoT & sensors"),
    ("technology", "oppna_data", "Öppna data", "Open data"),
    ("technology", "digital_tvilling", "Digital tvilling", "Digital twin"),
    ("technology", "robotik_automation", "Robotik & automation", "Robotics & automation"),
    ("technology", "vr_ar", "VR & AR", "VR & AR"),
    ("technology", "appar_webb", "Appar & webb", "Apps & web"),
]


def upgrade() -> None:
    op.create_table('publications',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('draft', sa.JSON(), nullable=True),
    sa.Column('content', sa.JSON(), nullable=True),
    sa.Column('record', sa.JSON(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name_consent', sa.Boolean(), nullable=False),
    sa.Column('historical', sa.Boolean(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=True),
    sa.Column('administration', sa.String(length=200), nullable=True),
    sa.Column('phase', sa.String(length=30), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_publications_state', 'publications', ['state'])
    op.create_index('ix_publications_updated_at', 'publications', ['updated_at'])
    op.create_table('publication_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('published_by', sa.String(length=200), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id']),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_publication_versions_publication_id', 'publication_versions', ['publication_id'])
    terms = op.create_table('public_terms',
    sa.Column('vocabulary', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('name_sv', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('vocabulary', 'key')
    )
    op.bulk_insert(terms, [dict(zip(("vocabulary", "key", "name_sv", "name_en"), term)) for term in TERMS])


def downgrade() -> None:
    op.drop_table('public_terms')
    op.drop_index('ix_publication_versions_publication_id', table_name='publication_versions')
    op.drop_table('publication_versions')
    op.drop_index('ix_publications_updated_at', table_name='publications')
    op.drop_index('ix_publications_state', table_name='publications')
    op.drop_table('publications')
