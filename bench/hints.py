"""Change hints: out-of-band change → event at a long-poll reader, p50/p99, with and without hints, on the sim
and on the real OpenStack (bench.openstack_hints), in one run; and the cloud API calls an hour each way.

On the sim, both halves make the same changes (renames, power-offs, creations and deletions on the cloud's
console at random moments over the window) on a sim cloud on real time, the gateway polling at the same
settings; the second half turns the cloud's hints on, so the poller reads each hinted resource and polls
hinted kinds `hinted_poll_interval_factor` times less often. API calls an hour (bench.hint_costs): the
listing pages each kind takes (as counted in the run) at each kind's interval, plus, with hints, the reads
each change costs (as counted) at the run's rate of changes (a stress rate, far above most accounts'), and
the rate of changes below which hints cost fewer calls in all.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
import time
from collections import Counter
from typing import Any

from bench import openstack_hints
from bench.hint_costs import calls_per_hour, compared
from bench.latency import _change, latencies, world
from bench.waiting import until
from cloudgate.drivers import sim
from cloudgate.drivers.sim.driver import HINTED
from cloudgate.drivers.sim.translate import COLLECTIONS
from cloudgate.model import Kind
from cloudgate.settings import Settings

log = logging.getLogger("bench.hints")

FULL = {"changes": 120, "deletions": 30, "window": 60.0, "interval": None, "background": 1000}
QUICK = {"changes": 40, "deletions": 10, "window": 10.0, "interval": 2.0, "background": 300}
MOVES = ("rename", "stop", "create")


def _count_calls(cloud: sim.SimCloud) -> tuple[Counter, Counter]:
    """Count the cloud's calls from now on: listing pages and single reads by collection (`calls`, cleared to
    count a window), and pages and listings (first pages) by collection over the whole run (`shape`)."""
    calls: Counter = Counter()
    shape: Counter = Counter()
    list_page, show = cloud.list_page, cloud.show

    async def counted_page(credentials: Any, collection: str, region: str, token: str | None = None) -> Any:
        calls["page", collection] += 1
        shape["page", collection] += 1
        shape["listing", collection] += token is None
        return await list_page(credentials, collection, region, token)

    async def counted_show(credentials: Any, collection: str, region: str, cloud_id: str) -> Any:
        calls["get", collection] += 1
        return await show(credentials, collection, region, cloud_id)

    cloud.list_page, cloud.show = counted_page, counted_show  # type: ignore[method-assign]
    return calls, shape


async def measure(hints: bool, changes: int, deletions: int, window: float, interval: float | None,
                  background: int) -> dict[str, Any]:  # fmt: skip
    overrides = {"poll_intervals": {Kind.INSTANCE.value: interval}} if interval else {}
    cloud = sim.SimCloud(f"sim://bench-hints-{secrets.token_hex(4)}", seed=7, clock=sim.SimClock.real(), page_size=1000)
    cloud.set_faults(hints=hints)
    calls, shape = _count_calls(cloud)
    async with world(cloud, background, **overrides) as here:
        gateway = here.gateway
        if hints:
            await until(lambda: gateway.poller.hinted(here.account, Kind.INSTANCE), "the hint feed", 10)
        rng = random.Random(11)
        driver, _ref = await gateway.pool.get(here.account)
        servers = [resource.cloud_id for resource in await driver.list(Kind.INSTANCE)]
        targets = rng.sample(servers, changes + deletions)
        moves = [rng.choice(MOVES) for _ in range(changes)] + ["delete"] * deletions
        plan = sorted((rng.uniform(0, window), move, target) for move, target in zip(moves, targets, strict=True))
        log.info("hints %s: %d out-of-band changes over %g s", "on" if hints else "off", len(plan), window)
        calls.clear()
        began = time.monotonic()
        expected = []
        for n, (at, move, target) in enumerate(plan):
            await asyncio.sleep(max(0.0, began + at - time.monotonic()))  # until the change's planned moment
            expected.append(_change(cloud, move, target, n))
        period = gateway.settings.poll_interval(Kind.INSTANCE)
        slowest = period * (gateway.settings.hinted_poll_interval_factor if hints else 1)
        found = await latencies(here.follower, [e for e in expected if e.type != "deleted"], timeout=slowest + 30)
        gone = await latencies(here.follower, [e for e in expected if e.type == "deleted"], timeout=2 * slowest + 30)
        spent = time.monotonic() - began
        counted = dict(calls)
        hinted = gateway.poller.hinted(here.account, Kind.INSTANCE)
        per_hour = _calls_per_hour(gateway.settings, counted, dict(shape), hints, len(plan), window)
    return {"hints": hints, "hint_feed_live": hinted, "instance_interval_s": period, "window_s": window,
            "changes": found, "deletions": gone, "calls_from_first_change_to_last_event": sum(counted.values()),
            "run_s": round(spent, 1), "cloud_calls_per_hour": per_hour}  # fmt: skip


def _calls_per_hour(
    settings: Settings, counted: dict[Any, int], shape: dict[Any, int], hints: bool, changes: int, window: float
) -> dict[str, Any]:
    """Steady-state cloud API calls an hour (bench.hint_costs): each kind's listing as many pages as its listings
    took in the run (one when it was not listed); the single reads of the run's `changes`."""
    per_listing: dict[Kind, float] = {}
    for kind, collection in COLLECTIONS.items():
        listings = shape.get(("listing", collection), 0)
        per_listing[kind] = shape.get(("page", collection), 0) / listings if listings else 1.0
    hinted = frozenset(HINTED.values()) if hints else frozenset()
    reads_in_run = sum(value for (what, _collection), value in counted.items() if what == "get")
    return calls_per_hour(settings, per_listing, hinted, reads_in_run, changes, window)


def run(quick: bool) -> dict[str, Any]:
    sizes = QUICK if quick else FULL
    without = asyncio.run(measure(False, **sizes))
    with_hints = asyncio.run(measure(True, **sizes))
    return {**compared(without, with_hints), "openstack": openstack_hints.run(quick)}
