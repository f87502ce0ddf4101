"""Poll state per (account, kind): last attempts, failures, the last error — visible health."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudgate.store.schema import poll_state

# The row of poll state that tells of an account's change hint feed (connected, or its last error) beside
# its kinds' polls. The breaker does not count it: a broken feed leaves polling to do the work.
HINT_FEED = "hints"


@dataclass(slots=True)
class PollStateRow:
    account_id: str
    kind: str
    last_attempt_at: float | None
    last_success_at: float | None
    failures: int
    last_error: dict[str, Any] | None
    resources: int


async def record_poll(
    conn: AsyncConnection, account_id: str, kind: str, at: float, *, error: dict | None, resources: int | None
) -> int:
    """Record one poll attempt; returns the failures in a row after it."""
    current = (
        await conn.execute(
            select(poll_state.c.failures).where(poll_state.c.account_id == account_id, poll_state.c.kind == kind)
        )
    ).first()
    failures = 0 if error is None else (current[0] if current else 0) + 1
    values: dict[str, Any] = {"last_attempt_at": at, "failures": failures, "last_error": error}
    if error is None:
        values["last_success_at"] = at
        values["resources"] = resources or 0
    if current is None:
        await conn.execute(
            poll_state.insert().values({"account_id": account_id, "kind": kind, "resources": 0, **values})
        )
    else:
        await conn.execute(
            update(poll_state).where(poll_state.c.account_id == account_id, poll_state.c.kind == kind).values(**values)
        )
    return failures


async def failing_kinds(conn: AsyncConnection, account_id: str) -> list[str]:
    """The account's kinds whose latest poll failed."""
    query = select(poll_state.c.kind).where(
        poll_state.c.account_id == account_id, poll_state.c.failures > 0, poll_state.c.kind != HINT_FEED
    )
    return [row[0] for row in await conn.execute(query)]


async def for_account(conn: AsyncConnection, account_id: str) -> list[PollStateRow]:
    query = select(poll_state).where(poll_state.c.account_id == account_id).order_by(poll_state.c.kind)
    return [PollStateRow(**row) for row in (await conn.execute(query)).mappings()]
