"""operations by change: the dashboard's live pages read what changed lately

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 10:00:00.000000
"""

from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_operations_updated', 'operations', ['updated_at'])


def downgrade() -> None:
    op.drop_index('ix_operations_updated', table_name='operations')
