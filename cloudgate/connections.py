"""One live driver per account, built from the account's decrypted credentials, shared by poller and core."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from cloudgate.drivers.base import AccountConfig, Driver, load_driver
from cloudgate.errors import NotFound
from cloudgate.model import public_scope
from cloudgate.sealing import Sealer
from cloudgate.store import Store
from cloudgate.store.accounts import AccountRow, get_account


@dataclass(frozen=True)
class AccountRef:
    """Where an account's resources live in the store."""

    id: str
    cloud: str
    endpoint: str
    region: str

    @property
    def scope(self) -> str:
        return self.id

    @property
    def public_scope(self) -> str:
        return public_scope(self.cloud, self.endpoint, self.region)

    @classmethod
    def of(cls, row: AccountRow) -> AccountRef:
        return cls(row.id, row.cloud, row.endpoint, row.region)


def account_config(row: AccountRow, credentials: dict) -> AccountConfig:
    return AccountConfig(row.cloud, row.endpoint, row.region or None, credentials, row.options)


class DriverPool:
    def __init__(self, store: Store, sealer: Sealer, driver_type: Callable[[str], type[Driver]] = load_driver):
        self._store = store
        self._sealer = sealer
        self._driver_type = driver_type
        self._live: dict[str, tuple[Driver, AccountRef]] = {}
        self._lock = asyncio.Lock()

    def build(self, config: AccountConfig) -> Driver:
        """A driver for an account not (yet) stored, e.g. to check credentials before registering."""
        return self._driver_type(config.cloud)(config)

    async def get(self, account_id: str) -> tuple[Driver, AccountRef]:
        live = self._live.get(account_id)
        if live is not None:
            return live
        async with self._lock:
            if account_id not in self._live:
                async with self._store.read() as conn:
                    row = await get_account(conn, account_id)
                if row is None:
                    raise NotFound(f"account {account_id} not found")
                driver = self.build(account_config(row, self._sealer.open(row.credentials)))
                self._live[account_id] = (driver, AccountRef.of(row))
            return self._live[account_id]

    async def evict(self, account_id: str) -> None:
        """Drop the account's driver (credentials rotated, account removed)."""
        live = self._live.pop(account_id, None)
        if live is not None:
            await live[0].close()

    async def close(self) -> None:
        for account_id in list(self._live):
            await self.evict(account_id)
