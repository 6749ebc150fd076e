"""notifications: per-person notifications, their preferences, the e-mail outbox and scan cursors

The innovation model's old ``notifications`` table was an outbox nothing delivered; its
rows move to ``mail_outbox`` as pending messages (so no reminder is lost) and it is dropped.

Revision ID: 0013
Revises: 0012
"""
from email.utils import make_msgid

from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

OPEN_MAIL = sa.text("mail IN ('new', 'digest')")
UNREAD = sa.text("read_at IS NULL")
DUE = sa.text("state IN ('pending', 'sending')")


def upgrade() -> None:
    op.create_table('mail_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('message_id', sa.String(length=250), nullable=False),
    sa.Column('recipient', sa.String(length=300), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key'),
    sa.UniqueConstraint('message_id')
    )
    op.create_index('ix_mail_outbox_due', 'mail_outbox', ['next_attempt_at'], postgresql_where=DUE,
                    sqlite_where=DUE)
    op.create_table('user_notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=True),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('mail', sa.String(length=10), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['outbox_id'], ['mail_outbox.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_index('ix_user_notifications_username', 'user_notifications', ['username'])
    op.create_index('ix_user_notifications_task_id', 'user_notifications', ['task_id'])
    op.create_index('ix_user_notifications_unread', 'user_notifications', ['username'], postgresql_where=UNREAD,
                    sqlite_where=UNREAD)
    op.create_index('ix_user_notifications_mail', 'user_notifications', ['mail', 'created_at'],
                    postgresql_where=OPEN_MAIL, sqlite_where=OPEN_MAIL)
    op.create_table('notification_preferences',
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('modes', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('username')
    )
    op.create_table('notification_cursors',
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    # Copied in SQL, so the stored times keep their form; each gets its Message-ID after.
    op.execute("INSERT INTO mail_outbox (key, message_id, recipient, subject, body, state, attempts, "
               "next_attempt_at, created_at) SELECT 'reminder:' || key, 'reminder:' || key, recipient, subject, "
               "body, 'pending', 0, created_at, created_at FROM notifications")
    connection = op.get_bind()
    for row_id, recipient in connection.execute(sa.text("SELECT id, recipient FROM mail_outbox")).all():
        domain = recipient.rpartition("@")[2] or "localhost"
        connection.execute(sa.text("UPDATE mail_outbox SET message_id = :message_id WHERE id = :id"),
                           {"message_id": make_msgid("innovation", domain=domain), "id": row_id})
    op.drop_table('notifications')


def downgrade() -> None:
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('recipient', sa.String(length=300), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.drop_table('notification_cursors')
    op.drop_table('notification_preferences')
    op.drop_index('ix_user_notifications_mail', table_name='user_notifications')
    op.drop_index('ix_user_notifications_unread', table_name='user_notifications')
    op.drop_index('ix_user_notifications_task_id', table_name='user_notifications')
    op.drop_index('ix_user_notifications_username', table_name='user_notifications')
    op.drop_table('user_notifications')
    op.drop_index('ix_mail_outbox_due', table_name='mail_outbox')
    op.drop_table('mail_outbox')
