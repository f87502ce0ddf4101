"""Scope: one request composes clouds. `{"compute": "CloudOne", "image": "CloudTwo"}` names, per service,
the account whose resources the request uses; a service not named stays with the request's own account
(OpenStackoïd's rule). Clouds are named by account id, by the alias the client gave the account, or by
an account name unique among the client's accounts. A bound scope holds account ids only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import orjson

from cloudgate.core.caller import Caller
from cloudgate.errors import InvalidScope
from cloudgate.model import SERVICES, Kind
from cloudgate.store import Store
from cloudgate.store import accounts as account_rows

MAX_SCOPE_TEXT = 4096


def parse_scope(raw: str | Mapping[str, Any] | None) -> dict[str, str]:
    """A scope as sent (JSON text or an object), checked: known services, each naming one cloud."""
    if raw is None or raw == "":
        return {}
    value: Any = raw
    if isinstance(raw, str):
        if len(raw) > MAX_SCOPE_TEXT:
            raise InvalidScope(f"a scope is at most {MAX_SCOPE_TEXT} characters")
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise InvalidScope(f'a scope is a JSON object such as {{"image": "CloudTwo"}}: {exc}') from exc
    if not isinstance(value, Mapping):
        raise InvalidScope('a scope is a JSON object such as {"image": "CloudTwo"}')
    scope: dict[str, str] = {}
    for service, cloud in value.items():
        if service not in SERVICES:
            raise InvalidScope(
                f"a scope has no service {str(service)[:50]!r} (services: {', '.join(SERVICES)})",
                details={"service": str(service)[:50]},
            )
        if not isinstance(cloud, str) or not cloud or len(cloud) > 200:
            raise InvalidScope(f"scope: {service} names a cloud by account id or alias (a string)")
        scope[service] = cloud
    return scope


def kinds_of(scope: Mapping[str, str]) -> dict[Kind, str]:
    """The account each kind of a bound scope reads from and makes in."""
    return {kind: account for service, account in scope.items() for kind in SERVICES[service]}


class Scopes:
    """Binds a request's scope to the caller: every cloud it names must be one the client proved."""

    def __init__(self, store: Store):
        self._store = store

    async def bind(self, caller: Caller, raw: str | Mapping[str, Any] | None) -> Caller:
        """The caller with `raw` resolved to account ids over its own scope (a credential's default one);
        InvalidScope, the same for an account that does not exist and one the client has not proven."""
        scope = parse_scope(raw)
        if not scope:
            return caller
        async with self._store.read() as conn:
            granted = await account_rows.list_grants(conn, caller.client_id)
            if caller.principal.is_admin:
                granted += [(row, None) for row in await account_rows.list_accounts(conn)]
        bound = dict(caller.scope)
        for service, cloud in scope.items():
            bound[service] = _account_named(granted, service, cloud)
        return replace(caller, scope=bound)


def _account_named(granted: list[tuple[account_rows.AccountRow, str | None]], service: str, cloud: str) -> str:
    """The account `cloud` names among those granted: by the client's alias, its id, or a unique name."""
    for by in (lambda row, alias: alias == cloud, lambda row, alias: row.id == cloud):
        found = {row.id for row, alias in granted if by(row, alias)}
        if len(found) == 1:
            return found.pop()
    named = {row.id for row, _alias in granted if row.name == cloud}
    if len(named) == 1:
        return named.pop()
    why = "names more than one of your accounts; use its id or an alias" if named else "is none of your accounts"
    # The same words whether the account does not exist or belongs to others: nothing leaks.
    raise InvalidScope(f"scope: {service} cloud {cloud[:100]!r} {why}", details={"service": service})
