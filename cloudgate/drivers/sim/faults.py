"""Fault injection: the ways a real cloud misbehaves, switched on per cloud and seeded."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from cloudgate.drivers.sim.native import SimApiError


@dataclass
class Faults:
    """Knobs a test (or an operator rehearsing failures) turns on a live cloud, all off by default;
    random choices come from `seed`."""

    error_rate: float = 0.0  # fraction of calls failing with InternalError
    throttle_rate: float = 0.0  # fraction of calls refused with RequestLimitExceeded
    retry_after: float = 1.0  # what a throttled call tells the caller to wait
    latency: float = 0.0  # seconds of simulated network time per call
    outage: bool = False  # every call fails with ServiceUnavailable
    clock_skew: float = 0.0  # seconds the cloud's reported time is off by
    consistency_delay: float = 0.0  # seconds a new resource stays out of listings
    image_corruption: float = 0.0  # fraction of image reads with a byte flipped (the checksums reported stay true)
    transfer_rate: float = 0.0  # bytes per second an image's data moves at, each way; 0: as fast as it goes
    hints: bool = False  # the cloud sends change hints to subscribed drivers (a setting more than a fault)
    hint_loss: float = 0.0  # fraction of change hints never delivered
    hint_delay: float = 0.0  # seconds a change hint takes to arrive
    seed: int = 0
    _rng: random.Random = field(init=False, repr=False, compare=False)
    _failing_page: int | None = field(default=None, init=False)

    # What `configure` may set, with the bounds of each value.
    RATES: ClassVar[frozenset[str]] = frozenset({"error_rate", "throttle_rate", "image_corruption", "hint_loss"})
    SECONDS: ClassVar[frozenset[str]] = frozenset({"retry_after", "latency", "consistency_delay", "hint_delay"})
    SWITCHES: ClassVar[frozenset[str]] = frozenset({"outage", "hints"})
    BYTES_PER_SECOND: ClassVar[frozenset[str]] = frozenset({"transfer_rate"})
    MAX_BYTES_PER_SECOND: ClassVar[int] = 10 << 30
    KNOBS: ClassVar[frozenset[str]] = RATES | SECONDS | BYTES_PER_SECOND | SWITCHES | {"clock_skew"}

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def knobs(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in self.KNOBS}

    def configure(self, **knobs: Any) -> None:
        """Set knobs by name; ValueError naming the first unknown knob or bad value (nothing is set then)."""
        for name, value in knobs.items():
            if name not in self.KNOBS:
                raise ValueError(f"no fault {name!r} (faults: {', '.join(sorted(self.KNOBS))})")
            if name in self.SWITCHES:
                if not isinstance(value, bool):
                    raise ValueError(f"{name} is true or false")
            elif isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name} is a number")
            elif name in self.RATES and not 0 <= value <= 1:
                raise ValueError(f"{name} is a fraction from 0 to 1")
            elif name in self.SECONDS and not 0 <= value <= 3600:
                raise ValueError(f"{name} is 0 to 3600 seconds")
            elif name in self.BYTES_PER_SECOND and not 0 <= value <= self.MAX_BYTES_PER_SECOND:
                raise ValueError(f"{name} is 0 to {self.MAX_BYTES_PER_SECOND} bytes per second (0: no limit)")
        for name, value in knobs.items():
            setattr(self, name, value)

    def __getstate__(self) -> dict[str, Any]:
        # The random state is left out: saved with a durable cloud, it would change at every call.
        return {name: value for name, value in vars(self).items() if name != "_rng"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        vars(self).update(state)
        self._rng = random.Random(self.seed)

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

    def corrupts_image_read(self) -> bool:
        """Whether the image read starting now flips a byte (`image_corruption` of them do)."""
        return bool(self.image_corruption) and self._rng.random() < self.image_corruption

    def loses_hint(self) -> bool:
        """Whether the change hint being sent now is lost on the way (`hint_loss` of them are)."""
        return bool(self.hint_loss) and self._rng.random() < self.hint_loss

    def on_page(self, page: int) -> None:
        if page == self._failing_page:
            self._failing_page = None
            raise SimApiError("InternalError", f"page {page} could not be read")
