"""Image replicas: which image of which account's cloud holds a copy of which source image's bytes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudgate.store.schema import image_replicas


@dataclass(slots=True)
class ReplicaRow:
    source_id: str
    account_id: str
    digest: str
    state: str  # copying | ready
    cloud_id: str | None
    operation_id: str
    size: int | None
    created_at: float
    updated_at: float


def _key(source_id: str, account_id: str, digest: str) -> ColumnElement[bool]:
    c = image_replicas.c
    return (c.source_id == source_id) & (c.account_id == account_id) & (c.digest == digest)


async def get_replica(conn: AsyncConnection, source_id: str, account_id: str, digest: str) -> ReplicaRow | None:
    row = (await conn.execute(select(image_replicas).where(_key(source_id, account_id, digest)))).mappings().first()
    return ReplicaRow(**row) if row else None


async def insert_replica(conn: AsyncConnection, row: ReplicaRow) -> None:
    await conn.execute(insert(image_replicas).values(**{f: getattr(row, f) for f in ReplicaRow.__slots__}))


async def set_ready(
    conn: AsyncConnection, source_id: str, account_id: str, digest: str, cloud_id: str, size: int, at: float
) -> None:
    await conn.execute(
        update(image_replicas)
        .where(_key(source_id, account_id, digest))
        .values(state="ready", cloud_id=cloud_id, size=size, updated_at=at)
    )


async def delete_replica(conn: AsyncConnection, source_id: str, account_id: str, digest: str) -> None:
    await conn.execute(delete(image_replicas).where(_key(source_id, account_id, digest)))


async def copying(conn: AsyncConnection) -> list[ReplicaRow]:
    """Replicas whose copy had not finished (after a restart: to clean up)."""
    query = select(image_replicas).where(image_replicas.c.state == "copying")
    return [ReplicaRow(**row) for row in (await conn.execute(query)).mappings()]


async def of_source(conn: AsyncConnection, source_id: str) -> list[ReplicaRow]:
    """Every replica of a source image, in any account."""
    query = select(image_replicas).where(image_replicas.c.source_id == source_id)
    return [ReplicaRow(**row) for row in (await conn.execute(query)).mappings()]
