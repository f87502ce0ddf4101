"""scoped tokens: a token may act in one account only (a keystone project-scoped token)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 14:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tokens') as batch:
        batch.add_column(sa.Column('account_id', sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tokens') as batch:
        batch.drop_column('account_id')
