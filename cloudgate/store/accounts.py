"""Accounts (credentials stay encrypted here; the core decrypts) and which clients proved them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudgate.store.schema import account_grants, accounts, foreign_credentials, image_replicas, poll_state, resources


@dataclass(slots=True)
class AccountRow:
    id: str
    cloud: str
    endpoint: str
    region: str
    identity: str
    identity_name: str
    name: str
    credentials: bytes
    options: dict[str, Any]
    health: str
    last_error: dict[str, Any] | None
    created_at: float
    updated_at: float


async def insert_account(conn: AsyncConnection, row: AccountRow) -> None:
    await conn.execute(insert(accounts).values(**{f: getattr(row, f) for f in AccountRow.__slots__}))


async def get_account(conn: AsyncConnection, account_id: str) -> AccountRow | None:
    row = (await conn.execute(select(accounts).where(accounts.c.id == account_id))).mappings().first()
    return AccountRow(**row) if row else None


async def lock_account(conn: AsyncConnection, account_id: str, *, exclusive: bool = False) -> bool:
    """Hold the account's row until the transaction ends (shared by polls, exclusive for removal);
    False when it is gone. A poll and a removal of one account thus never interleave, so a poll
    cannot bring back resources of a removed account. (SQLite serializes writers anyway.)"""
    query = select(accounts.c.id).where(accounts.c.id == account_id).with_for_update(read=not exclusive)
    return (await conn.execute(query)).first() is not None


async def find_account(
    conn: AsyncConnection, cloud: str, endpoint: str, region: str, identity: str
) -> AccountRow | None:
    query = select(accounts).where(
        accounts.c.cloud == cloud, accounts.c.endpoint == endpoint, accounts.c.region == region,
        accounts.c.identity == identity,
    )  # fmt: skip
    row = (await conn.execute(query)).mappings().first()
    return AccountRow(**row) if row else None


async def list_accounts(conn: AsyncConnection, client_id: str | None = None) -> list[AccountRow]:
    """All accounts, or those `client_id` has proven."""
    query = select(accounts).order_by(accounts.c.id)
    if client_id is not None:
        query = query.join(account_grants, account_grants.c.account_id == accounts.c.id).where(
            account_grants.c.client_id == client_id
        )
    return [AccountRow(**row) for row in (await conn.execute(query)).mappings()]


async def grant(conn: AsyncConnection, client_id: str, account_id: str, at: float) -> None:
    """Record that `client_id` proved the account's credentials (idempotent)."""
    exists = await conn.execute(
        select(account_grants.c.client_id).where(
            account_grants.c.client_id == client_id, account_grants.c.account_id == account_id
        )
    )
    if exists.first() is None:
        await conn.execute(insert(account_grants).values(client_id=client_id, account_id=account_id, created_at=at))


async def list_grants(conn: AsyncConnection, client_id: str) -> list[tuple[AccountRow, str | None]]:
    """The accounts `client_id` has proven, each with the alias the client gave it."""
    query = (
        select(accounts, account_grants.c.alias)
        .join(account_grants, account_grants.c.account_id == accounts.c.id)
        .where(account_grants.c.client_id == client_id)
        .order_by(accounts.c.id)
    )
    found = []
    for row in (await conn.execute(query)).mappings():
        values = dict(row)
        alias = values.pop("alias")
        found.append((AccountRow(**values), alias))
    return found


async def set_alias(conn: AsyncConnection, client_id: str, account_id: str, alias: str | None) -> None:
    """Name the account for the client (None: no alias); the caller checks the alias is free."""
    await conn.execute(
        update(account_grants)
        .where(account_grants.c.client_id == client_id, account_grants.c.account_id == account_id)
        .values(alias=alias)
    )


async def alias_owner(conn: AsyncConnection, client_id: str, alias: str) -> str | None:
    """The account the client calls `alias`, if any."""
    query = select(account_grants.c.account_id).where(
        account_grants.c.client_id == client_id, account_grants.c.alias == alias
    )
    return (await conn.execute(query)).scalar_one_or_none()


async def granted_ids(conn: AsyncConnection, client_id: str) -> set[str]:
    query = select(account_grants.c.account_id).where(account_grants.c.client_id == client_id)
    return {row[0] for row in await conn.execute(query)}


async def revoke_grants(conn: AsyncConnection, account_id: str, client_id: str | None) -> int:
    """Withdraw one client's access (or every client's, with None); returns the grants left."""
    condition = account_grants.c.account_id == account_id
    if client_id is not None:
        condition = condition & (account_grants.c.client_id == client_id)
    await conn.execute(delete(account_grants).where(condition))
    left = select(func.count()).select_from(account_grants).where(account_grants.c.account_id == account_id)
    return (await conn.execute(left)).scalar_one()


async def health_counts(conn: AsyncConnection) -> dict[str, int]:
    query = select(accounts.c.health, func.count()).group_by(accounts.c.health)
    return {health: count for health, count in await conn.execute(query)}


async def set_health(conn: AsyncConnection, account_id: str, health: str, last_error: dict | None, at: float) -> None:
    await conn.execute(
        update(accounts).where(accounts.c.id == account_id).values(health=health, last_error=last_error, updated_at=at)
    )


async def mark_healthy(conn: AsyncConnection, account_id: str, at: float) -> None:
    """Close the account's breaker, if it was open (a no-op write otherwise)."""
    await conn.execute(
        update(accounts)
        .where(accounts.c.id == account_id, accounts.c.health != "ok")
        .values(health="ok", last_error=None, updated_at=at)
    )


async def set_credentials(conn: AsyncConnection, account_id: str, sealed: bytes, at: float) -> None:
    await conn.execute(update(accounts).where(accounts.c.id == account_id).values(credentials=sealed, updated_at=at))


async def delete_account(conn: AsyncConnection, account_id: str) -> None:
    """Remove the account with its grants, foreign credentials, poll state and resources (public ones
    stay for others)."""
    await conn.execute(delete(resources).where(resources.c.scope == account_id))
    await conn.execute(delete(foreign_credentials).where(foreign_credentials.c.account_id == account_id))
    await conn.execute(delete(poll_state).where(poll_state.c.account_id == account_id))
    await conn.execute(delete(image_replicas).where(image_replicas.c.account_id == account_id))
    await conn.execute(delete(account_grants).where(account_grants.c.account_id == account_id))
    await conn.execute(delete(accounts).where(accounts.c.id == account_id))
