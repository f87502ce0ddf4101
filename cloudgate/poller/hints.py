"""Change hints: one feed per watched account whose driver sends them, turned into targeted refreshes.

A hint only says where to look. Hints that arrive within one window are taken together: each resource
named is read once (`Driver.get`) and only it is applied; a kind named as a whole, or named through more
resources than `hint_resources_per_kind`, is listed again (the poll path). Either way the work goes through
the poller, so the account's request budget, the concurrency bounds and the (account, kind) lock hold.
A hint never deletes by itself: a resource goes only when its cloud says it is gone, or when listings lack
it. A feed that breaks is connected again with backoff; its state shows in the account's poll state (the
`hints` row) and polling carries on at the normal pace meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from typing import Protocol

from cloudgate.connections import DriverPool
from cloudgate.errors import CloudgateError, Unavailable, Unsupported
from cloudgate.model import Kind
from cloudgate.poller.limits import backoff_delay
from cloudgate.settings import Settings

log = logging.getLogger("cloudgate.poller.hints")


class HintTarget(Protocol):
    """What a feed asks of the poller."""

    async def poll(self, account_id: str, kind: Kind, *, fresh: bool = False) -> object: ...

    async def refresh_resource(self, account_id: str, kind: Kind, cloud_id: str) -> object: ...

    async def hint_feed_state(self, account_id: str, error: CloudgateError | None) -> None: ...


class HintFeed:
    """The change hints of one account, from its driver to the poller."""

    def __init__(self, account_id: str, pool: DriverPool, target: HintTarget, settings: Settings, rng: random.Random):
        self.account_id = account_id
        self.kinds: frozenset[Kind] = frozenset()  # what the connected feed covers; empty while it is down
        self._pool = pool
        self._target = target
        self._settings = settings
        self._rng = rng
        self._pending: dict[Kind, set[str] | None] = {}  # cloud ids hinted per kind; None: the whole kind
        self._arrived = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def live(self) -> bool:
        """Connected: changes of `kinds` are heard of as they happen."""
        return bool(self.kinds)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"hints:{self.account_id}")

    def cancel(self) -> asyncio.Task[None] | None:
        self.kinds = frozenset()
        if self._task is not None:
            self._task.cancel()
        return self._task

    async def _run(self) -> None:
        applying = asyncio.create_task(self._apply_forever())
        try:
            await self._connect_forever()
        finally:
            applying.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await applying

    async def _connect_forever(self) -> None:
        failures = 0
        while True:
            try:
                driver, _ref = await self._pool.get(self.account_id)
                async with driver.hints() as hints:
                    self.kinds = driver.capabilities.hints
                    failures = 0
                    await self._target.hint_feed_state(self.account_id, None)
                    async for hint in hints:
                        if hint.kind in self.kinds:
                            self._note(hint.kind, hint.cloud_id)
                raise Unavailable("the cloud closed its change hint feed")
            except Unsupported as exc:  # the cloud sends none to this account (now): polling alone, no failure
                was_live = self.live
                self.kinds = frozenset()
                if was_live:
                    await self._target.hint_feed_state(self.account_id, exc)
                delay = self._settings.hint_reconnect_max_seconds
            except Exception as exc:
                error = exc if isinstance(exc, CloudgateError) else Unavailable(f"hint feed error: {exc!r}")
                if not isinstance(exc, CloudgateError):
                    log.exception("the change hint feed of %s failed", self.account_id)
                self.kinds = frozenset()
                failures += 1
                await self._target.hint_feed_state(self.account_id, error)
                delay = backoff_delay(
                    failures,
                    self._settings.hint_reconnect_min_seconds,
                    self._settings.hint_reconnect_max_seconds,
                    self._rng,
                )
            await asyncio.sleep(delay)  # backing off before connecting again, not synchronising

    def _note(self, kind: Kind, cloud_id: str | None) -> None:
        ids = self._pending.get(kind, set())
        if ids is not None:
            if cloud_id is None or len(ids) >= self._settings.hint_resources_per_kind:
                self._pending[kind] = None  # the whole kind: one listing
            else:
                ids.add(cloud_id)
                self._pending[kind] = ids
        self._arrived.set()

    async def _apply_forever(self) -> None:
        while True:
            await self._arrived.wait()
            await asyncio.sleep(self._settings.hint_window_seconds)  # the window hints are gathered over
            self._arrived.clear()
            pending, self._pending = self._pending, {}
            work = []
            for kind, ids in pending.items():
                if ids is None:
                    work.append(self._target.poll(self.account_id, kind, fresh=True))
                else:
                    work.extend(self._target.refresh_resource(self.account_id, kind, cloud_id) for cloud_id in ids)
            for outcome in await asyncio.gather(*work, return_exceptions=True):
                if isinstance(outcome, Exception):
                    log.error("a hinted refresh of %s failed: %r", self.account_id, outcome)
