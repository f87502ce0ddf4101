"""Resource rows: what a cloud reports is stored whatever its values, on both backends."""

from __future__ import annotations

import math

import orjson

from cloudgate.model import Kind, ResourceRecord
from cloudgate.store import Store
from cloudgate.store import resources as rows


async def test_nan_and_infinity_in_attributes_are_stored_as_null(database_url):
    odd = {"load": math.nan, "quota": math.inf, "floor": -math.inf, "size": 3}
    record = ResourceRecord("vol-00000000000000000001", "v-1", "acc-1", "acc-1", "sim", Kind.VOLUME, "v", "available",
                            None, {"datacenter": "r1", **odd}, odd, {}, False, 1.0, 1.0, 1)  # fmt: skip
    store = await Store.open(database_url)
    try:
        async with store.write() as conn:
            await rows.insert_records(conn, [(record, None)])
        async with store.read() as conn:
            stored = await rows.get(conn, record.id)
            found = await rows.get_document(conn, record.id)
        nulls = {"load": None, "quota": None, "floor": None, "size": 3}
        assert stored.attrs == {"datacenter": "r1", **nulls} and stored.cloud_attrs == nulls
        assert found is not None and orjson.loads(found[2])["cloud_attrs"] == nulls
    finally:
        await store.close()
