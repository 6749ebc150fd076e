"""sign-in: passwords and session versions on users, named, expiring, scoped and revocable
API tokens, failed logins for throttling, and the identity provider's claim -> role mappings

Revision ID: 0012
Revises: 0011

Tokens issued before this revision had no name, no expiry and full access: they become
"token" with the scope write and expire 90 days after the upgrade, so scripts keep working
while their owners replace them.
"""
from datetime import datetime, timedelta, timezone

from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

GRACE = timedelta(days=90)


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_hash', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('password_temporary', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('external_id', sa.String(length=400), nullable=True))
        batch_op.create_unique_constraint('uq_users_external_id', ['external_id'])

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sa.String(length=100), nullable=False, server_default='token'))
        batch_op.add_column(sa.Column('scope', sa.String(length=10), nullable=False, server_default='write'))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True))
    tokens = sa.table('api_tokens', sa.column('expires_at', sa.DateTime(timezone=True)))
    op.execute(tokens.update().where(tokens.c.expires_at.is_(None))
               .values(expires_at=datetime.now(timezone.utc) + GRACE))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=sa.DateTime(timezone=True), nullable=False)

    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failures_username'), ['username'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failures_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failures_at'), ['at'], unique=False)

    op.create_table('role_mappings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim', sa.String(length=100), nullable=False),
    sa.Column('value', sa.String(length=300), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('administration', sa.String(length=10), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('claim', 'value', 'role', 'administration')
    )


def downgrade() -> None:
    op.drop_table('role_mappings')
    op.drop_table('login_failures')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        for column in ('last_used_at', 'revoked_at', 'expires_at', 'scope', 'name'):
            batch_op.drop_column(column)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('uq_users_external_id', type_='unique')
        for column in ('external_id', 'session_version', 'password_temporary', 'password_hash'):
            batch_op.drop_column(column)
