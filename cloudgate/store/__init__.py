"""The data store: every resource's state, accounts, clients, operations and the event outbox."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from cloudgate.store.engine import Reads, create_engines, migrate


class Store:
    """Two ways in: `read()` for snapshots, `write()` for transactions that change anything."""

    def __init__(self, reads: Reads, writer: AsyncEngine, url: str):
        self.reads = reads
        self.writer = writer
        self.url = url

    @classmethod
    async def open(cls, url: str) -> Store:
        reads, writer = create_engines(url)
        await migrate(writer)
        return cls(reads, writer, url)

    @property
    def dialect(self) -> str:
        return self.writer.dialect.name

    def read(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A read-only transaction: `async with store.read() as conn:`."""
        return self.reads.read()

    def write(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A read-write transaction, committed on exit: `async with store.write() as conn:`."""
        return self.writer.begin()

    async def close(self) -> None:
        await self.reads.dispose()
        await self.writer.dispose()


__all__ = ["AsyncConnection", "Store"]
