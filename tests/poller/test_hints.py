"""Change hints: changes made behind the gateway's back reach the event feed within seconds while every kind
is polled hourly; hints are read, never trusted to delete, coalesced, and a broken feed comes back."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from cloudgate.drivers.sim import SimDriver
from cloudgate.errors import Unavailable
from cloudgate.model import Kind
from cloudgate.poller.scheduler import PollResult
from tests.conftest import SimWorld, until
from tests.poller.conftest import OpenHinted, first_event

SOON = 2.0  # what hints promise: an out-of-band change is an event within this many seconds


def server_spec(world: SimWorld, name: str) -> dict[str, Any]:
    image = next(iter(world.cloud.catalog.public_images.rows.values())).id
    return {"name": name, "flavor_id": "s1.tiny", "image_id": image, "zone": "sim-east-a"}


async def event_about(world: SimWorld, cloud_id: str, type_: str, within: float = SOON, **resource: Any) -> Any:
    return await first_event(world.events, cloud_id, type_, within=within, **resource)


async def listened(world: SimWorld) -> str:
    """Register p1 and wait until the first poll of every kind is done and its hint feed connected (a first
    poll still under way when a test then breaks the cloud would fail and count against the account's health);
    its account id."""
    account = await world.account()

    async def ready() -> bool:
        view = await world.gateway.core.accounts.get(world.admin, account)
        polled = {poll["kind"] for poll in view.polls if poll["failures"] == 0}
        return {"hints", *(kind.value for kind in SimDriver.capabilities.kinds)} <= polled

    await until(ready, within=5, what="the first instance poll and the hint feed")
    return account


@pytest.fixture
def driver_calls(monkeypatch) -> Counter:
    """Counts of SimDriver.get and SimDriver.list calls (by kind) from now on."""
    calls: Counter = Counter()
    get, list_ = SimDriver.get, SimDriver.list

    async def counted_get(self, kind, cloud_id):
        calls["get", kind] += 1
        return await get(self, kind, cloud_id)

    async def counted_list(self, kind):
        calls["list", kind] += 1
        return await list_(self, kind)

    monkeypatch.setattr(SimDriver, "get", counted_get)
    monkeypatch.setattr(SimDriver, "list", counted_list)
    return calls


async def test_out_of_band_changes_are_events_within_seconds(open_hinted: OpenHinted):
    world = await open_hinted()
    await listened(world)

    made = world.cloud.oob_create("p1", "servers", **server_spec(world, "behind"))
    await event_about(world, made["id"], "created", name="behind")
    await event_about(world, made["id"], "updated", state="running")  # BUILD → ACTIVE, when the boot is over
    world.cloud.oob_update("p1", "servers", made["id"], name="renamed")
    await event_about(world, made["id"], "updated", name="renamed")
    world.cloud.oob_delete("p1", "servers", made["id"])
    await event_about(world, made["id"], "deleted")


async def test_a_lost_hint_is_caught_by_the_next_poll(open_hinted: OpenHinted, driver_calls: Counter):
    world = await open_hinted(
        faults={"hint_loss": 1.0}, poll_intervals={Kind.INSTANCE.value: 0.5}, hinted_poll_interval_factor=2.0
    )
    await listened(world)

    made = world.cloud.oob_create("p1", "servers", **server_spec(world, "unheard"))

    await event_about(world, made["id"], "created", within=5)  # the next poll: within 1 s, listing included
    assert driver_calls["get", Kind.INSTANCE] == 0  # no hint came: the poll found it


async def test_a_hint_never_deletes_by_itself(open_hinted: OpenHinted, driver_calls: Counter):
    world = await open_hinted()
    await listened(world)
    made = world.cloud.oob_create("p1", "servers", **server_spec(world, "kept"))
    await event_about(world, made["id"], "created")
    world.cloud.faults.error_rate = 1.0  # every read fails, as on a bad day
    reads = driver_calls["get", Kind.INSTANCE]

    world.cloud.oob_update("p1", "servers", made["id"], name="unreadable")

    async def read_again() -> bool:
        return driver_calls["get", Kind.INSTANCE] > reads

    await until(read_again, within=SOON, what="a read after the hint")
    stored = {record.cloud_id: record for record in await world.stored()}
    assert made["id"] in stored and stored[made["id"]].name == "kept"
    assert not [event for event in await world.events() if event.type == "deleted"]
    world.cloud.faults.error_rate = 0.0
    world.cloud.oob_update("p1", "servers", made["id"], name="readable")
    await event_about(world, made["id"], "updated", name="readable")


async def test_a_burst_of_hints_is_a_few_reads(open_hinted: OpenHinted, driver_calls: Counter):
    world = await open_hinted(hint_window_seconds=0.1)
    account = await listened(world)
    one = world.cloud.oob_create("p1", "servers", **server_spec(world, "one"))
    many = [world.cloud.oob_create("p1", "keypairs", name=f"key-{n}") for n in range(40)]
    for rename in range(100):  # a hundred hints about one server
        world.cloud.oob_update("p1", "servers", one["id"], name=f"one-{rename}")

    await event_about(world, one["id"], "updated", name="one-99")
    await event_about(world, many[-1]["id"], "created")
    servers = {record.cloud_id for record in await world.stored(account) if record.kind == Kind.KEYPAIR}
    assert {made["id"] for made in many} <= servers
    assert driver_calls["get", Kind.INSTANCE] <= 5, driver_calls  # 102 hints (create, BUILD, 100 renames)
    # 40 keys in one window: past hint_resources_per_kind, one listing instead of 40 reads
    assert driver_calls["get", Kind.KEYPAIR] + driver_calls["list", Kind.KEYPAIR] <= 20, driver_calls


async def test_a_hint_about_another_projects_resource_is_ignored(open_hinted: OpenHinted, driver_calls: Counter):
    world = await open_hinted()
    account = await listened(world)
    world.cloud.add_account("p2-key", "p2-secret", "p2")
    theirs = world.cloud.oob_create("p2", "servers", **server_spec(world, "theirs"))
    world.cloud.notices.changed("p1", "servers", theirs["id"])  # misrouted: p1's feed names p2's server

    async def read() -> bool:
        return driver_calls["get", Kind.INSTANCE] > 0

    await until(read, within=SOON, what="the misrouted hint's read")
    mine = world.cloud.oob_create("p1", "servers", **server_spec(world, "mine"))
    await event_about(world, mine["id"], "created")  # later than the misrouted one: it was dealt with
    assert theirs["id"] not in {record.cloud_id for record in await world.stored(account)}
    assert not [event for event in await world.events() if event.resource.get("cloud_id") == theirs["id"]]


async def test_a_broken_feed_shows_in_health_and_reconnects(open_hinted: OpenHinted):
    world = await open_hinted()
    account = await listened(world)
    poller = world.gateway.poller
    assert poller.hinted(account, Kind.INSTANCE)

    async def feed() -> dict[str, Any]:
        view = await world.gateway.core.accounts.get(world.admin, account)
        return next(poll for poll in view.polls if poll["kind"] == "hints")

    world.cloud.set_faults(outage=True)  # the connection drops, and connecting again fails meanwhile

    async def broken() -> bool:
        return (await feed())["failures"] >= 2

    await until(broken, within=SOON, what="the feed's failures showing")
    assert (await feed())["last_error"]["code"] == Unavailable.code
    assert not poller.hinted(account, Kind.INSTANCE)  # polled at the normal pace meanwhile
    view = await world.gateway.core.accounts.get(world.admin, account)
    assert view.row.health == "ok"  # the breaker counts listings, not the feed

    world.cloud.set_faults(outage=False)

    async def healed() -> bool:
        return (await feed())["failures"] == 0

    await until(healed, within=SOON, what="the feed reconnecting")
    made = world.cloud.oob_create("p1", "servers", **server_spec(world, "after"))
    await event_about(world, made["id"], "created")


async def test_hinted_kinds_are_polled_less_often(open_hinted: OpenHinted):
    world = await open_hinted(poll_intervals={Kind.INSTANCE.value: 30.0, Kind.FLAVOR.value: 30.0})
    account = await listened(world)
    poller = world.gateway.poller

    assert (
        poller.delay_after(PollResult(account, Kind.INSTANCE))
        == 30.0 * world.gateway.settings.hinted_poll_interval_factor
    )
    assert poller.delay_after(PollResult(account, Kind.FLAVOR)) == 30.0  # the sim sends no hints of flavors


async def test_a_gateway_create_is_filed_once(open_hinted: OpenHinted, monkeypatch):
    world = await open_hinted(hint_window_seconds=0.0)
    account = await listened(world)
    create = SimDriver.create

    async def slow_answer(self, kind, spec):  # the cloud made it, and hinted it, before its answer arrives
        made = await create(self, kind, spec)
        await asyncio.sleep(0.3)  # the answer's time on the wire
        return made

    monkeypatch.setattr(SimDriver, "create", slow_answer)
    await world.poll_all(account)
    spec = await world.instance_spec(account, "ours")

    record, _operation = await world.gateway.core.operations.create(world.admin, Kind.INSTANCE, spec)

    async def running() -> bool:
        stored = await world.gateway.core.resources.get(world.admin, record.id)
        return stored.state == "running"

    await until(running, within=5, what="the created instance running")
    ours = [r for r in await world.stored(account) if r.kind == Kind.INSTANCE]
    assert [r.id for r in ours] == [record.id]  # the hint of the new server found the placeholder, by its alias
    created = [e for e in await world.events() if e.type == "created" and e.resource["kind"] == "instance"]
    assert [e.resource_id for e in created] == [record.id]
