"""Schema migrations: a store written by an earlier revision is brought to the newest one, rows intact."""

from __future__ import annotations

import orjson
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from cloudgate.model import Kind, ResourceRecord
from cloudgate.store import Store
from cloudgate.store import resources as rows
from cloudgate.store.engine import alembic_config

RECORDS = [
    ResourceRecord("i-00000000000000000001", "srv-1", "acc-1", "acc-1", "sim", Kind.INSTANCE, "web", "running",
                   "ACTIVE", {"datacenter": "r1", "flavor": "f-1"}, {"host": "h"}, {"team": "a"}, False, 1.5, 2.5, 3),
    ResourceRecord("img-0000000000000000002", "ami-2", "pub:sim", None, "sim", Kind.IMAGE, "debian", "available",
                   None, {}, {"size": 2048, "owner": None}, {}, True, 1.0, 1.0, 1),
]  # fmt: skip


async def _store_at_0002(url: str) -> None:
    """A store as revision 0002 left it, holding RECORDS."""
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), "0002"))
        for record in RECORDS:
            row = {key: value for key, value in rows._row(record).items() if key not in ("document", "numeric_id")}
            for field in ("attrs", "cloud_attrs", "tags"):
                row[field] = orjson.dumps(row[field]).decode()
            names = [*row, "missed", "destroying"]
            values = [f":{key}" for key in row] + ["0", "false"]
            await conn.execute(text(f"INSERT INTO resources ({', '.join(names)}) VALUES ({', '.join(values)})"), row)
    await engine.dispose()


async def test_upgrading_to_0003_gives_each_row_its_document(database_url):
    await _store_at_0002(database_url)
    store = await Store.open(database_url)
    try:
        async with store.read() as conn:
            documents = {keys[-1]: doc for keys, doc in await rows.query_documents(conn, rows.EVERYTHING, scopes=None)}
            stored = {record.id: record for record in await rows.query(conn, rows.EVERYTHING, scopes=None)}
        assert set(documents) == {record.id for record in RECORDS}
        for record in RECORDS:
            assert orjson.loads(documents[record.id]) == orjson.loads(stored[record.id].to_json())
        assert orjson.loads(documents[RECORDS[0].id]) == RECORDS[0].to_dict()
    finally:
        await store.close()
