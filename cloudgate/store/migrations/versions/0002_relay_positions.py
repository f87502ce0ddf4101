"""relay positions: the last event sequence number each AMQP destination confirmed

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('relay_positions',
    sa.Column('destination', sa.String(length=255), nullable=False),
    sa.Column('confirmed_seq', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('destination')
    )


def downgrade() -> None:
    op.drop_table('relay_positions')
