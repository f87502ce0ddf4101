"""The outbox hands out sequence numbers in commit order, without gaps or duplicates, on both backends."""

from __future__ import annotations

import asyncio

import pytest

from cloudgate.model import Kind, ResourceRecord
from cloudgate.store import Store, outbox
from cloudgate.store.outbox import EventDraft


def _record(i: int, scope: str = "acc-1") -> ResourceRecord:
    return ResourceRecord(f"i-{i:04d}", f"c-{i}", scope, scope, "sim", Kind.INSTANCE, f"vm{i}", "running", "ACTIVE",
                          {"n": i}, {}, {}, False, 1.0, 1.0, 1)  # fmt: skip


@pytest.fixture
async def store(database_url):
    opened = await Store.open(database_url)
    yield opened
    await opened.close()


async def test_migrations_are_idempotent(database_url):
    first = await Store.open(database_url)
    await first.close()
    again = await Store.open(database_url)  # a second start finds the schema current
    async with again.read() as conn:
        assert await outbox.head(conn) == 0
    await again.close()


async def test_concurrent_writers_get_contiguous_sequence_numbers(store):
    async def writer(w: int) -> None:
        for batch in range(5):
            async with store.write() as conn:
                drafts = [EventDraft("created", _record(w * 100 + batch * 10 + j), []) for j in range(3)]
                await outbox.append(conn, drafts, 1.0)

    await asyncio.gather(*(writer(w) for w in range(6)))
    async with store.read() as conn:
        events = await outbox.read_after(conn, 0, scopes=None, limit=1000)
        assert await outbox.head(conn) == 90
    assert [e.seq for e in events] == list(range(1, 91))
    assert len({e.resource_id for e in events}) == 90


async def test_rolled_back_transaction_leaves_no_gap(store):
    with pytest.raises(RuntimeError):
        async with store.write() as conn:
            await outbox.append(conn, [EventDraft("created", _record(1), [])], 1.0)
            raise RuntimeError("abort")
    async with store.write() as conn:
        last = await outbox.append(conn, [EventDraft("created", _record(2), [])], 1.0)
    assert last == 1


async def test_read_after_filters_scopes_and_prune_drops_old(store):
    async with store.write() as conn:
        await outbox.append(conn, [EventDraft("created", _record(1, "acc-a"), [])], 10.0)
        await outbox.append(conn, [EventDraft("created", _record(2, "acc-b"), [])], 20.0)
    async with store.read() as conn:
        only_b = await outbox.read_after(conn, 0, scopes={"acc-b"}, limit=10)
        assert [(e.seq, e.scope) for e in only_b] == [(2, "acc-b")]
        assert await outbox.read_after(conn, 0, scopes=set(), limit=10) == []
        assert only_b[0].resource["name"] == "vm2"
    async with store.write() as conn:
        assert await outbox.prune(conn, before=15.0) == 1
    async with store.read() as conn:
        assert await outbox.oldest(conn) == 2
        assert await outbox.head(conn) == 2
