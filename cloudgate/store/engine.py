"""Opening the database: async engines, SQLite tuning, and Alembic migrations applied on start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def _sqlite_engine(url: str, *, begin: str, pool_size: int) -> AsyncEngine:
    engine = create_async_engine(url, connect_args={"timeout": 30}, pool_size=pool_size, max_overflow=0)

    @event.listens_for(engine.sync_engine, "connect")
    def _tune(dbapi_connection, _record) -> None:
        # Take transaction control from pysqlite so BEGIN can be IMMEDIATE on the writer.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers go on while the poller writes
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn) -> None:
        conn.exec_driver_sql(begin)

    return engine


def create_engines(url: str) -> tuple[AsyncEngine, AsyncEngine]:
    """(reader, writer). SQLite has one writer at a time, so the writer is a single IMMEDIATE connection:
    a read-then-write transaction can then never fail on lock upgrade. Elsewhere both are one pool."""
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        reader = _sqlite_engine(url, begin="BEGIN", pool_size=8)
        writer = _sqlite_engine(url, begin="BEGIN IMMEDIATE", pool_size=1)
        return reader, writer
    engine = create_async_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    return engine, engine


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision (idempotent)."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade)
