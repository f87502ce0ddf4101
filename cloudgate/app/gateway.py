"""The composition root: one `Gateway` is every service of one process, built from one `Settings` for
its role, with the background work that role runs. Nothing else wires services.

Front-ends get `gateway.core` and nothing more; the store, the driver pool, the poller and the relay
are the root's own parts (tests and benchmarks reach them here).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from typing import Any

from cloudgate.app.front_ends import FrontEnds
from cloudgate.connections import DriverPool
from cloudgate.core import Core
from cloudgate.events.hub import EventHub
from cloudgate.events.relay import EventRelay
from cloudgate.frontends.amqp_rpc import RequestServer
from cloudgate.messaging.link import Broker
from cloudgate.poller.observation import Observation
from cloudgate.poller.scheduler import Poller
from cloudgate.sealing import Sealer, load_or_create_key
from cloudgate.settings import Settings
from cloudgate.store import Store

log = logging.getLogger("cloudgate")

PRUNE_EVERY_SECONDS = 600.0


class Gateway:
    def __init__(self, settings: Settings, store: Store, sealer: Sealer, broker: Broker | None):
        self.settings = settings
        self.store = store
        self.sealer = sealer
        self.broker = broker  # None without an AMQP URL
        self.hub = EventHub(store)
        self.pool = DriverPool(store, sealer)
        self.poller = Poller(store, self.pool, self.hub, settings)
        self.observation = Observation(store, self.poller, self.hub)
        relays = settings.amqp_relay and settings.runs_background
        self.relay = EventRelay(store, self.hub, broker, settings) if broker is not None and relays else None
        self.core = Core(settings, store, sealer, self.hub, self.pool, self.observation, self.relay)
        self.admin_secret: str | None = None  # set when generated at this start: shown once
        self._background: list[asyncio.Task[object]] = []

    @classmethod
    async def open(cls, settings: Settings) -> Gateway:
        """Open the store (migrating it) and bootstrap the admin client; background work not started.
        TlsSetupError, before anything opens, when the broker's TLS files cannot be used."""
        broker = Broker.from_settings(settings) if settings.amqp_url else None
        store = await Store.open(settings.resolved_database_url())
        gateway = cls(settings, store, Sealer(load_or_create_key(settings.secret_key, settings.data_dir)), broker)
        gateway.admin_secret = await gateway.core.auth.bootstrap_admin(settings.admin_secret)
        await gateway.hub.refresh()
        return gateway

    def front_ends(self) -> FrontEnds:
        """A new ASGI app of every front-end over this gateway's core."""
        return FrontEnds(lambda: self.core, self.settings)

    async def start(self, app: FrontEnds | None = None) -> None:
        """Recover interrupted operations and start the role's background work: polling, event pruning
        and the AMQP relay (worker); the AMQP request server, over `app` or front-ends of its own (api)."""
        interrupted = await self.core.operations.recover()
        if interrupted:
            log.warning("%d operations were interrupted by the last stop", interrupted)
        settings = self.settings
        if settings.runs_background:
            if settings.run_poller:
                self._spawn(self.poller.run(), "poller")
            self._spawn(self._prune_events(), "event-pruner")
        if self.relay is not None:
            self._spawn(self.relay.run(), "amqp-event-relay")
        if self.broker is not None and settings.amqp_serve_requests and settings.runs_front_ends:
            self._spawn(RequestServer(app or self.front_ends(), self.broker, settings).run(), "amqp-request-server")

    def _spawn(self, work: Coroutine[Any, Any, object], name: str) -> None:
        self._background.append(asyncio.create_task(work, name=name))

    async def _prune_events(self) -> None:
        while True:
            pruned = await self.core.events.prune(self.settings.event_retention_seconds, time.time())
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
        await self.core.operations.stop()
        await self.pool.close()
        await self.store.close()
