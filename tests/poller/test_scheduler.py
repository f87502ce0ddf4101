"""The poll loop: every (account, kind) polled on its interval, bounded concurrency, accounts come and go."""

from __future__ import annotations

import asyncio
import contextlib
import time

from cloudgate.core import Caller, Principal
from cloudgate.core.auth import ADMIN_ID
from cloudgate.app import Gateway
from cloudgate.drivers import sim
from cloudgate.model import Kind
from tests.conftest import SimWorld, sim_settings

ADMIN = Caller(Principal(ADMIN_ID, "admin", True))


async def _wait_for(condition, deadline: float = 20.0) -> None:
    give_up = time.monotonic() + deadline
    while not await condition():
        assert time.monotonic() < give_up, "condition not met before the deadline"
        await asyncio.sleep(0.02)  # re-check pace; the deadline is what bounds the wait


async def test_running_poller_follows_out_of_band_changes(database_url, tmp_path):
    cloud = sim.register(sim.SimCloud("sim://sched", seed=1, clock=sim.SimClock(time.time())))
    intervals = {kind.value: 0.05 for kind in Kind}
    gateway = await Gateway.open(sim_settings(tmp_path, database_url, run_poller=True, poll_intervals=intervals))
    try:
        await gateway.start()
        world = SimWorld(gateway, cloud, ADMIN)
        account = await world.account()
        witness = await world.account("p2")  # polled throughout: proof that poll rounds went by
        cloud.populate("p1", cloud.regions[0], servers=4, volumes=2)

        async def stored_instances() -> int:
            return len([r for r in await world.stored(account) if r.kind == Kind.INSTANCE])

        async def every_kind_polled() -> bool:
            return {p["kind"] for p in (await gateway.core.accounts.get(world.admin, account)).polls} == {k.value for k in Kind}

        await _wait_for(lambda: _eq(stored_instances, 4))
        await _wait_for(every_kind_polled)
        victim = sorted(r.cloud_id for r in await world.stored(account) if r.kind == Kind.INSTANCE)[0]
        cloud.oob_delete("p1", "servers", victim)
        await _wait_for(lambda: _eq(stored_instances, 3))

        assert await gateway.core.accounts.remove(world.admin, account)
        assert await world.stored(account) == []
        cloud.populate("p1", cloud.regions[0], servers=1)  # a forgotten account is polled no more

        async def witness_instances_polled_at() -> float:
            polls = (await gateway.core.accounts.get(world.admin, witness)).polls
            return next(p["last_success_at"] or 0.0 for p in polls if p["kind"] == "instance")

        mark = time.time()
        for _ in range(2):  # two full poll rounds of the witness after the removal
            since = mark
            await _wait_for(lambda: _after(witness_instances_polled_at, since))
            mark = await witness_instances_polled_at()
        assert await world.stored(account) == []
    finally:
        await gateway.close()
        sim.unregister(cloud.endpoint)


async def test_concurrency_is_bounded_per_endpoint(database_url, tmp_path):
    cloud = sim.register(sim.SimCloud("sim://bounded", seed=2, clock=sim.SimClock(time.time())))
    cloud.faults.latency = 0.02
    gateway = await Gateway.open(sim_settings(tmp_path, database_url, poll_concurrency=16, poll_concurrency_per_endpoint=2))
    in_flight, peak = 0, 0
    original = cloud.list_page

    async def counting_list_page(*args, **kwargs):
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        try:
            return await original(*args, **kwargs)
        finally:
            in_flight -= 1

    cloud.list_page = counting_list_page
    try:
        world = SimWorld(gateway, cloud, ADMIN)
        accounts = [await world.account(f"p{i}") for i in range(4)]
        results = await asyncio.gather(*(gateway.poller.poll(a, k) for a in accounts for k in (Kind.INSTANCE, Kind.VOLUME, Kind.FLAVOR)))
        assert all(r.ok for r in results)
        assert peak == 2
    finally:
        with contextlib.suppress(Exception):
            await gateway.close()
        sim.unregister(cloud.endpoint)


async def _eq(read, expected) -> bool:
    return await read() == expected


async def _after(read, moment: float) -> bool:
    return await read() > moment


async def test_a_cancel_always_stops_the_poll_loop(database_url, tmp_path):
    """A cancel that lands in any step around a wake-up stops the loop (Gateway.close waits on it)."""
    cloud = sim.register(sim.SimCloud("sim://cancel", seed=1, clock=sim.SimClock(time.time())))
    intervals = {kind.value: 3600.0 for kind in Kind}  # the loop always has a next poll due, far off
    gateway = await Gateway.open(sim_settings(tmp_path, database_url, poll_intervals=intervals))
    try:
        await SimWorld(gateway, cloud, ADMIN).account()
        for steps in range(8):  # loop iterations between the wake-up and the cancel: each lands in another window
            runner = asyncio.create_task(gateway.poller.run())
            await _wait_for(lambda: _parked(gateway.poller))
            gateway.poller._wake.set()
            for _ in range(steps):
                await asyncio.sleep(0)
            runner.cancel()
            done, _ = await asyncio.wait({runner}, timeout=5)
            assert done, f"the loop outlived a cancel sent {steps} steps after its wake-up"
            assert runner.cancelled()
    finally:
        await gateway.close()
        sim.unregister(cloud.endpoint)


async def _parked(poller) -> bool:
    await asyncio.sleep(0)
    return bool(poller._wake._waiters)  # noqa: SLF001 - the only sign that the loop waits for a wake-up


async def test_a_refresh_lists_after_the_change_it_follows(database_url, tmp_path):
    """A listing under way when a caller changes the cloud is waited out, not joined: the caller's refresh
    shows its change (an edit settled by a stale listing would read as undone)."""
    cloud = sim.register(sim.SimCloud("sim://fresh", seed=1, clock=sim.SimClock(time.time())))
    gateway = await Gateway.open(sim_settings(tmp_path, database_url))
    listing_started, release = asyncio.Event(), asyncio.Event()
    original = cloud.list_page

    async def held_list_page(*args, **kwargs):
        page = await original(*args, **kwargs)  # the cloud's state as it is when the listing starts
        listing_started.set()
        await release.wait()
        return page

    try:
        world = SimWorld(gateway, cloud, ADMIN)
        account = await world.account()
        cloud.populate("p1", cloud.regions[0], servers=1)
        await gateway.poller.poll(account, Kind.INSTANCE)
        cloud_id = next(r.cloud_id for r in await world.stored(account) if r.kind == Kind.INSTANCE)
        cloud.list_page = held_list_page
        stale = asyncio.create_task(gateway.poller.poll(account, Kind.INSTANCE))
        await asyncio.wait_for(listing_started.wait(), 10)
        cloud.list_page = original
        cloud.oob_update("p1", "servers", cloud_id, name="renamed")
        refreshed = asyncio.create_task(gateway.observation.refresh(account, Kind.INSTANCE))
        release.set()
        await asyncio.wait_for(asyncio.gather(stale, refreshed), 10)
        assert [r.name for r in await world.stored(account) if r.kind == Kind.INSTANCE] == ["renamed"]
    finally:
        await gateway.close()
        sim.unregister(cloud.endpoint)
