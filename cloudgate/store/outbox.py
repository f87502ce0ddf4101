"""The event outbox: append in sequence order, read after a sequence number, prune by age."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudgate.model import ResourceRecord
from cloudgate.store.schema import events, outbox_head


@dataclass(slots=True)
class EventDraft:
    """An event about to be appended: what happened to which record, and which fields changed."""

    type: str
    record: ResourceRecord
    changed: list[str]
    cause: dict[str, Any] | None = None  # the operation (and its request's scope) that made it happen


@dataclass(slots=True)
class Event:
    seq: int
    at: float
    type: str
    kind: str
    resource_id: str
    scope: str
    account_id: str | None
    cloud: str
    changed: list[str]
    resource: dict[str, Any]
    cause: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        cause = {"cause": self.cause} if self.cause else {}
        return {
            "seq": self.seq,
            "at": self.at,
            "type": self.type,
            "kind": self.kind,
            "resource_id": self.resource_id,
            "account": self.account_id,
            "cloud": self.cloud,
            "changed": self.changed,
            "resource": self.resource,
            **cause,
        }


async def append(conn: AsyncConnection, drafts: Sequence[EventDraft], at: float) -> int | None:
    """Append events in order; returns the last sequence number, or None when there were none.

    Bumping the single head row locks it until commit, so concurrent writers commit their
    sequence numbers in order, and a rolled-back transaction gives its numbers back: no gap.
    """
    if not drafts:
        return None
    bumped = await conn.execute(
        update(outbox_head)
        .where(outbox_head.c.id == 1)
        .values(seq=outbox_head.c.seq + len(drafts))
        .returning(outbox_head.c.seq)
    )
    last = bumped.scalar_one()
    first = last - len(drafts) + 1
    await conn.execute(
        insert(events),
        [
            {
                "seq": first + i,
                "at": at,
                "type": draft.type,
                "kind": draft.record.kind.value,
                "resource_id": draft.record.id,
                "scope": draft.record.scope,
                "account_id": draft.record.account_id,
                "cloud": draft.record.cloud,
                "changed": draft.changed,
                "resource": draft.record.to_dict(),
                "cause": draft.cause,
            }
            for i, draft in enumerate(drafts)
        ],
    )
    return last


async def read_after(conn: AsyncConnection, after: int, *, scopes: Collection[str] | None, limit: int) -> list[Event]:
    """Events with seq > `after`, oldest first; `scopes` None means every scope."""
    return await _read(conn, select(events).where(events.c.seq > after).order_by(events.c.seq).limit(limit), scopes)


async def read_recent(
    conn: AsyncConnection, *, scopes: Collection[str] | None, limit: int, resource_id: str | None = None
) -> list[Event]:
    """The newest `limit` events, newest first (of one resource when `resource_id` is given); `scopes` None
    means every scope."""
    query = select(events).order_by(events.c.seq.desc()).limit(limit)
    if resource_id is not None:
        query = query.where(events.c.resource_id == resource_id)
    return await _read(conn, query, scopes)


async def _read(conn: AsyncConnection, query: Select, scopes: Collection[str] | None) -> list[Event]:
    """The events `query` selects within `scopes` (None: every scope)."""
    if scopes is not None:
        if not scopes:
            return []
        query = query.where(events.c.scope.in_(list(scopes)))
    return [Event(**row) for row in (await conn.execute(query)).mappings().all()]


async def head(conn: AsyncConnection) -> int:
    """The newest sequence number handed out (0 before any event)."""
    return (await conn.execute(select(outbox_head.c.seq).where(outbox_head.c.id == 1))).scalar_one()


async def oldest(conn: AsyncConnection) -> int | None:
    """The oldest retained sequence number; older ones were pruned."""
    return (await conn.execute(select(func.min(events.c.seq)))).scalar_one()


async def prune(conn: AsyncConnection, before: float) -> int:
    """Drop events older than `before`; returns how many."""
    result = await conn.execute(delete(events).where(events.c.at < before))
    return result.rowcount or 0
