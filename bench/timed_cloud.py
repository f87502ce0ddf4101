"""A sim cloud on real time that knows when each server it was asked to create or stop reaches its new state.

A transition ends at its request time plus its delay (the sim's schedule). Each delay is drawn at random
within a span, so that the moments changes land fall at every phase of the gateway's polling.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from cloudgate.drivers.sim import Credentials, Delays, SimClock, SimCloud


class TimedCloud(SimCloud):
    def __init__(self, endpoint: str, *, span: tuple[float, float], seed: int = 0):
        super().__init__(endpoint, seed=seed, clock=SimClock.real(), page_size=1000, delays=Delays())
        self._span = span
        self._rng = random.Random(seed)
        # (cloud id, normalized state it reaches) -> when it does, on the cloud's clock (time.time())
        self.reached: dict[tuple[str, str], float] = {}
        self._redraw()

    def _redraw(self) -> None:
        # The provisioner reads this same Delays object when it schedules: the next transition takes this long.
        self.delays.boot = self.delays.stop = self._rng.uniform(*self._span)

    async def create(
        self, credentials: Credentials, collection: str, region: str, spec: Mapping[str, Any]
    ) -> dict[str, Any]:
        raw = await super().create(credentials, collection, region, spec)
        # No await between the sim scheduling the boot and this line: the delay read is the one it used.
        if collection == "servers":
            self.reached[(raw["id"], "running")] = raw["created"] + self.delays.boot
            self._redraw()
        return raw

    async def perform(
        self, credentials: Credentials, collection: str, region: str, cloud_id: str, action: str,
        spec: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        raw = await super().perform(credentials, collection, region, cloud_id, action, spec)
        if (collection, action) == ("servers", "stop"):
            self.reached[(cloud_id, "stopped")] = self.clock.now() + self.delays.stop
            self._redraw()
        return raw
