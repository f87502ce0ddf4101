"""The sim's change hints through its driver: off unless asked for, one per change (API, console,
transitions), per project, lost or late when the faults say so; and reading one resource."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from cloudgate.drivers.base import Hint
from cloudgate.drivers.sim import SimDriver
from cloudgate.errors import Unavailable, Unsupported
from cloudgate.model import Kind
from tests.conftest import until
from tests.drivers.simworld import SimWorld


def server_spec(world: SimWorld, name: str) -> dict[str, str]:
    image = next(iter(world.cloud.catalog.public_images.rows.values())).id
    return {"name": name, "flavor_id": "s1.tiny", "image_id": image, "zone": "sim-east-a"}


async def next_hints(hints: AsyncIterator[Hint], count: int) -> list[Hint]:
    async def take() -> list[Hint]:
        return [await anext(hints) for _ in range(count)]

    return await asyncio.wait_for(take(), timeout=2)


async def test_hints_are_off_unless_the_cloud_sends_them(sim: SimWorld):
    with pytest.raises(Unsupported):
        async with sim.driver().hints():
            pass
    assert Kind.INSTANCE in SimDriver.capabilities.hints and Kind.FLAVOR not in SimDriver.capabilities.hints


async def test_every_change_is_hinted_once_applied(sim: SimWorld):
    sim.cloud.set_faults(hints=True)
    driver = sim.driver()
    async with driver.hints() as hints:
        made = await driver.create(Kind.KEYPAIR, {"name": "k"})
        assert await next_hints(hints, 1) == [Hint(Kind.KEYPAIR, made.cloud_id)]
        server = sim.cloud.oob_create(sim.project, "servers", **server_spec(sim, "s"))
        assert await next_hints(hints, 1) == [Hint(Kind.INSTANCE, server["id"])]
        sim.clock.advance(60)  # past the boot: applied, and hinted, at the cloud's next call
        assert (await driver.get(Kind.INSTANCE, server["id"])).state == "running"
        assert await next_hints(hints, 1) == [Hint(Kind.INSTANCE, server["id"])]
        sim.cloud.oob_update(sim.project, "servers", server["id"], name="t")
        sim.cloud.oob_delete(sim.project, "keypairs", made.cloud_id)
        assert await next_hints(hints, 2) == [Hint(Kind.INSTANCE, server["id"]), Hint(Kind.KEYPAIR, made.cloud_id)]
        assert await driver.get(Kind.KEYPAIR, made.cloud_id) is None


async def test_other_projects_changes_are_not_hinted(sim: SimWorld):
    sim.cloud.set_faults(hints=True)
    sim.cloud.add_account("AK-other", "SK-other", "other")
    async with sim.driver().hints() as hints:
        sim.cloud.oob_create("other", "keypairs", name="theirs")
        mine = sim.cloud.oob_create(sim.project, "keypairs", name="mine")
        assert await next_hints(hints, 1) == [Hint(Kind.KEYPAIR, mine["id"])]


async def test_lost_and_late_hints(sim: SimWorld):
    sim.cloud.set_faults(hints=True, hint_loss=1.0)
    async with sim.driver().hints() as hints:
        sim.cloud.oob_create(sim.project, "keypairs", name="lost")
        sim.cloud.set_faults(hint_loss=0.0, hint_delay=0.3)
        late = sim.cloud.oob_create(sim.project, "keypairs", name="late")
        started = asyncio.get_running_loop().time()
        assert await next_hints(hints, 1) == [Hint(Kind.KEYPAIR, late["id"])]
        assert asyncio.get_running_loop().time() - started >= 0.25


async def test_an_outage_cuts_the_feed(sim: SimWorld):
    sim.cloud.set_faults(hints=True)
    async with sim.driver().hints() as hints:
        sim.cloud.set_faults(outage=True)
        with pytest.raises(Unavailable):
            await next_hints(hints, 1)

    async def no_subscriber() -> bool:
        return sim.cloud.notices.listeners() == 0

    await until(no_subscriber, within=1, what="the cut subscription leaving")
    with pytest.raises(Unavailable):
        async with sim.driver().hints():
            pass
