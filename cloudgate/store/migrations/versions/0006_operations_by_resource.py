"""operations by resource: what is under way on a page of resources is read on every foreign listing

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 13:00:00.000000
"""

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_operations_resource_state', 'operations', ['resource_id', 'state'])


def downgrade() -> None:
    op.drop_index('ix_operations_resource_state', table_name='operations')
