"""The gateway: builds every part from the settings, runs the background work, and is what front-ends call."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from cloudgate.amqp.relay import EventRelay
from cloudgate.amqp.server import RequestServer
from cloudgate.connections import DriverPool
from cloudgate.core.accounts import Accounts
from cloudgate.core.auth import Auth
from cloudgate.core.events import Events
from cloudgate.core.operations import Operations
from cloudgate.core.resources import Resources
from cloudgate.drivers.base import driver_types
from cloudgate.events.hub import EventHub
from cloudgate.poller.scheduler import Poller
from cloudgate.sealing import Sealer, load_or_create_key
from cloudgate.settings import Settings
from cloudgate.store import Store
from cloudgate.store import resources as resource_rows
from cloudgate.store.accounts import list_accounts

log = logging.getLogger("cloudgate")

PRUNE_EVERY_SECONDS = 600.0


class Gateway:
    def __init__(self, settings: Settings, store: Store, sealer: Sealer):
        self.settings = settings
        self.store = store
        self.sealer = sealer
        self.hub = EventHub(store)
        self.pool = DriverPool(store, sealer)
        self.poller = Poller(store, self.pool, self.hub, settings)
        self.auth = Auth(store, settings.token_ttl_seconds, settings.token_recheck_seconds)
        self.accounts = Accounts(store, self.pool, sealer, self.poller, self.hub, settings.max_clock_skew_seconds)
        self.resources = Resources(store)
        self.operations = Operations(store, self.pool, self.poller, self.hub, sealer, settings)
        self.events = Events(store, self.hub, settings.events_page_max)
        self.relay = EventRelay(store, self.hub, settings) if settings.amqp_url and settings.amqp_relay else None
        self.admin_secret: str | None = None  # set when generated at this start: shown once
        self._background: list[asyncio.Task] = []

    @classmethod
    async def open(cls, settings: Settings) -> Gateway:
        """Open the store (migrating it) and bootstrap the admin client; background work not started."""
        store = await Store.open(settings.resolved_database_url())
        gateway = cls(settings, store, Sealer(load_or_create_key(settings.secret_key, settings.data_dir)))
        gateway.admin_secret = await gateway.auth.bootstrap_admin(settings.admin_secret)
        await gateway.hub.refresh()
        return gateway

    async def start(self) -> None:
        """Recover interrupted operations and start polling, event pruning and, when configured, AMQP."""
        interrupted = await self.operations.recover()
        if interrupted:
            log.warning("%d operations were interrupted by the last stop", interrupted)
        if self.settings.run_poller:
            self._background.append(asyncio.create_task(self.poller.run(), name="poller"))
        self._background.append(asyncio.create_task(self._prune_events(), name="event-pruner"))
        if self.relay is not None:
            self._background.append(asyncio.create_task(self.relay.run(), name="amqp-event-relay"))
        if self.settings.amqp_url and self.settings.amqp_serve_requests:
            server = RequestServer.for_gateway(self)
            self._background.append(asyncio.create_task(server.run(), name="amqp-request-server"))

    async def _prune_events(self) -> None:
        while True:
            pruned = await self.events.prune(self.settings.event_retention_seconds, time.time())
            if pruned:
                log.info("pruned %d events past retention", pruned)
            await asyncio.sleep(PRUNE_EVERY_SECONDS)

    async def close(self) -> None:
        for task in self._background:
            task.cancel()
        for task in self._background:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._background.clear()
        await self.operations.stop()
        await self.pool.close()
        await self.store.close()

    @staticmethod
    def clouds() -> dict[str, dict[str, Any]]:
        """Installed cloud types and what each can do."""
        return {name: {"capabilities": driver.capabilities.to_dict(), "create_fields": {
            kind.value: sorted(fields) for kind, fields in driver.create_fields.items()}}
            for name, driver in sorted(driver_types().items())}  # fmt: skip

    async def resync(self) -> int:
        """Forget every resource and rebuild from the clouds (accounts and clients stay); returns
        how many records were rebuilt. Ids come back the same: derived from cloud ids, or kept aliases."""
        async with self.store.write() as conn:
            await resource_rows.wipe(conn)
        async with self.store.read() as conn:
            known = await list_accounts(conn)
        for account in known:
            driver, _ref = await self.pool.get(account.id)
            for kind in sorted(driver.capabilities.kinds):
                await self.poller.poll(account.id, kind)
        async with self.store.read() as conn:
            return len(await resource_rows.all_records(conn))
