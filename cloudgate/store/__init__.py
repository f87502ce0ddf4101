"""The data store: every resource's state, accounts, clients, operations and the event outbox."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from cloudgate.store.engine import create_engines, migrate


class Store:
    """Two ways in: `read()` for snapshots, `write()` for transactions that change anything."""

    def __init__(self, reader: AsyncEngine, writer: AsyncEngine, url: str):
        self.reader = reader
        self.writer = writer
        self.url = url

    @classmethod
    async def open(cls, url: str) -> Store:
        reader, writer = create_engines(url)
        await migrate(writer)
        return cls(reader, writer, url)

    @property
    def dialect(self) -> str:
        return self.writer.dialect.name

    def read(self):
        """A read-only transaction: `async with store.read() as conn:`."""
        return self.reader.begin()

    def write(self):
        """A read-write transaction, committed on exit: `async with store.write() as conn:`."""
        return self.writer.begin()

    async def close(self) -> None:
        await self.reader.dispose()
        if self.writer is not self.reader:
            await self.writer.dispose()


__all__ = ["AsyncConnection", "Store"]
