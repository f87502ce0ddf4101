"""scope: the names clients give their accounts (aliases), tokens that carry a scope, events that name the
operation (and scope) that caused them, and image replicas made across clouds

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 20:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('account_grants') as batch:
        batch.add_column(sa.Column('alias', sa.String(200), nullable=True))
    with op.batch_alter_table('tokens') as batch:
        batch.add_column(sa.Column('scope', sa.JSON, nullable=True))
    with op.batch_alter_table('events') as batch:
        batch.add_column(sa.Column('cause', sa.JSON, nullable=True))
    op.create_index('ix_account_grants_alias', 'account_grants', ['client_id', 'alias'], unique=True)
    op.create_table(
        'image_replicas',
        sa.Column('source_id', sa.String(64), primary_key=True),
        sa.Column('account_id', sa.String(64), sa.ForeignKey('accounts.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('digest', sa.String(300), primary_key=True),
        sa.Column('state', sa.String(16), nullable=False),
        sa.Column('cloud_id', sa.String(500)),
        sa.Column('operation_id', sa.String(64), nullable=False),
        sa.Column('size', sa.BigInteger),
        sa.Column('created_at', sa.Float, nullable=False),
        sa.Column('updated_at', sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table('image_replicas')
    op.drop_index('ix_account_grants_alias', table_name='account_grants')
    with op.batch_alter_table('tokens') as batch:
        batch.drop_column('scope')
    with op.batch_alter_table('events') as batch:
        batch.drop_column('cause')
    with op.batch_alter_table('account_grants') as batch:
        batch.drop_column('alias')
