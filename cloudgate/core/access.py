"""What a client may see: the accounts it proved, and the public scopes of their endpoints."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from cloudgate.core.auth import Principal
from cloudgate.errors import NotFound
from cloudgate.model import public_scope
from cloudgate.store import accounts as account_rows
from cloudgate.store.accounts import AccountRow


@dataclass(frozen=True, slots=True)
class Visibility:
    """`scopes` None means everything (admin)."""

    account_ids: frozenset[str] | None
    scopes: frozenset[str] | None

    def sees_account(self, account_id: str | None) -> bool:
        return self.account_ids is None or account_id in self.account_ids

    def sees_scope(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes


async def visibility(conn: AsyncConnection, principal: Principal) -> Visibility:
    if principal.is_admin:
        return Visibility(None, None)
    accounts = await account_rows.list_accounts(conn, principal.client_id)
    ids = frozenset(a.id for a in accounts)
    publics = frozenset(public_scope(a.cloud, a.endpoint, a.region) for a in accounts)
    return Visibility(ids, ids | publics)


async def visible_account(conn: AsyncConnection, principal: Principal, account_id: str) -> AccountRow:
    """The account if the caller proved it; NotFound otherwise (so ids cannot be probed)."""
    row = await account_rows.get_account(conn, account_id)
    if row is None or not (principal.is_admin or account_id in await account_rows.granted_ids(conn, principal.client_id)):
        raise NotFound(f"account {account_id} not found")
    return row
