"""Foreign credentials: signing keys the gateway issues for foreign APIs (their secrets stay sealed here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudgate.store.schema import foreign_credentials


@dataclass(slots=True)
class CredentialRow:
    id: str
    client_id: str
    account_id: str
    secret: bytes  # sealed
    region: str | None
    scope: dict[str, Any] | None
    name: str
    created_at: float
    revoked_at: float | None


async def insert_credential(conn: AsyncConnection, row: CredentialRow) -> None:
    await conn.execute(insert(foreign_credentials).values(**{f: getattr(row, f) for f in CredentialRow.__slots__}))


async def get_credential(conn: AsyncConnection, key_id: str) -> CredentialRow | None:
    row = (await conn.execute(select(foreign_credentials).where(foreign_credentials.c.id == key_id))).mappings().first()
    return CredentialRow(**row) if row else None


async def list_credentials(
    conn: AsyncConnection, client_id: str | None, account_id: str | None = None
) -> list[CredentialRow]:
    """A client's credentials (every client's with None), optionally of one account, oldest first."""
    query = select(foreign_credentials).order_by(foreign_credentials.c.created_at, foreign_credentials.c.id)
    if client_id is not None:
        query = query.where(foreign_credentials.c.client_id == client_id)
    if account_id is not None:
        query = query.where(foreign_credentials.c.account_id == account_id)
    return [CredentialRow(**row) for row in (await conn.execute(query)).mappings()]


async def revoke_credential(conn: AsyncConnection, key_id: str, at: float) -> None:
    await conn.execute(
        update(foreign_credentials)
        .where(foreign_credentials.c.id == key_id, foreign_credentials.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )


async def revoke_for_account(conn: AsyncConnection, account_id: str, client_id: str | None, at: float) -> None:
    """Revoke the keys one client (every client, with None) holds for an account it no longer may use."""
    condition = (foreign_credentials.c.account_id == account_id) & foreign_credentials.c.revoked_at.is_(None)
    if client_id is not None:
        condition = condition & (foreign_credentials.c.client_id == client_id)
    await conn.execute(update(foreign_credentials).where(condition).values(revoked_at=at))
