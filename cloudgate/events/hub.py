"""Wakes waiting readers when new events are committed (in-process), with a periodic look at the
store so events written by other processes sharing the database are seen too."""

from __future__ import annotations

import asyncio

from cloudgate.store import Store
from cloudgate.store.outbox import head


class EventHub:
    def __init__(self, store: Store, *, recheck_seconds: float = 1.0):
        self._store = store
        self._recheck = recheck_seconds
        self._head = 0
        self._changed = asyncio.Event()

    @property
    def head(self) -> int:
        return self._head

    def published(self, seq: int | None) -> None:
        """Call after committing events up to `seq`."""
        if seq is not None and seq > self._head:
            self._head = seq
            changed, self._changed = self._changed, asyncio.Event()
            changed.set()

    async def refresh(self) -> int:
        async with self._store.read() as conn:
            self.published(await head(conn))
        return self._head

    async def wait_beyond(self, seq: int, timeout: float) -> bool:
        """Wait until some event after `seq` exists, or `timeout` passes; True if one does."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._head <= seq:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            changed = self._changed
            try:
                async with asyncio.timeout(min(remaining, self._recheck)):  # not wait_for: it can swallow a cancel
                    await changed.wait()
            except TimeoutError:
                await self.refresh()
        return True
