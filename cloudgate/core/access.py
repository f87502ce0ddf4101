"""What a caller may see: the accounts its client proved (or the one account its credential is bound
to, with those its scope names), and the public scopes of their endpoints; of one kind, under a scope
naming that kind's service, only the named account's."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from cloudgate.connections import AccountRef
from cloudgate.core.caller import Caller
from cloudgate.errors import InvalidScope, NotFound
from cloudgate.model import SERVICE_OF, Kind
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


async def visibility(conn: AsyncConnection, caller: Caller, kind: Kind | None = None) -> Visibility:
    """What the caller sees; of `kind` (a listing of one kind), what its scope names for the kind's service."""
    service = SERVICE_OF[kind] if kind is not None else None
    scoped = caller.scope.get(service) if service is not None else None
    if scoped is not None:  # bound by `Scopes.bind` to an account the client proved; a token keeps it for longer
        if not caller.principal.is_admin and scoped not in await account_rows.granted_ids(conn, caller.client_id):
            raise InvalidScope(f"scope: {service} cloud {scoped!r} is none of your accounts")
        row = await account_rows.get_account(conn, scoped)
        publics = frozenset({AccountRef.of(row).public_scope}) if row is not None else frozenset()
        return Visibility(frozenset({scoped}), frozenset({scoped}) | publics)
    if caller.is_admin:
        return Visibility(None, None)
    accounts = await account_rows.list_accounts(conn, None if caller.principal.is_admin else caller.client_id)
    if caller.account_id is not None:
        bound = {caller.account_id, *caller.scope.values()}
        accounts = [a for a in accounts if a.id in bound]
    ids = frozenset(a.id for a in accounts)
    publics = frozenset(AccountRef.of(a).public_scope for a in accounts)
    return Visibility(ids, ids | publics)


async def visible_account(conn: AsyncConnection, caller: Caller, account_id: str) -> AccountRow:
    """The account if the caller may use it; NotFound otherwise (so ids cannot be probed)."""
    row = await account_rows.get_account(conn, account_id)
    allowed = (caller.account_id in (None, account_id) or account_id in caller.scope.values()) and (
        caller.principal.is_admin or account_id in await account_rows.granted_ids(conn, caller.client_id)
    )
    if row is None or not allowed:
        raise NotFound(f"account {account_id} not found")
    return row
