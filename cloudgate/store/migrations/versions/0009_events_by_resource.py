"""events by resource: the dashboard shows one resource's history, newest first

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 10:00:00.000000
"""

from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_events_resource_seq', 'events', ['resource_id', 'seq'])


def downgrade() -> None:
    op.drop_index('ix_events_resource_seq', table_name='events')
