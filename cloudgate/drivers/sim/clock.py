"""The simulated cloud's clock: manual for tests, or following real time."""

from __future__ import annotations

import time
from collections.abc import Callable


class SimClock:
    """A clock that only moves when told to (`advance`), or follows `time.time()` plus any advances."""

    def __init__(self, start: float, *, source: Callable[[], float] | None = None):
        self._offset = start
        self._source = source

    @classmethod
    def real(cls) -> SimClock:
        return cls(0.0, source=time.time)

    def now(self) -> float:
        return self._offset + (self._source() if self._source else 0.0)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        self._offset += seconds
