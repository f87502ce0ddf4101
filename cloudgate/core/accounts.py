"""Account registration with credential and clock proof (seed 000), CheckCredentials, rotation, removal."""

from __future__ import annotations

import builtins
import hashlib
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from cloudgate.connections import DriverPool, account_config
from cloudgate.core.access import visible_account
from cloudgate.core.caller import Caller
from cloudgate.core.credentials import ForeignCredentials
from cloudgate.drivers.base import AccountConfig, CloudIdentity, Driver
from cloudgate.errors import ClockSkew, CloudgateError, Conflict, InvalidRequest
from cloudgate.poller.observation import Observation
from cloudgate.sealing import Sealer
from cloudgate.store import Store
from cloudgate.store import accounts as rows
from cloudgate.store import credentials as credential_rows
from cloudgate.store.accounts import AccountRow
from cloudgate.store.polls import for_account as poll_states

ALIAS = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(slots=True)
class AccountView:
    """An account as clients see it: never its credentials."""

    row: AccountRow
    polls: list[dict[str, Any]]
    alias: str | None = None  # what the caller's client calls it in scopes

    def to_dict(self) -> dict[str, Any]:
        r = self.row
        return {
            "id": r.id, "name": r.name, "alias": self.alias, "cloud": r.cloud, "endpoint": r.endpoint, "region": r.region or None,
            "identity": r.identity, "identity_name": r.identity_name, "options": dict(r.options), "health": r.health,
            "last_error": r.last_error, "created_at": r.created_at, "updated_at": r.updated_at, "polls": self.polls,
        }  # fmt: skip


def account_id_for(cloud: str, endpoint: str, region: str, identity: str) -> str:
    """Derived from the cloud identity, so registering the same account twice finds it."""
    digest = hashlib.blake2b(f"{cloud}\x1f{endpoint}\x1f{region}\x1f{identity}".encode(), digest_size=8).hexdigest()
    return f"acc-{digest}"


class Accounts:
    def __init__(
        self, store: Store, pool: DriverPool, sealer: Sealer, observation: Observation,
        credentials: ForeignCredentials, max_skew: float,
    ):  # fmt: skip
        self._store = store
        self._pool = pool
        self._sealer = sealer
        self._observation = observation
        self._credentials = credentials
        self._max_skew = max_skew

    async def _prove(self, driver: Driver) -> tuple[CloudIdentity, float]:
        """Check credentials and the cloud's clock; returns the identity and the clock skew in seconds."""
        identity = await driver.check_credentials()
        cloud_now = await driver.server_time()
        skew = (cloud_now - datetime.now(UTC)).total_seconds()
        if abs(skew) > self._max_skew:
            raise ClockSkew(
                f"the cloud's clock is {skew:+.0f} s off (more than {self._max_skew:.0f} s allowed)",
                details={"skew_seconds": round(skew, 3)},
            )
        return identity, skew

    async def register(
        self, caller: Caller, *, cloud: str, endpoint: str, region: str | None,
        credentials: Mapping[str, str], name: str | None = None, options: Mapping[str, Any] | None = None,
        alias: str | None = None,
    ) -> tuple[AccountView, bool]:  # fmt: skip
        """Prove the credentials and grant the caller the account (called `alias` in its scopes); (view,
        True) when it was new."""
        if alias is not None:
            async with self._store.read() as conn:
                await self._free_alias(conn, caller, alias, None)
        config = AccountConfig(cloud, endpoint, region, dict(credentials), dict(options or {}))
        driver = self._pool.build(config)
        try:
            identity, _skew = await self._prove(driver)
        finally:
            await driver.close()
        region_key = region or identity.region or ""
        now = time.time()
        async with self._store.write() as conn:
            row = await rows.find_account(conn, cloud, endpoint, region_key, identity.id)
            created = row is None
            if row is None:
                row = AccountRow(
                    id=account_id_for(cloud, endpoint, region_key, identity.id), cloud=cloud, endpoint=endpoint,
                    region=region_key, identity=identity.id, identity_name=identity.name,
                    name=name or f"{cloud}:{identity.name}", credentials=self._sealer.seal(dict(credentials)),
                    options=dict(options or {}), health="ok", last_error=None, created_at=now, updated_at=now,
                )  # fmt: skip
                await rows.insert_account(conn, row)
            await rows.grant(conn, caller.client_id, row.id, now)
            if alias is not None:
                await self._free_alias(conn, caller, alias, row.id)
                await rows.set_alias(conn, caller.client_id, row.id, alias)
        if created:
            await self._observation.watch(row.id)
        return await self.get(caller, row.id), created

    async def list(self, caller: Caller) -> list[AccountView]:
        async with self._store.read() as conn:
            found = await rows.list_accounts(conn, None if caller.principal.is_admin else caller.client_id)
            if caller.account_id is not None:
                found = [row for row in found if row.id == caller.account_id]
            aliases = {row.id: alias for row, alias in await rows.list_grants(conn, caller.client_id)}
            return [AccountView(row, await self._polls(conn, row.id), aliases.get(row.id)) for row in found]

    async def get(self, caller: Caller, account_id: str) -> AccountView:
        async with self._store.read() as conn:
            row = await visible_account(conn, caller, account_id)
            aliases = {row.id: alias for row, alias in await rows.list_grants(conn, caller.client_id)}
            return AccountView(row, await self._polls(conn, row.id), aliases.get(row.id))

    async def set_alias(self, caller: Caller, account_id: str, alias: str | None) -> AccountView:
        """Name one of the caller's accounts for its scopes (`{"image": "CloudTwo"}`); None removes the name."""
        async with self._store.write() as conn:
            row = await visible_account(conn, caller, account_id)
            if row.id not in await rows.granted_ids(conn, caller.client_id):
                raise InvalidRequest("only an account you proved can have your alias", details={"field": "alias"})
            if alias is not None:
                await self._free_alias(conn, caller, alias, row.id)
            await rows.set_alias(conn, caller.client_id, row.id, alias)
        return await self.get(caller, account_id)

    @staticmethod
    async def _free_alias(conn: AsyncConnection, caller: Caller, alias: str, account_id: str | None) -> None:
        """Refuse an alias that is not a plain name or that the client already gave another account."""
        if not ALIAS.fullmatch(alias):
            raise InvalidRequest(
                "an alias is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit",
                details={"field": "alias"},
            )
        owner = await rows.alias_owner(conn, caller.client_id, alias)
        if owner is not None and owner != account_id:
            raise Conflict(f"you already call account {owner} {alias!r}", details={"field": "alias"})

    @staticmethod
    async def _polls(conn: AsyncConnection, account_id: str) -> builtins.list[dict[str, Any]]:
        return [
            {"kind": p.kind, "last_success_at": p.last_success_at, "last_attempt_at": p.last_attempt_at,
             "failures": p.failures, "last_error": p.last_error, "resources": p.resources}
            for p in await poll_states(conn, account_id)
        ]  # fmt: skip

    async def health_counts(self) -> dict[str, int]:
        """Accounts by health (ok, degraded), for metrics."""
        async with self._store.read() as conn:
            return await rows.health_counts(conn)

    async def check(self, caller: Caller, account_id: str) -> dict[str, Any]:
        """CheckCredentials: can the gateway still reach and authenticate with this account?"""
        async with self._store.read() as conn:
            row = await visible_account(conn, caller, account_id)
        driver, _ref = await self._pool.get(row.id)
        try:
            identity, skew = await self._prove(driver)
        except CloudgateError as exc:
            return {"ok": False, "error": exc.to_dict()}
        return {
            "ok": True,
            "identity": identity.id,
            "identity_name": identity.name,
            "clock_skew_seconds": round(skew, 3),
        }

    async def rotate(self, caller: Caller, account_id: str, credentials: Mapping[str, str]) -> AccountView:
        """Replace the stored credentials with new ones proven to name the same cloud identity."""
        async with self._store.read() as conn:
            row = await visible_account(conn, caller, account_id)
        driver = self._pool.build(account_config(row, dict(credentials)))
        try:
            identity, _skew = await self._prove(driver)
        finally:
            await driver.close()
        if identity.id != row.identity:
            raise Conflict("these credentials belong to a different cloud identity than the account")
        async with self._store.write() as conn:
            await rows.set_credentials(conn, row.id, self._sealer.seal(dict(credentials)), time.time())
        await self._pool.evict(row.id)
        return await self.get(caller, row.id)

    async def remove(self, caller: Caller, account_id: str) -> bool:
        """Withdraw the caller's access (and the foreign credentials its client holds for the account);
        the account itself goes when no client has access left. Returns True when the account was
        deleted (its resources with it, each with a deleted event)."""
        now = time.time()
        withdrawn = None if caller.is_admin else caller.client_id
        async with self._store.write() as conn:
            row = await visible_account(conn, caller, account_id)
            await rows.lock_account(conn, row.id, exclusive=True)
            await credential_rows.revoke_for_account(conn, row.id, withdrawn, now)
            if await rows.revoke_grants(conn, row.id, withdrawn):
                self._credentials.forget_account(row.id, withdrawn)
                return False
            last = await self._observation.withdraw(conn, row.id, now)
            await rows.delete_account(conn, row.id)
        self._credentials.forget_account(row.id, None)
        self._observation.published(last)
        self._observation.forget(row.id)
        await self._pool.evict(row.id)
        return True
