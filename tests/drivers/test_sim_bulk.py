"""Paging, bulk population, out-of-band changes, churn, determinism and scale of the sim cloud."""

from __future__ import annotations

import random

import pytest

from cloudgate.drivers.sim import Credentials, SimApiError
from cloudgate.model import CloudResource, Kind
from tests.drivers.simworld import SimWorld


def by_id(resources: list[CloudResource]) -> dict[str, CloudResource]:
    return {r.cloud_id: r for r in resources}


async def test_listings_page_through_in_creation_order(sim: SimWorld) -> None:
    sim.cloud.populate(sim.project, "sim-east", servers=95)
    credentials = Credentials(sim.access_key, sim.secret_key)
    pages, token = [], None
    while True:
        page, token = await sim.cloud.list_page(credentials, "servers", "sim-east", token)
        pages.append([item["id"] for item in page])
        if token is None:
            break
    assert [len(page) for page in pages] == [10] * 9 + [5]
    ids = [cloud_id for page in pages for cloud_id in page]
    assert ids == sorted(ids) and len(set(ids)) == 95
    assert [r.cloud_id for r in await sim.driver().list(Kind.INSTANCE)] == ids
    with pytest.raises(SimApiError) as raised:
        await sim.cloud.list_page(credentials, "servers", "sim-east", "garbage")
    assert raised.value.code == "InvalidParameter"


async def test_a_full_last_page_ends_the_listing(sim: SimWorld) -> None:
    sim.cloud.populate(sim.project, "sim-east", volumes=20)
    credentials = Credentials(sim.access_key, sim.secret_key)
    first, token = await sim.cloud.list_page(credentials, "volumes", "sim-east")
    second, token = await sim.cloud.list_page(credentials, "volumes", "sim-east", token)
    assert (len(first), len(second), token) == (10, 10, None)


async def test_paging_survives_deletions_between_pages(sim: SimWorld) -> None:
    sim.cloud.populate(sim.project, "sim-east", volumes=30)
    credentials = Credentials(sim.access_key, sim.secret_key)
    first, token = await sim.cloud.list_page(credentials, "volumes", "sim-east")
    listed_first = {item["id"] for item in first}
    remaining = sorted({r.cloud_id for r in await sim.driver().list(Kind.VOLUME)} - listed_first)
    doomed = {*remaining[::3], first[-1]["id"]}  # including the row the next page starts after
    for cloud_id in doomed:
        sim.cloud.oob_delete(sim.project, "volumes", cloud_id)
    rest = []
    while token is not None:
        page, token = await sim.cloud.list_page(credentials, "volumes", "sim-east", token)
        rest.extend(item["id"] for item in page)
    assert rest == [cloud_id for cloud_id in remaining if cloud_id not in doomed]


async def test_populate_makes_settled_resources_that_count_against_quotas(sim: SimWorld) -> None:
    sim.cloud.populate(
        sim.project, "sim-west", servers=6, volumes=4, snapshots=3, images=2, subnets=3, keypairs=2,
        security_groups=2,
    )
    driver = sim.driver(region="sim-west")
    servers = await driver.list(Kind.INSTANCE)
    assert {r.state for r in servers} == {"running"} and len(servers) == 6
    assert {r.attrs["datacenter"] for r in servers} == {"sim-west-a", "sim-west-b"}
    assert [r.state for r in await driver.list(Kind.VOLUME)] == ["available"] * 4
    volume_ids = {r.cloud_id for r in await driver.list(Kind.VOLUME)}
    assert {r.attrs["volume"] for r in await driver.list(Kind.SNAPSHOT)} <= volume_ids
    assert len([r for r in await driver.list(Kind.IMAGE) if not r.public]) == 2
    assert [r.attrs["cidr"] for r in await driver.list(Kind.SUBNET)] == ["10.1.0.0/24", "10.1.1.0/24", "10.1.2.0/24"]
    assert len(await driver.list(Kind.KEYPAIR)) == 2 and len(await driver.list(Kind.SECURITY_GROUP)) == 2
    assert await sim.driver(region="sim-east").list(Kind.INSTANCE) == []
    usage = sim.cloud.usage(sim.project)
    assert (usage["instances"], usage["volumes"], usage["volume_gb"], usage["snapshots"]) == (6, 4, 40, 3)
    with pytest.raises(ValueError):
        sim.cloud.populate(sim.project, "sim-east", snapshots=1)  # no volumes there to snapshot


async def test_out_of_band_changes_show_in_listings(sim: SimWorld) -> None:
    driver = sim.driver()
    created = sim.cloud.oob_create(sim.project, "servers", name="console-made", flavor_id="s1.tiny",
                                   image_id="img-000006", zone="sim-east-c")
    [seen] = await driver.list(Kind.INSTANCE)
    assert (seen.cloud_id, seen.name, seen.state) == (created["id"], "console-made", "pending")

    sim.cloud.oob_update(sim.project, "servers", created["id"], name="renamed", tags={"owner": "ops"},
                         status="ERROR")
    [seen] = await driver.list(Kind.INSTANCE)
    assert (seen.name, seen.tags, seen.state, seen.cloud_state) == ("renamed", {"owner": "ops"}, "error", "ERROR")
    sim.clock.advance(3600)
    assert (await driver.list(Kind.INSTANCE))[0].state == "error"  # ERROR has no timed way out

    sim.cloud.oob_update(sim.project, "servers", created["id"], status="POWERING_ON")
    sim.clock.advance(sim.cloud.delays.start)
    assert (await driver.list(Kind.INSTANCE))[0].state == "running"

    with pytest.raises(SimApiError):
        sim.cloud.oob_update(sim.project, "servers", created["id"], status="FLYING")
    sim.cloud.oob_delete(sim.project, "servers", created["id"])
    assert await driver.list(Kind.INSTANCE) == []
    assert sim.cloud.usage(sim.project)["instances"] == 0


async def test_images_registered_out_of_band_are_private_and_usable(sim: SimWorld) -> None:
    registered = sim.cloud.oob_create(sim.project, "images", name="appliance", os_type="bsd", min_disk=4)
    assert (registered["status"], registered["visibility"]) == ("SAVING", "private")
    sim.clock.advance(sim.cloud.delays.image)
    driver = sim.driver()
    [image] = [r for r in await driver.list(Kind.IMAGE) if not r.public]
    assert (image.state, image.attrs["os"], image.attrs["min_disk_gb"]) == ("available", "bsd", 4)
    spec = {"name": "vm", "flavor": "s1.tiny", "image": image.cloud_id, "datacenter": "sim-east-a"}
    assert (await driver.create(Kind.INSTANCE, spec)).attrs["image"] == image.cloud_id


async def test_deleting_an_attached_volume_out_of_band_frees_its_server(sim: SimWorld) -> None:
    server = sim.cloud.oob_create(sim.project, "servers", name="s", flavor_id="s1.tiny", image_id="img-000006",
                                  zone="sim-east-a")
    volume = sim.cloud.oob_create(sim.project, "volumes", name="v", size=5, zone="sim-east-a")
    sim.clock.advance(60)
    credentials = Credentials(sim.access_key, sim.secret_key)
    await sim.cloud.perform(credentials, "volumes", "sim-east", volume["id"], "attach", {"server_id": server["id"]})
    sim.cloud.oob_delete(sim.project, "volumes", volume["id"])
    [seen] = await sim.driver().list(Kind.INSTANCE)
    assert seen.cloud_attrs["volumes_attached"] == []


async def test_churn_changes_about_the_given_fraction(sim: SimWorld) -> None:
    sim.cloud.populate(sim.project, "sim-east", servers=600, volumes=300, snapshots=100)
    driver = sim.driver()
    kinds = (Kind.INSTANCE, Kind.VOLUME, Kind.SNAPSHOT)
    before = {kind: by_id(await driver.list(kind)) for kind in kinds}
    changed_count = sim.cloud.churn(sim.project, 0.01, random.Random(5))
    assert changed_count == 10
    after = {kind: by_id(await driver.list(kind)) for kind in kinds}
    changed = [
        (kind, cloud_id)
        for kind in kinds
        for cloud_id in before[kind].keys() | after[kind].keys()
        if before[kind].get(cloud_id, None) is None
        or after[kind].get(cloud_id) is None
        or before[kind][cloud_id].content_hash() != after[kind][cloud_id].content_hash()
    ]
    assert len(changed) == changed_count


async def test_the_same_seed_and_calls_give_the_same_cloud(make_sim) -> None:
    async def run(seed: int) -> list[tuple]:
        world = make_sim(seed=seed)
        driver = world.driver()
        await driver.create(Kind.KEYPAIR, {"name": "k"})
        await driver.create(Kind.SUBNET, {"name": "n"})
        world.cloud.populate(world.project, "sim-east", servers=50, volumes=20)
        world.clock.advance(60)
        world.cloud.churn(world.project, 0.2, random.Random(seed))
        return [
            (r.cloud_id, r.content_hash())
            for kind in (Kind.KEYPAIR, Kind.SUBNET, Kind.INSTANCE, Kind.VOLUME)
            for r in await driver.list(kind)
        ]

    first = await run(3)
    assert first == await run(3)
    assert first != await run(4)


async def test_a_quarter_million_resources_list_through_the_driver(sim: SimWorld) -> None:
    sim.cloud.page_size = 100
    sim.cloud.populate(sim.project, "sim-east", servers=150_000, volumes=75_000, snapshots=25_000)
    driver = sim.driver()
    counts = {kind: len(await driver.list(kind)) for kind in (Kind.INSTANCE, Kind.VOLUME, Kind.SNAPSHOT)}
    assert counts == {Kind.INSTANCE: 150_000, Kind.VOLUME: 75_000, Kind.SNAPSHOT: 25_000}
