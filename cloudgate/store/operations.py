"""Operations: the async jobs behind every mutation."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudgate.store.schema import operations


@dataclass(slots=True)
class OperationRow:
    id: str
    client_id: str
    account_id: str
    kind: str
    resource_id: str
    action: str
    params: dict[str, Any]
    state: str
    error: dict[str, Any] | None
    result: dict[str, Any] | None
    idempotency_key: str | None
    created_at: float
    updated_at: float
    request_id: str | None = None
    scope: dict[str, str] | None = None
    fingerprint: str | None = None  # digest of the request an idempotency key was used for
    progress: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "account": self.account_id,
            "kind": self.kind,
            "resource_id": self.resource_id,
            "action": self.action,
            "state": self.state,
            "error": self.error,
            "result": self.result,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "request_id": self.request_id,
        }


async def insert_operation(conn: AsyncConnection, row: OperationRow) -> None:
    await conn.execute(insert(operations).values(**{f: getattr(row, f) for f in OperationRow.__slots__}))


async def get_operation(conn: AsyncConnection, operation_id: str) -> OperationRow | None:
    row = (await conn.execute(select(operations).where(operations.c.id == operation_id))).mappings().first()
    return OperationRow(**row) if row else None


async def by_idempotency_key(conn: AsyncConnection, client_id: str, key: str) -> OperationRow | None:
    query = select(operations).where(operations.c.client_id == client_id, operations.c.idempotency_key == key)
    row = (await conn.execute(query)).mappings().first()
    return OperationRow(**row) if row else None


async def list_operations(
    conn: AsyncConnection, *, client_id: str | None, account_id: str | None = None, states: list[str] | None = None,
    before: tuple[float, str] | None = None, limit: int = 100,
) -> list[OperationRow]:  # fmt: skip
    """Operations newest first: one client's (every client's with None), optionally of one account and in
    some states, after the (created_at, id) of the last one seen."""
    query = select(operations).order_by(operations.c.created_at.desc(), operations.c.id.desc()).limit(limit)
    if client_id is not None:
        query = query.where(operations.c.client_id == client_id)
    if account_id is not None:
        query = query.where(operations.c.account_id == account_id)
    if states:
        query = query.where(operations.c.state.in_(states))
    if before is not None:
        at, last_id = before
        query = query.where(
            or_(operations.c.created_at < at, and_(operations.c.created_at == at, operations.c.id < last_id))
        )
    return [OperationRow(**row) for row in (await conn.execute(query)).mappings()]


async def changed_since(
    conn: AsyncConnection, *, client_id: str | None, account_id: str | None, since: float, limit: int
) -> list[OperationRow]:
    """Operations changed after `since` (their `updated_at`), the oldest change first: one client's (every
    client's with None), optionally of one account."""
    query = select(operations).where(operations.c.updated_at > since).order_by(operations.c.updated_at).limit(limit)
    if client_id is not None:
        query = query.where(operations.c.client_id == client_id)
    if account_id is not None:
        query = query.where(operations.c.account_id == account_id)
    return [OperationRow(**row) for row in (await conn.execute(query)).mappings()]


async def set_progress(conn: AsyncConnection, operation_id: str, progress: dict[str, Any], at: float) -> None:
    await conn.execute(
        update(operations).where(operations.c.id == operation_id).values(progress=progress, updated_at=at)
    )


async def creating(conn: AsyncConnection, resource_id: str) -> OperationRow | None:
    """The unfinished create operation of a resource, if one is under way."""
    query = select(operations).where(
        operations.c.resource_id == resource_id, operations.c.action == "create",
        operations.c.state.in_(("pending", "running")),
    )  # fmt: skip
    row = (await conn.execute(query)).mappings().first()
    return OperationRow(**row) if row else None


async def under_way(conn: AsyncConnection, resource_ids: Collection[str]) -> dict[str, str]:
    """The action of the unfinished operation on each of `resource_ids` that has one (the latest)."""
    query = (
        select(operations.c.resource_id, operations.c.action)
        .where(operations.c.resource_id.in_(list(resource_ids)), operations.c.state.in_(("pending", "running")))
        .order_by(operations.c.created_at)
    )
    return {row.resource_id: row.action for row in await conn.execute(query)}


async def destroyed(conn: AsyncConnection, account_id: str, kind: str, since: float) -> list[OperationRow]:
    """The destroy operations that succeeded on the account's resources of `kind` since `since` (the latest of
    each resource)."""
    query = (
        select(operations)
        .where(operations.c.account_id == account_id, operations.c.kind == kind, operations.c.state == "succeeded",
               operations.c.action == "destroy", operations.c.updated_at >= since)
        .order_by(operations.c.updated_at)
    )  # fmt: skip
    found = {row["resource_id"]: OperationRow(**row) for row in (await conn.execute(query)).mappings()}
    return list(found.values())


async def unfinished(conn: AsyncConnection) -> list[OperationRow]:
    query = select(operations).where(operations.c.state.in_(("pending", "running"))).order_by(operations.c.created_at)
    return [OperationRow(**row) for row in (await conn.execute(query)).mappings()]


async def set_state(
    conn: AsyncConnection,
    operation_id: str,
    state: str,
    at: float,
    *,
    error: dict | None = None,
    result: dict | None = None,
) -> None:
    values: dict[str, Any] = {"state": state, "updated_at": at, "error": error}
    if result is not None:
        values["result"] = result
    await conn.execute(update(operations).where(operations.c.id == operation_id).values(**values))
