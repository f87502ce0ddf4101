"""operation progress: how far a long operation is (listings resynced, bytes copied), and a listing index

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 14:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('operations') as batch:
        batch.add_column(sa.Column('progress', sa.JSON(), nullable=True))
    op.create_index('ix_operations_client_created', 'operations', ['client_id', 'created_at'])


def downgrade() -> None:
    op.drop_index('ix_operations_client_created', table_name='operations')
    with op.batch_alter_table('operations') as batch:
        batch.drop_column('progress')
