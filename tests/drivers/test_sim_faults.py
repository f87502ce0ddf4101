"""The sim cloud's injected faults, as the driver reports them."""

from __future__ import annotations

import time

import pytest

from cloudgate.drivers.sim import SimDriver
from cloudgate.errors import CloudAuthFailed, Throttled, Unavailable
from cloudgate.model import Kind
from tests.drivers.simworld import SimWorld


@pytest.fixture
def driver(sim: SimWorld) -> SimDriver:
    return sim.driver()


async def test_wrong_keys_are_refused(sim: SimWorld) -> None:
    with pytest.raises(CloudAuthFailed) as raised:
        await sim.driver(secret_key="nope").list(Kind.INSTANCE)
    assert raised.value.details == {"cloud_code": "AuthFailure"}


async def test_throttling_carries_retry_after(sim: SimWorld, driver: SimDriver) -> None:
    sim.cloud.faults.throttle_rate = 1.0
    sim.cloud.faults.retry_after = 7.5
    with pytest.raises(Throttled) as raised:
        await driver.list(Kind.FLAVOR)
    assert raised.value.retry_after == 7.5
    sim.cloud.faults.throttle_rate = 0.0
    assert len(await driver.list(Kind.FLAVOR)) == 5


async def test_an_outage_makes_every_call_unavailable(sim: SimWorld, driver: SimDriver) -> None:
    sim.cloud.faults.outage = True
    for call in (driver.check_credentials(), driver.server_time(), driver.list(Kind.IMAGE),
                 driver.destroy(Kind.VOLUME, "vol-000001")):
        with pytest.raises(Unavailable):
            await call
    sim.cloud.faults.outage = False
    assert (await driver.check_credentials()).id == sim.project


async def test_internal_errors_are_unavailable(sim: SimWorld, driver: SimDriver) -> None:
    sim.cloud.faults.error_rate = 1.0
    with pytest.raises(Unavailable) as raised:
        await driver.list(Kind.INSTANCE)
    assert raised.value.details == {"cloud_code": "InternalError"}


async def test_clock_skew_shows_in_server_time(sim: SimWorld, driver: SimDriver) -> None:
    assert (await driver.server_time()).timestamp() == sim.clock.now()
    sim.cloud.faults.clock_skew = -420.0
    assert (await driver.server_time()).timestamp() == sim.clock.now() - 420.0


async def test_latency_delays_each_call(sim: SimWorld, driver: SimDriver) -> None:
    sim.cloud.faults.latency = 0.05
    started = time.monotonic()
    await driver.list(Kind.FLAVOR)
    assert time.monotonic() - started >= 0.05


async def test_new_resources_reach_listings_after_the_consistency_delay(sim: SimWorld, driver: SimDriver) -> None:
    sim.cloud.faults.consistency_delay = 10.0
    volume = await driver.create(Kind.VOLUME, {"name": "late", "size_gb": 1, "datacenter": "sim-east-a"})
    assert await driver.list(Kind.VOLUME) == []
    await driver.edit(Kind.VOLUME, volume.cloud_id, {"name": "renamed"})  # direct calls work at once
    sim.clock.advance(9.5)
    assert await driver.list(Kind.VOLUME) == []
    sim.clock.advance(0.5)
    [seen] = await driver.list(Kind.VOLUME)
    assert (seen.cloud_id, seen.name, seen.state) == (volume.cloud_id, "renamed", "available")


async def test_a_failing_page_fails_the_whole_listing_once(sim: SimWorld, driver: SimDriver) -> None:
    sim.cloud.populate(sim.project, "sim-east", servers=25)  # three pages of ten
    sim.cloud.faults.fail_page(3)
    assert len(await driver.list(Kind.FLAVOR)) == 5  # one page: never reaches page 3
    with pytest.raises(Unavailable):
        await driver.list(Kind.INSTANCE)
    assert len(await driver.list(Kind.INSTANCE)) == 25


async def test_faults_are_deterministic_under_a_seed(make_sim) -> None:
    async def outcomes(seed: int) -> list[bool]:
        world = make_sim(seed=seed)
        world.cloud.faults.error_rate = 0.5
        driver = world.driver()
        results = []
        for _ in range(40):
            try:
                await driver.list(Kind.FLAVOR)
                results.append(True)
            except Unavailable:
                results.append(False)
        return results

    first = await outcomes(seed=11)
    assert first == await outcomes(seed=11)
    assert first != await outcomes(seed=12)
    assert 5 < first.count(False) < 35
