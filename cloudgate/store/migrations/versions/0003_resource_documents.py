"""resource documents: each resource row keeps the JSON the API shows for it, so pages are served as stored

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 08:00:00.000000
"""

import json

import orjson
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

BATCH = 5000
# The document as revision 0003 defines it: ResourceRecord.to_dict() of the row.
_FIELDS = ("id", "cloud_id", "kind", "cloud", "account_id", "scope", "public", "name", "state", "cloud_state",
           "attrs", "cloud_attrs", "tags", "created_at", "updated_at", "revision")


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _document(row) -> str:
    values = dict(zip(_FIELDS, row))
    values["public"] = bool(values["public"])
    for field in ("attrs", "cloud_attrs", "tags"):
        values[field] = _json(values[field])
    values["account"] = values.pop("account_id")
    order = ("id", "cloud_id", "kind", "cloud", "account", "scope", "public", "name", "state", "cloud_state",
             "attrs", "cloud_attrs", "tags", "created_at", "updated_at", "revision")
    return orjson.dumps({key: values[key] for key in order}, option=orjson.OPT_NON_STR_KEYS).decode()


def upgrade() -> None:
    with op.batch_alter_table('resources') as batch:
        batch.add_column(sa.Column('document', sa.Text(), nullable=True))
    bind = op.get_bind()
    resources = sa.table('resources', *(sa.column(name) for name in (*_FIELDS, 'document')))
    after = ''
    while True:
        rows = bind.execute(
            sa.select(*(resources.c[name] for name in _FIELDS)).where(resources.c.id > after)
            .order_by(resources.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        bind.execute(
            resources.update().where(resources.c.id == sa.bindparam('b_id')).values(document=sa.bindparam('b_document')),
            [{'b_id': row[0], 'b_document': _document(row)} for row in rows],
        )
        after = rows[-1][0]
    with op.batch_alter_table('resources') as batch:
        batch.alter_column('document', existing_type=sa.Text(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('resources') as batch:
        batch.drop_column('document')
