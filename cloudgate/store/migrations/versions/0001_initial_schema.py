"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 03:57:23.617899
"""

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('cloud', sa.String(length=64), nullable=False),
    sa.Column('endpoint', sa.String(length=500), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('identity', sa.String(length=500), nullable=False),
    sa.Column('identity_name', sa.String(length=500), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('credentials', sa.LargeBinary(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('health', sa.String(length=20), nullable=False),
    sa.Column('last_error', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('cloud', 'endpoint', 'region', 'identity', name='uq_accounts_identity')
    )
    op.create_table('clients',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('secret_hash', sa.String(length=200), nullable=False),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('events',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', sa.Float(), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('resource_id', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.String(length=600), nullable=False),
    sa.Column('account_id', sa.String(length=64), nullable=True),
    sa.Column('cloud', sa.String(length=64), nullable=False),
    sa.Column('changed', sa.JSON(), nullable=False),
    sa.Column('resource', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_scope_seq', ['scope', 'seq'], unique=False)

    op.create_table('operations',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('resource_id', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('error', sa.JSON(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_id', 'idempotency_key', name='uq_operations_idempotency')
    )
    outbox_head = op.create_table('outbox_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.bulk_insert(outbox_head, [{"id": 1, "seq": 0}])
    op.create_table('resource_aliases',
    sa.Column('scope', sa.String(length=600), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('cloud_id', sa.String(length=500), nullable=False),
    sa.Column('resource_id', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'kind', 'cloud_id')
    )
    op.create_table('resources',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.String(length=600), nullable=False),
    sa.Column('account_id', sa.String(length=64), nullable=True),
    sa.Column('cloud', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('cloud_id', sa.String(length=500), nullable=True),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('cloud_state', sa.String(length=100), nullable=True),
    sa.Column('attrs', sa.JSON(), nullable=False),
    sa.Column('cloud_attrs', sa.JSON(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('datacenter', sa.String(length=200), nullable=True),
    sa.Column('content_hash', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('missed', sa.Integer(), nullable=False),
    sa.Column('protect_until', sa.Float(), nullable=True),
    sa.Column('destroying', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scope', 'kind', 'cloud_id', name='uq_resources_cloud_id')
    )
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.create_index('ix_resources_kind_scope', ['kind', 'scope', 'id'], unique=False)

    op.create_table('account_grants',
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('client_id', 'account_id')
    )
    op.create_table('poll_state',
    sa.Column('account_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('last_attempt_at', sa.Float(), nullable=True),
    sa.Column('last_success_at', sa.Float(), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.JSON(), nullable=True),
    sa.Column('resources', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'kind')
    )
    op.create_table('tokens',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.Column('revoked_at', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )


def downgrade() -> None:
    op.drop_table('tokens')
    op.drop_table('poll_state')
    op.drop_table('account_grants')
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.drop_index('ix_resources_kind_scope')

    op.drop_table('resources')
    op.drop_table('resource_aliases')
    op.drop_table('outbox_head')
    op.drop_table('operations')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_scope_seq')

    op.drop_table('events')
    op.drop_table('clients')
    op.drop_table('accounts')
