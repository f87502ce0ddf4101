"""What a caller may see: the accounts its client proved (or the one account its credential is bound
to), and the public scopes of their endpoints."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from cloudgate.connections import AccountRef
from cloudgate.core.caller import Caller
from cloudgate.errors import NotFound
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


async def visibility(conn: AsyncConnection, caller: Caller) -> Visibility:
    if caller.is_admin:
        return Visibility(None, None)
    accounts = await account_rows.list_accounts(conn, None if caller.principal.is_admin else caller.client_id)
    if caller.account_id is not None:
        accounts = [a for a in accounts if a.id == caller.account_id]
    ids = frozenset(a.id for a in accounts)
    publics = frozenset(AccountRef.of(a).public_scope for a in accounts)
    return Visibility(ids, ids | publics)


async def visible_account(conn: AsyncConnection, caller: Caller, account_id: str) -> AccountRow:
    """The account if the caller may use it; NotFound otherwise (so ids cannot be probed)."""
    row = await account_rows.get_account(conn, account_id)
    allowed = caller.account_id in (None, account_id) and (
        caller.principal.is_admin or account_id in await account_rows.granted_ids(conn, caller.client_id)
    )
    if row is None or not allowed:
        raise NotFound(f"account {account_id} not found")
    return row
