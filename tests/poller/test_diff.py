"""Applying listings: a resource is deleted for absence only after two complete listings in a row lack it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from cloudgate.model import CloudResource, Kind
from cloudgate.poller.diff import ListingTarget, apply_listing, hashed
from cloudgate.store import Store
from cloudgate.store import resources as rows

TARGET = ListingTarget("acc-diff", "acc-diff", "sim", Kind.VOLUME)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    opened = await Store.open(database_url)
    yield opened
    await opened.close()


def _volume(cloud_id: str) -> CloudResource:
    return CloudResource(Kind.VOLUME, cloud_id, f"disk-{cloud_id}", "available", "READY", {"size_gb": 1})


async def _listed(store: Store, *cloud_ids: str, at: float) -> set[str]:
    async with store.write() as conn:
        await apply_listing(conn, TARGET, hashed([_volume(c) for c in cloud_ids]), at)
    async with store.read() as conn:
        return {r.cloud_id for r in await rows.query(conn, rows.EVERYTHING, scopes=[TARGET.scope]) if r.cloud_id}


async def test_a_resource_missed_every_other_listing_is_never_deleted(store: Store):
    assert await _listed(store, "a", "b", at=1.0) == {"a", "b"}
    for at in range(2, 10):  # b flickers: seen, missed, seen, missed — never missed twice in a row
        listing = ("a", "b") if at % 2 else ("a",)
        assert await _listed(store, *listing, at=float(at)) == {"a", "b"}
    assert await _listed(store, "a", at=10.0) == {"a", "b"}  # missed once more after being seen…
    assert await _listed(store, "a", at=11.0) == {"a"}  # …and twice in a row: gone
