"""roles by administration: coordinators per administration, the manager role, the initiative's owner

Coordinators now act only on the initiatives of the administrations they hold the role
for, like decision makers. A coordinator granted before this release (for no
administration) keeps what they could do: the grant becomes one per administration, and
so does a single sign-on mapping to the coordinator role; admins narrow them afterwards.
``initiatives.owner`` is the user who works an initiative's idea owner tasks: who
submitted it (filled in from the instance for existing initiatives), or the internal owner
a coordinator assigns to a resident's idea.

Revision ID: 0015
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

# The city's administrations when this revision was written (innovation/domain/administrations.py).
ADMINISTRATIONS = ('AMF', 'FF', 'KF', 'MF', 'SOF', 'SF', 'SBF', 'SLF', 'VOF')
COORDINATOR = 'coordinator'


def _per_administration(table: str, key: tuple[str, ...]) -> None:
    """Each coordinator row without an administration becomes one row per administration."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(f"SELECT id, {', '.join(key)} FROM {table} WHERE role = :role "
                                "AND administration IS NULL"), {"role": COORDINATOR}).mappings().all()
    same = " AND ".join(f"{column} = :{column}" for column in key)
    insert = sa.text(f"INSERT INTO {table} ({', '.join(key)}, role, administration) "
                     f"VALUES ({', '.join(':' + column for column in key)}, :role, :administration)")
    for row in rows:
        owner = {column: row[column] for column in key}
        held = set(bind.scalars(sa.text(f"SELECT administration FROM {table} WHERE {same} AND role = :role"),
                                {**owner, "role": COORDINATOR}))
        for code in ADMINISTRATIONS:
            if code not in held:
                bind.execute(insert, {**owner, "role": COORDINATOR, "administration": code})
        bind.execute(sa.text(f"DELETE FROM {table} WHERE id = :id"), {"id": row["id"]})


def upgrade() -> None:
    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner', sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f('ix_initiatives_owner'), ['owner'], unique=False)
    op.execute("UPDATE initiatives SET owner = (SELECT started_by FROM process_instances "
               "WHERE process_instances.id = initiatives.instance_id)")
    _per_administration('role_grants', ('user_id',))
    _per_administration('role_mappings', ('claim', 'value'))


def downgrade() -> None:
    """Back to coordinators for every administration; the manager role does not exist before."""
    for table, key in (('role_grants', 'user_id'), ('role_mappings', 'claim, value')):
        op.execute(f"DELETE FROM {table} WHERE role = 'manager'")
        op.execute(f"DELETE FROM {table} WHERE role = '{COORDINATOR}' AND id NOT IN "
                   f"(SELECT MIN(id) FROM {table} WHERE role = '{COORDINATOR}' GROUP BY {key})")
        op.execute(f"UPDATE {table} SET administration = NULL WHERE role = '{COORDINATOR}'")
    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiatives_owner'))
        batch_op.drop_column('owner')
