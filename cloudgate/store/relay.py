"""Where each event relay stands: the last sequence number its broker confirmed, kept so a restart resumes after it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Column, Float, Integer, String, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudgate.store.schema import metadata

# One row per destination (an AMQP exchange): a new destination starts from the oldest retained event.
relay_positions = Table(
    "relay_positions",
    metadata,
    Column("destination", String(255), primary_key=True),
    Column("confirmed_seq", Integer, nullable=False),
    Column("updated_at", Float, nullable=False),
)

_UPSERTS: dict[str, Callable[..., Any]] = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


async def confirmed(conn: AsyncConnection, destination: str) -> int:
    """The last sequence number confirmed by `destination` (0 before any)."""
    query = select(relay_positions.c.confirmed_seq).where(relay_positions.c.destination == destination)
    return (await conn.execute(query)).scalar_one_or_none() or 0


async def confirm(conn: AsyncConnection, destination: str, seq: int, at: float) -> None:
    """Record that `destination` confirmed every event up to `seq`; the position only moves forward,
    so a slower relay of the same destination (another process) cannot move it back."""
    upsert = _UPSERTS[conn.dialect.name](relay_positions).values(
        destination=destination, confirmed_seq=seq, updated_at=at
    )
    await conn.execute(
        upsert.on_conflict_do_update(
            index_elements=[relay_positions.c.destination],
            set_={"confirmed_seq": upsert.excluded.confirmed_seq, "updated_at": upsert.excluded.updated_at},
            where=relay_positions.c.confirmed_seq < upsert.excluded.confirmed_seq,
        )
    )
