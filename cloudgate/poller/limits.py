"""Request budgets and retry pacing: a token bucket per account, backoff with jitter."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable


class TokenBucket:
    """`rate` requests per second on average, bursts up to `burst`."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._stamp = clock()
        self._blocked_until = 0.0

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def block_for(self, seconds: float) -> None:
        """The cloud said Retry-After: spend nothing until then."""
        self._blocked_until = max(self._blocked_until, self._clock() + seconds)

    def delay(self) -> float:
        """Seconds until a request may go; 0 means now (and the token is taken)."""
        self._refill()
        wait = self._blocked_until - self._clock()
        if wait > 0:
            return wait
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) / self.rate

    async def acquire(self) -> None:
        while (wait := self.delay()) > 0:
            await asyncio.sleep(wait)  # pacing a request budget, not synchronising with anything


def backoff_delay(failures: int, base: float, cap: float, rng: random.Random) -> float:
    """Exponential backoff with full jitter over the upper half: in [d/2, d], d = min(cap, base·2^(n-1))."""
    ceiling = min(cap, base * 2 ** max(failures - 1, 0))
    return rng.uniform(ceiling / 2, ceiling)
