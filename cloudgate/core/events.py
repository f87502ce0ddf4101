"""The event feed a client reads: its accounts' events (and their endpoints' public ones), after a sequence number."""

from __future__ import annotations

import asyncio

from cloudgate.core.access import visibility
from cloudgate.core.caller import Caller
from cloudgate.errors import InvalidRequest
from cloudgate.events.hub import EventHub
from cloudgate.store import Store, outbox
from cloudgate.store.outbox import Event

MAX_WAIT_SECONDS = 60.0


class Events:
    def __init__(self, store: Store, hub: EventHub, page_max: int):
        self._store = store
        self._hub = hub
        self._page_max = page_max

    async def after(self, caller: Caller, after: int, *, wait: float = 0.0, limit: int | None = None) -> list[Event]:
        """Events with seq > `after` that the caller may see; with `wait`, long-poll until one comes."""
        limit = limit or self._page_max
        if after < 0:
            raise InvalidRequest("'after' must be a sequence number ≥ 0", details={"field": "after"})
        if not 1 <= limit <= self._page_max:
            raise InvalidRequest(f"limit must be between 1 and {self._page_max}", details={"field": "limit"})
        if not 0 <= wait <= MAX_WAIT_SECONDS:
            raise InvalidRequest(
                f"wait must be between 0 and {MAX_WAIT_SECONDS:.0f} seconds", details={"field": "wait"}
            )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            async with self._store.read() as conn:
                scopes = (await visibility(conn, caller)).scopes
                found = await outbox.read_after(conn, after, scopes=scopes, limit=limit)
                newest = await outbox.head(conn)
            if found:
                return found
            # Nothing visible up to `newest`: skip past it, wait for more.
            after = max(after, newest)
            remaining = deadline - loop.time()
            if remaining <= 0 or not await self._hub.wait_beyond(after, remaining):
                return []

    async def recent(self, caller: Caller, *, limit: int = 20, resource_id: str | None = None) -> list[Event]:
        """The newest events the caller may see, newest first; of one resource when `resource_id` is given
        (its history: its events outlive it until pruned, so a deleted resource's history still reads)."""
        if not 1 <= limit <= self._page_max:
            raise InvalidRequest(f"limit must be between 1 and {self._page_max}", details={"field": "limit"})
        async with self._store.read() as conn:
            scopes = (await visibility(conn, caller)).scopes
            return await outbox.read_recent(conn, scopes=scopes, limit=limit, resource_id=resource_id)

    async def head(self) -> int:
        return await self._hub.refresh()

    async def prune(self, retention_seconds: float, now: float) -> int:
        async with self._store.write() as conn:
            return await outbox.prune(conn, now - retention_seconds)
