"""foreign APIs: numeric ids for EC2 and GCE ids, foreign credentials, operations bound to their request

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 12:00:00.000000
"""

import hashlib

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

BATCH = 5000


def _numeric_id(gateway_id: str) -> int:
    # cloudgate.foreign_ids.numeric_id as revision 0004 defines it.
    return int.from_bytes(hashlib.blake2b(gateway_id.encode(), digest_size=8).digest(), "big") >> 1


def upgrade() -> None:
    with op.batch_alter_table('resources') as batch:
        batch.add_column(sa.Column('numeric_id', sa.BigInteger(), nullable=True))
    bind = op.get_bind()
    resources = sa.table('resources', sa.column('id'), sa.column('numeric_id'))
    after = ''
    while True:
        ids = bind.execute(
            sa.select(resources.c.id).where(resources.c.id > after).order_by(resources.c.id).limit(BATCH)
        ).scalars().all()
        if not ids:
            break
        bind.execute(
            resources.update().where(resources.c.id == sa.bindparam('b_id')).values(numeric_id=sa.bindparam('b_n')),
            [{'b_id': rid, 'b_n': _numeric_id(rid)} for rid in ids],
        )
        after = ids[-1]
    with op.batch_alter_table('resources') as batch:
        batch.alter_column('numeric_id', existing_type=sa.BigInteger(), nullable=False)
    op.create_index('ix_resources_kind_numeric_id', 'resources', ['kind', 'numeric_id'])

    with op.batch_alter_table('operations') as batch:
        batch.add_column(sa.Column('request_id', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('scope', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('fingerprint', sa.String(length=64), nullable=True))

    op.create_table('foreign_credentials',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.String(length=64), nullable=False),
    sa.Column('secret', sa.LargeBinary(), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=True),
    sa.Column('scope', sa.JSON(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('revoked_at', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_foreign_credentials_client', 'foreign_credentials', ['client_id'])


def downgrade() -> None:
    op.drop_index('ix_foreign_credentials_client', table_name='foreign_credentials')
    op.drop_table('foreign_credentials')
    with op.batch_alter_table('operations') as batch:
        batch.drop_column('fingerprint')
        batch.drop_column('scope')
        batch.drop_column('request_id')
    op.drop_index('ix_resources_kind_numeric_id', table_name='resources')
    with op.batch_alter_table('resources') as batch:
        batch.drop_column('numeric_id')
