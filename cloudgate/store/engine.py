"""Opening the database: engines, SQLite tuning, and Alembic migrations applied on start."""

from __future__ import annotations

import json
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Protocol

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, Executable, Result, create_engine, event, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_READERS = 8  # connections kept; more are opened while more read transactions are open at once
# A WAL reader waits only while a crashed connection's WAL is recovered: do not stall the event loop long.
SQLITE_LOOP_READ_BUSY_MS = 1000
# Readers map the database file: a page of a listing is then read without a system call per page of the
# file, twice as fast (the mapping shares the OS page cache; it is not per-connection heap).
SQLITE_READ_MMAP_BYTES = 256 * 2**20


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def _json_value(text: str) -> Any:
    """Parses a JSON column: orjson, ~5x the standard library on reads of whole listings; the
    standard library for NaN and Infinity, which rows written before `_json_text` may hold."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _json_text(value: Any) -> str:
    """Writes a JSON column: orjson, which writes NaN and Infinity as null (PostgreSQL refuses them);
    the standard library for what nests deeper than orjson goes (254 levels)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value)


# How every engine reads and writes JSON columns.
_JSON_CODEC: dict[str, Any] = {"json_serializer": _json_text, "json_deserializer": _json_value}


def _tune_sqlite(engine: Engine, *, begin: str, busy_ms: int, mmap_bytes: int = 0) -> None:
    @event.listens_for(engine, "connect")
    def _tune(dbapi_connection, _record) -> None:
        # Take transaction control from pysqlite so BEGIN can be IMMEDIATE on the writer.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers go on while the poller writes
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute(f"PRAGMA mmap_size={mmap_bytes}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        conn.exec_driver_sql(begin)


class Reads(Protocol):
    """Where read-only transactions come from."""

    def read(self) -> AbstractAsyncContextManager[AsyncConnection]: ...

    async def dispose(self) -> None: ...


class PooledReads:
    """Read transactions on the writer's own pool (PostgreSQL: asyncpg needs no thread)."""

    def __init__(self, engine: AsyncEngine):
        self.engine = engine

    def read(self) -> AbstractAsyncContextManager[AsyncConnection]:
        return self.engine.begin()

    async def dispose(self) -> None:
        """Nothing of its own: the pool is the writer's, which the store disposes."""


class LoopConnection:
    """What the store's read functions use of an AsyncConnection, over a synchronous connection."""

    def __init__(self, connection: Connection):
        self._connection = connection

    @property
    def dialect(self):
        return self._connection.dialect

    async def execute(self, statement: Executable, parameters: Mapping[str, Any] | None = None) -> Result[Any]:
        return self._connection.execute(statement, parameters)


class LoopReads:
    """SQLite read transactions run on the event loop's own thread.

    A WAL snapshot read of an indexed row takes microseconds, while aiosqlite hands every step
    (cursor, execute, fetch, close, BEGIN, COMMIT) to its thread and back: 18 hand-offs for one
    GET, which made the thread switching most of a request's cost. Writes stay on aiosqlite's thread.
    """

    def __init__(self, engine: Engine):
        self.engine = engine

    def read(self) -> AbstractAsyncContextManager[AsyncConnection]:
        # The read surface of an AsyncConnection, which is all the store's read functions use.
        return _LoopTransaction(self.engine)  # type: ignore[return-value]

    async def dispose(self) -> None:
        self.engine.dispose()


class _LoopTransaction:
    """One read transaction of `LoopReads` (a plain class: a generator-based context manager cost
    a few percent of a GET)."""

    __slots__ = ("_connection", "_engine")

    def __init__(self, engine: Engine):
        self._engine = engine

    async def __aenter__(self) -> LoopConnection:
        self._connection = self._engine.connect()
        self._connection.begin()
        return LoopConnection(self._connection)

    async def __aexit__(self, kind: type[BaseException] | None, *_details: object) -> None:
        try:
            if kind is None:
                self._connection.commit()
            else:
                self._connection.rollback()
        finally:
            self._connection.close()


def _sqlite_writer(url: str) -> AsyncEngine:
    engine = create_async_engine(url, connect_args={"timeout": 30}, pool_size=1, max_overflow=0, **_JSON_CODEC)
    _tune_sqlite(engine.sync_engine, begin="BEGIN IMMEDIATE", busy_ms=30_000)
    return engine


def _sqlite_loop_reader(url: str) -> Engine:
    sync_url = make_url(url).set(drivername="sqlite+pysqlite")
    engine = create_engine(
        sync_url, connect_args={"timeout": SQLITE_LOOP_READ_BUSY_MS / 1000, "check_same_thread": False},
        pool_size=SQLITE_READERS, max_overflow=-1, **_JSON_CODEC,
    )  # fmt: skip
    _tune_sqlite(engine, begin="BEGIN", busy_ms=SQLITE_LOOP_READ_BUSY_MS, mmap_bytes=SQLITE_READ_MMAP_BYTES)
    return engine


def create_engines(url: str) -> tuple[Reads, AsyncEngine]:
    """(reads, writer). SQLite has one writer at a time, so the writer is a single IMMEDIATE connection:
    a read-then-write transaction can then never fail on lock upgrade. Elsewhere both share one pool."""
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return LoopReads(_sqlite_loop_reader(url)), _sqlite_writer(url)
    engine = create_async_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, **_JSON_CODEC)
    return PooledReads(engine), engine


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision (idempotent)."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade)
