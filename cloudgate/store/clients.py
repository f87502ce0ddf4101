"""Gateway clients and their bearer tokens (both stored as hashes only)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudgate.store.schema import clients, tokens


@dataclass(slots=True)
class ClientRow:
    id: str
    name: str
    secret_hash: str
    is_admin: bool
    created_at: float


@dataclass(slots=True)
class TokenRow:
    id: str
    client_id: str
    token_hash: str
    created_at: float
    expires_at: float
    revoked_at: float | None
    account_id: str | None = None
    scope: dict[str, str] | None = None  # a bound scope the token's requests run in (account ids)


async def insert_client(conn: AsyncConnection, row: ClientRow) -> None:
    await conn.execute(insert(clients).values(**{f: getattr(row, f) for f in ClientRow.__slots__}))


async def get_client(conn: AsyncConnection, client_id: str) -> ClientRow | None:
    row = (await conn.execute(select(clients).where(clients.c.id == client_id))).mappings().first()
    return ClientRow(**row) if row else None


async def clients_named(conn: AsyncConnection, name: str) -> list[ClientRow]:
    return [ClientRow(**row) for row in (await conn.execute(select(clients).where(clients.c.name == name))).mappings()]


async def list_clients(conn: AsyncConnection) -> list[ClientRow]:
    return [ClientRow(**row) for row in (await conn.execute(select(clients).order_by(clients.c.created_at))).mappings()]


async def admin_exists(conn: AsyncConnection) -> bool:
    return (await conn.execute(select(clients.c.id).where(clients.c.is_admin.is_(True)).limit(1))).first() is not None


async def insert_token(conn: AsyncConnection, row: TokenRow) -> None:
    await conn.execute(insert(tokens).values(**{f: getattr(row, f) for f in TokenRow.__slots__}))


async def token_by_hash(conn: AsyncConnection, token_hash: str) -> tuple[TokenRow, ClientRow] | None:
    query = (
        select(
            tokens,
            clients.c.name,
            clients.c.secret_hash,
            clients.c.is_admin,
            clients.c.created_at.label("client_created_at"),
        )
        .join(clients, clients.c.id == tokens.c.client_id)
        .where(tokens.c.token_hash == token_hash)
    )
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    token = TokenRow(**{f: row[f] for f in TokenRow.__slots__})
    client = ClientRow(row["client_id"], row["name"], row["secret_hash"], row["is_admin"], row["client_created_at"])
    return token, client


async def revoke_token(conn: AsyncConnection, token_id: str, at: float) -> None:
    await conn.execute(
        update(tokens).where(tokens.c.id == token_id, tokens.c.revoked_at.is_(None)).values(revoked_at=at)
    )
