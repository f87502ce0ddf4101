"""Fault injection: the ways a real cloud misbehaves, switched on per cloud and seeded."""

from __future__ import annotations

import asyncio
import random
from dataclasses import InitVar, dataclass, field

from cloudgate.drivers.sim.native import SimApiError


@dataclass
class Faults:
    """Knobs a test turns on a live cloud (all off by default); random choices come from `seed`."""

    error_rate: float = 0.0  # fraction of calls failing with InternalError
    throttle_rate: float = 0.0  # fraction of calls refused with RequestLimitExceeded
    retry_after: float = 1.0  # what a throttled call tells the caller to wait
    latency: float = 0.0  # seconds of simulated network time per call
    outage: bool = False  # every call fails with ServiceUnavailable
    clock_skew: float = 0.0  # seconds the cloud's reported time is off by
    consistency_delay: float = 0.0  # seconds a new resource stays out of listings
    seed: InitVar[int] = 0
    _rng: random.Random = field(init=False, repr=False)
    _failing_page: int | None = field(default=None, init=False)

    def __post_init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def fail_page(self, page: int) -> None:
        """Make page number `page` (1 is the first) of the next listing that reaches it fail, once."""
        if page < 1:
            raise ValueError("pages are numbered from 1")
        self._failing_page = page

    async def on_call(self) -> None:
        """What every API call goes through before the cloud looks at it."""
        if self.latency:
            await asyncio.sleep(self.latency)
        if self.outage:
            raise SimApiError("ServiceUnavailable", "the service is down")
        if self.throttle_rate and self._rng.random() < self.throttle_rate:
            raise SimApiError("RequestLimitExceeded", "request rate exceeded", retry_after=self.retry_after)
        if self.error_rate and self._rng.random() < self.error_rate:
            raise SimApiError("InternalError", "an internal error occurred")

    def on_page(self, page: int) -> None:
        if page == self._failing_page:
            self._failing_page = None
            raise SimApiError("InternalError", f"page {page} could not be read")
