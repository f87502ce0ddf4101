"""Change → event latency, p50 and p99: from the moment a sim resource reached its new state to the
event's `at` (stamped by the poll whose transaction commits it) and to its arrival at a long-poll
reader over HTTP (uvicorn on 127.0.0.1, in this process: a sim cloud lives in its gateway's memory).

Own mutations: with the poller running at its default settings, operations create instances and then
stop them, on a sim cloud on real time whose transitions take 0.3–1.5 s (`TimedCloud` knows when each
ends). Out-of-band: renames, power-offs and creations made on the cloud's console at random moments,
found by the poller at its instance interval (default 30 s; --quick: 2 s). Deletions are reported
apart: the poller deletes a record only once two listings in a row lack it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.feed import Follower
from bench.gateways import ADMIN, add_sim_account, admin_token, bench_settings, poll
from bench.live import live_server
from bench.stats import distribution
from bench.timed_cloud import TimedCloud
from bench.waiting import until
from cloudgate.app import create_app
from cloudgate.app import Gateway
from cloudgate.drivers import sim
from cloudgate.model import Kind
from cloudgate.query import Match, ResourceQuery

log = logging.getLogger("bench.latency")

PROJECT = "latency"
TRANSITION_SPAN = (0.3, 1.5)  # seconds a sim boot or stop takes, drawn per operation
FULL = {"own": {"operations": 100, "wave": 25, "background": 1000},
        "oob": {"changes": 150, "deletions": 30, "interval": None, "intervals": 3, "background": 1000}}  # fmt: skip
QUICK = {"own": {"operations": 20, "wave": 10, "background": 1000},
         "oob": {"changes": 50, "deletions": 10, "interval": 2.0, "intervals": 5, "background": 1000}}  # fmt: skip
OOB_MOVES = ("rename", "stop", "create")


@dataclass(frozen=True, slots=True)
class Expected:
    """An event a change must bring: about `cloud_id`, of `type`, showing `state` or `name` when given."""

    cloud_id: str
    type: str
    since: float  # when the change took effect on the cloud (time.time())
    state: str | None = None
    name: str | None = None

    def matches(self, event: dict[str, Any]) -> bool:
        resource = event["resource"]
        return (
            event["type"] == self.type
            and resource["cloud_id"] == self.cloud_id
            and self.state in (None, resource["state"])
            and self.name in (None, resource["name"])
        )


@dataclass
class World:
    gateway: Gateway
    cloud: sim.SimCloud
    account: str
    follower: Follower


@asynccontextmanager
async def following(gateway: Gateway) -> AsyncIterator[Follower]:
    """The gateway served over HTTP on 127.0.0.1 and a long-poll follower of its feed from now on, as the
    admin."""
    async with live_server(create_app(gateway=gateway)) as url, httpx.AsyncClient(base_url=url) as http:
        http.headers["authorization"] = f"Bearer {await admin_token(http)}"
        follower = Follower(http, after=await gateway.core.events.head())
        task = asyncio.create_task(follower.run())
        try:
            yield follower
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


@asynccontextmanager
async def world(cloud: sim.SimCloud, background: int, **overrides: Any) -> AsyncIterator[World]:
    """A started gateway (poller running) over `cloud`, an account of `background` instances, synced,
    and a long-poll follower of the feed over HTTP."""
    sim.register(cloud)
    try:
        with tempfile.TemporaryDirectory(prefix="cloudgate-bench-latency-") as tmp:
            gateway = await Gateway.open(bench_settings(Path(tmp), run_poller=True, **overrides))
            try:
                account = await add_sim_account(gateway, cloud, PROJECT, servers=background)
                await poll(gateway, account)
                await gateway.start()
                async with following(gateway) as follower:
                    yield World(gateway, cloud, account, follower)
            finally:
                await gateway.close()
    finally:
        sim.unregister(cloud.endpoint)


async def latencies(follower: Follower, expected: Sequence[Expected], timeout: float) -> dict[str, Any]:
    """Wait until an event has arrived for every expectation; latency distributions to `at` and to arrival."""
    pending = list(expected)
    to_commit: list[float] = []
    to_arrival: list[float] = []
    read = 0

    def match_new() -> bool:
        nonlocal read
        for event, arrived in follower.arrivals[read:]:
            found = next((item for item in pending if item.matches(event)), None)
            if found is not None:
                pending.remove(found)
                to_commit.append(event["at"] - found.since)
                to_arrival.append(arrived - found.since)
        read = len(follower.arrivals)
        return not pending

    await until(match_new, f"the events of {len(expected)} changes", timeout)
    return {"to_commit_s": distribution(to_commit), "to_arrival_s": distribution(to_arrival)}


async def _by_name(gateway: Gateway, account: str, kind: Kind, name: str) -> str:
    query = ResourceQuery(kind=kind, matches=(Match("account", (account,)), Match("name", (name,))))
    return (await gateway.core.resources.query(ADMIN, query)).records[0].id


async def _jitter(rng: random.Random) -> None:
    await asyncio.sleep(rng.uniform(0, 0.5))  # operations start at scattered moments, as clients send them


async def measure_own(operations: int, wave: int, background: int) -> dict[str, Any]:
    """Create `operations` instances and then stop them, `wave` at a time, through the gateway's operations."""
    cloud = TimedCloud(f"sim://bench-own-{secrets.token_hex(4)}", span=TRANSITION_SPAN, seed=5)
    async with world(cloud, background) as here:
        gateway, rng = here.gateway, random.Random(5)
        spec = {
            "account": here.account,
            "flavor": await _by_name(gateway, here.account, Kind.FLAVOR, "s1.tiny"),
            "image": await _by_name(gateway, here.account, Kind.IMAGE, "ubuntu-24.04"),
            "datacenter": await _by_name(gateway, here.account, Kind.DATACENTER, "sim-east-a"),
        }

        async def create(n: int) -> str:
            await _jitter(rng)
            record, _operation = await gateway.core.operations.create(ADMIN, Kind.INSTANCE, {**spec, "name": f"own-{n}"})
            return record.id

        async def stop(resource_id: str) -> None:
            await _jitter(rng)
            await gateway.core.operations.act(ADMIN, resource_id, "stop", {}, Kind.INSTANCE)

        for first in range(0, operations, wave):
            log.info("latency: own mutations %d–%d of %d", first + 1, min(first + wave, operations), operations)
            created = await asyncio.gather(*(create(n) for n in range(first, min(first + wave, operations))))
            if not await gateway.core.operations.wait_idle(timeout=120):
                raise TimeoutError("creates did not settle")
            await asyncio.gather(*(stop(resource_id) for resource_id in created))
            if not await gateway.core.operations.wait_idle(timeout=120):
                raise TimeoutError("stops did not settle")
        expected = [Expected(cloud_id, "updated", since, state=state)
                    for (cloud_id, state), since in cloud.reached.items()]  # fmt: skip
        figures = await latencies(here.follower, expected, timeout=30)
    return {"creates": operations, "stops": operations, "transition_s": list(TRANSITION_SPAN),
            "fast_poll_interval_s": gateway.settings.fast_poll_interval, **figures}  # fmt: skip


def _change(cloud: sim.SimCloud, move: str, cloud_id: str, n: int) -> Expected:
    """Make one change on the cloud's console; the event it must bring."""
    if move == "rename":
        cloud.oob_update(PROJECT, "servers", cloud_id, name=f"oob-{n}")
        return Expected(cloud_id, "updated", cloud.clock.now(), name=f"oob-{n}")
    if move == "stop":
        cloud.oob_update(PROJECT, "servers", cloud_id, status="SHUTOFF")
        return Expected(cloud_id, "updated", cloud.clock.now(), state="stopped")
    if move == "create":
        image = next(row for row in cloud.catalog.public_images.rows.values() if row.name == "ubuntu-24.04")
        zone = cloud.catalog.regions[cloud.regions[0]][0]
        raw = cloud.oob_create(PROJECT, "servers", name=f"oob-{n}", flavor_id="s1.tiny", image_id=image.id, zone=zone)
        return Expected(raw["id"], "created", raw["created"])
    cloud.oob_delete(PROJECT, "servers", cloud_id)
    return Expected(cloud_id, "deleted", cloud.clock.now())


async def measure_oob(
    changes: int, deletions: int, interval: float | None, intervals: int, background: int
) -> dict[str, Any]:
    """Make `changes` changes and `deletions` deletions at random moments over `intervals` poll intervals."""
    overrides = {"poll_intervals": {Kind.INSTANCE.value: interval}} if interval else {}
    cloud = sim.SimCloud(f"sim://bench-oob-{secrets.token_hex(4)}", seed=7, clock=sim.SimClock.real(), page_size=1000)
    async with world(cloud, background, **overrides) as here:
        period = here.gateway.settings.poll_interval(Kind.INSTANCE)
        rng = random.Random(7)
        mine = ResourceQuery(kind=Kind.INSTANCE, matches=(Match("account", (here.account,)),), limit=1000)
        records = (await here.gateway.core.resources.query(ADMIN, mine)).records
        targets = rng.sample([record.cloud_id for record in records if record.cloud_id], changes + deletions)
        moves = [rng.choice(OOB_MOVES) for _ in range(changes)] + ["delete"] * deletions
        plan = sorted((rng.uniform(0, intervals * period), move, target) for move, target in zip(moves, targets, strict=True))
        log.info("latency: %d out-of-band changes over %g s (instance interval %g s)", len(plan), plan[-1][0], period)
        began = time.monotonic()
        expected = []
        for n, (at, move, target) in enumerate(plan):
            await asyncio.sleep(max(0.0, began + at - time.monotonic()))  # until the change's planned moment
            expected.append(_change(cloud, move, target, n))
        # A deletion shows after two listings that lack the resource; a change after one.
        found = await latencies(here.follower, [e for e in expected if e.type != "deleted"], timeout=period + 30)
        gone = await latencies(here.follower, [e for e in expected if e.type == "deleted"], timeout=2 * period + 30)
    over = round(found["to_arrival_s"]["p99"] - period, 3)
    return {"interval_s": period, "window_s": intervals * period, "changes": {**found, "p99_over_interval_s": over},
            "deletions": {**gone, "in_intervals_p99": round(gone["to_arrival_s"]["p99"] / period, 2)}}  # fmt: skip


def run(quick: bool) -> dict[str, Any]:
    sizes = QUICK if quick else FULL
    return {"own": asyncio.run(measure_own(**sizes["own"])), "oob": asyncio.run(measure_oob(**sizes["oob"]))}
