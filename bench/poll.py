"""Poll + diff at scale: N resources over several accounts of one simulated cloud, 1% churn per cycle.

Run one size per process (`python -m bench.poll --resources 100000`) so peak RSS is that size's own.
The peer is the listing itself: the same driver listings without the diff, timed in the same run.
Peak RSS includes the simulated cloud's own rows (they live in this process); `rss_before_poll_mb`
is the process once the cloud is filled, before the gateway has seen any of it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import resource
import secrets
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.gateways import add_sim_account, bench_settings
from cloudgate.app import Gateway
from cloudgate.drivers import sim
from cloudgate.model import Kind
from cloudgate.runtime import tune_gc
from cloudgate.store.resources import all_records

KINDS = (Kind.INSTANCE, Kind.VOLUME, Kind.SNAPSHOT)
SHARES = {"servers": 0.6, "volumes": 0.3, "snapshots": 0.1}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Filled:
    """A gateway over a sim cloud whose accounts hold the resources, not yet polled."""

    gateway: Gateway
    cloud: sim.SimCloud
    accounts: list[str]

    def churn(self, fraction: float, rng: random.Random) -> None:
        for n in range(len(self.accounts)):
            self.cloud.churn(f"p{n}", fraction, rng)

    async def cycle(self) -> float:
        """Seconds to poll and diff every (account, kind) at once."""
        started = time.perf_counter()
        polls = (self.gateway.poller.poll(account, kind) for account in self.accounts for kind in KINDS)
        failed = [result.error for result in await asyncio.gather(*polls) if not result.ok]
        if failed:
            raise RuntimeError(f"polls failed: {failed[:3]}")
        return time.perf_counter() - started

    async def listing_only(self) -> float:
        """Seconds for the same listings without the diff: the peer."""
        drivers = [(await self.gateway.pool.get(account))[0] for account in self.accounts]
        started = time.perf_counter()
        await asyncio.gather(*(driver.list(kind) for driver in drivers for kind in KINDS))
        return time.perf_counter() - started


@asynccontextmanager
async def filled(resources: int, accounts: int, database_url: str | None = None) -> AsyncIterator[Filled]:
    """`resources` in all over `accounts` accounts of a fresh sim cloud, registered with a fresh gateway."""
    cloud = sim.register(sim.SimCloud(f"sim://bench-poll-{secrets.token_hex(4)}", seed=1,
                                      clock=sim.SimClock(time.time()), page_size=1000))  # fmt: skip
    try:
        with tempfile.TemporaryDirectory(prefix="cloudgate-bench-poll-") as tmp:
            gateway = await Gateway.open(bench_settings(Path(tmp), database_url=database_url))
            try:
                counts = {collection: int(resources / accounts * share) for collection, share in SHARES.items()}
                ids = [await add_sim_account(gateway, cloud, f"p{n}", **counts) for n in range(accounts)]
                yield Filled(gateway, cloud, ids)
            finally:
                await gateway.close()
    finally:
        sim.unregister(cloud.endpoint)


async def measure(
    resources: int, accounts: int = 10, cycles: int = 3, churn: float = 0.01, database_url: str | None = None
) -> dict[str, Any]:
    """Fill `accounts` accounts with `resources` in all, poll them once, then `cycles` times churn and re-poll."""
    async with filled(resources, accounts, database_url) as world:
        rss_before_poll = current_rss_mb()
        # The sim cloud's rows share this process only because the cloud is simulated: keep the
        # collector from re-walking them on every collection, as it would not in a gateway's process.
        gc.freeze()
        try:
            first = await world.cycle()  # every resource is new: inserts and created events
            rng = random.Random(2)
            times, listings = [], []
            for _ in range(cycles):
                world.churn(churn, rng)
                times.append(await world.cycle())
                listings.append(await world.listing_only())
        finally:
            gc.unfreeze()
        async with world.gateway.store.read() as conn:
            stored = len(await all_records(conn))
    best, list_best = min(times), min(listings)
    return {
        "resources": stored, "accounts": accounts, "churn": churn, "cycles": cycles,
        "first_cycle_s": round(first, 3), "cycle_s": round(best, 3), "resources_per_s": round(stored / best),
        "per_resource_us": round(best / stored * 1e6, 2), "listing_only_s": round(list_best, 3),
        "diff_overhead_ratio": round(best / list_best, 2), "peak_rss_mb": round(peak_rss_mb(), 1),
        "rss_before_poll_mb": round(rss_before_poll, 1),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--churn", type=float, default=0.01)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    tune_gc()  # as `cloudgate serve` does
    figures = asyncio.run(measure(args.resources, args.accounts, args.cycles, args.churn, args.database_url))
    json.dump(figures, sys.stdout)
    print()


if __name__ == "__main__":
    main()
