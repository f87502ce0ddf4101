"""The sim driver: the conformance suite, then the sim cloud's own behaviour seen through the driver."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import pytest
from cryptography.hazmat.primitives import serialization

from cloudgate.drivers.base import AccountConfig, load_driver
from cloudgate.drivers.sim import Delays, SimApiError, SimClock, SimDriver
from cloudgate.drivers.sim.native import STATUSES
from cloudgate.drivers.sim.translate import COLLECTIONS, ERRORS, STATES, native_errors
from cloudgate.errors import CloudgateError, Conflict, InvalidRequest, NotFound, QuotaExceeded, Unavailable
from cloudgate.model import STATES as MODEL_STATES
from cloudgate.model import CloudResource, Kind
from tests.drivers.conformance import ConformanceBackend, DriverConformance, standard_create_specs
from tests.drivers.simworld import SimWorld

DELAYS = Delays()


class SimBackend(ConformanceBackend):
    def __init__(self, world: SimWorld):
        self.world = world
        self.create_specs = standard_create_specs(self)
        self.missing_ids = {
            Kind.INSTANCE: "srv-999999",
            Kind.VOLUME: "vol-999999",
            Kind.SNAPSHOT: "snap-999999",
            Kind.IMAGE: "img-999999",
            Kind.SUBNET: "subnet-999999",
            Kind.KEYPAIR: "key-999999",
            Kind.SECURITY_GROUP: "sg-999999",
        }

    def make_driver(self) -> SimDriver:
        return self.world.driver()

    def make_driver_bad_credentials(self) -> SimDriver:
        return self.world.driver(secret_key="wrong")

    async def settle(self) -> None:
        self.world.clock.advance(30)

    async def inject_listing_failure(self, driver: SimDriver) -> Kind:
        cloud = self.world.cloud
        cloud.populate(self.world.project, cloud.regions[0], volumes=3 * cloud.page_size)
        cloud.faults.fail_page(2)
        return Kind.VOLUME


class TestSimConformance(DriverConformance):
    @pytest.fixture
    def backend(self, sim: SimWorld) -> SimBackend:
        return SimBackend(sim)


# -- helpers ------------------------------------------------------------------------------


async def listed(driver: SimDriver, kind: Kind, cloud_id: str) -> CloudResource | None:
    return next((r for r in await driver.list(kind) if r.cloud_id == cloud_id), None)


async def new_instance(driver: SimDriver, zone: str = "sim-east-a", **spec: object) -> CloudResource:
    return await driver.create(
        Kind.INSTANCE, {"name": "vm", "flavor": "s1.small", "image": "img-000006", "datacenter": zone, **spec}
    )


async def new_volume(driver: SimDriver, zone: str = "sim-east-a", size: int = 10) -> CloudResource:
    return await driver.create(Kind.VOLUME, {"name": "disk", "size_gb": size, "datacenter": zone})


@pytest.fixture
def driver(sim: SimWorld) -> SimDriver:
    return sim.driver()


@pytest.fixture
def state_of(driver: SimDriver) -> Callable[[Kind, str], Awaitable[str | None]]:
    async def state(kind: Kind, cloud_id: str) -> str | None:
        resource = await listed(driver, kind, cloud_id)
        return resource.state if resource else None

    return state


# -- plumbing -----------------------------------------------------------------------------


def test_a_real_clock_follows_time_plus_its_advances() -> None:
    clock = SimClock.real()
    assert abs(clock.now() - time.time()) < 5
    clock.advance(3600)
    assert 3595 < clock.now() - time.time() < 3605
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_the_entry_point_loads_the_sim_driver() -> None:
    assert load_driver("sim") is SimDriver


async def test_an_unregistered_endpoint_is_unavailable(sim: SimWorld) -> None:
    driver = SimDriver(AccountConfig("sim", "sim://nowhere", None, {}))
    with pytest.raises(Unavailable):
        await driver.check_credentials()


@pytest.mark.parametrize("kind", [kind for kind in Kind if COLLECTIONS[kind] in STATUSES])
def test_every_native_status_maps_to_a_normalized_state(kind: Kind) -> None:
    assert STATES[kind].keys() == STATUSES[COLLECTIONS[kind]]
    assert set(STATES[kind].values()) <= MODEL_STATES[kind]


@pytest.mark.parametrize("code", sorted(ERRORS))
def test_native_error_codes_map_through_one_table(code: str) -> None:
    with pytest.raises(ERRORS[code]) as raised, native_errors():
        raise SimApiError(code, "boom", retry_after=3.0)
    assert raised.value.retry_after == 3.0 and raised.value.details == {"cloud_code": code}


def test_an_unknown_native_code_becomes_a_generic_error() -> None:
    with pytest.raises(CloudgateError) as raised, native_errors():
        raise SimApiError("Weird", "boom")
    assert type(raised.value) is CloudgateError


async def test_regions_are_separate_and_default_to_the_first(sim: SimWorld) -> None:
    east, west = sim.driver(), sim.driver(region="sim-west")
    instance = await new_instance(east)
    assert [r.cloud_id for r in await west.list(Kind.INSTANCE)] == []
    assert [r.cloud_id for r in await east.list(Kind.INSTANCE)] == [instance.cloud_id]
    datacenters = {r.cloud_id: r.attrs for r in await west.list(Kind.DATACENTER)}
    assert datacenters == {
        "sim-west": {"type": "region", "region": "sim-west", "parent": None},
        "sim-west-a": {"type": "zone", "region": "sim-west", "parent": "sim-west"},
        "sim-west-b": {"type": "zone", "region": "sim-west", "parent": "sim-west"},
    }
    with pytest.raises(InvalidRequest):
        await sim.driver(region="mars").list(Kind.INSTANCE)


async def test_accounts_see_public_images_but_not_each_others_resources(sim: SimWorld, driver: SimDriver) -> None:
    sim.cloud.add_account("AK-other", "SK-other", "other")
    credentials = {"access_key": "AK-other", "secret_key": "SK-other"}
    other = SimDriver(AccountConfig("sim", sim.cloud.endpoint, None, credentials))
    await new_instance(driver)
    assert await other.list(Kind.INSTANCE) == []
    public = [r for r in await other.list(Kind.IMAGE) if r.public]
    assert len(public) == 4 and all(r.attrs["visibility"] == "public" for r in public)
    assert (await other.check_credentials()).id == "other"
    with pytest.raises(NotFound):
        await other.destroy(Kind.IMAGE, public[0].cloud_id)


# -- timed transitions --------------------------------------------------------------------


async def test_an_instance_lives_by_the_clock(sim: SimWorld, driver: SimDriver, state_of) -> None:
    instance = await new_instance(driver)
    assert (instance.state, instance.cloud_state) == ("pending", "BUILD")
    sim.clock.advance(DELAYS.boot - 0.5)
    assert await state_of(Kind.INSTANCE, instance.cloud_id) == "pending"
    sim.clock.advance(0.5)
    assert await state_of(Kind.INSTANCE, instance.cloud_id) == "running"

    for action, during, delay, after in [
        ("stop", "stopping", DELAYS.stop, "stopped"),
        ("start", "pending", DELAYS.start, "running"),
        ("reboot", "rebooting", DELAYS.reboot, "running"),
    ]:
        await driver.action(Kind.INSTANCE, instance.cloud_id, action, {})
        assert await state_of(Kind.INSTANCE, instance.cloud_id) == during
        sim.clock.advance(delay)
        assert await state_of(Kind.INSTANCE, instance.cloud_id) == after

    with pytest.raises(Conflict):
        await driver.action(Kind.INSTANCE, instance.cloud_id, "start", {})
    await driver.destroy(Kind.INSTANCE, instance.cloud_id)
    assert await state_of(Kind.INSTANCE, instance.cloud_id) == "stopping"
    await driver.destroy(Kind.INSTANCE, instance.cloud_id)  # again, while on its way out: no error
    sim.clock.advance(DELAYS.terminate)
    assert await state_of(Kind.INSTANCE, instance.cloud_id) == "terminated"
    sim.clock.advance(DELAYS.linger - 0.5)
    assert await state_of(Kind.INSTANCE, instance.cloud_id) == "terminated"
    sim.clock.advance(0.5)
    assert await state_of(Kind.INSTANCE, instance.cloud_id) is None
    with pytest.raises(NotFound):
        await driver.destroy(Kind.INSTANCE, instance.cloud_id)


async def test_delays_are_configurable(make_sim) -> None:
    sim = make_sim()
    sim.cloud.delays.boot = 120.0
    instance = await new_instance(sim.driver())
    sim.clock.advance(DELAYS.boot)
    assert (await listed(sim.driver(), Kind.INSTANCE, instance.cloud_id)).state == "pending"
    sim.clock.advance(120.0 - DELAYS.boot)
    assert (await listed(sim.driver(), Kind.INSTANCE, instance.cloud_id)).state == "running"


async def test_one_long_jump_applies_chained_transitions_in_order(sim: SimWorld, driver: SimDriver, state_of) -> None:
    instance = await new_instance(driver)
    volume = await new_volume(driver)
    sim.clock.advance(60)
    await driver.action(Kind.VOLUME, volume.cloud_id, "attach", {"instance": instance.cloud_id})
    await driver.destroy(Kind.INSTANCE, instance.cloud_id)
    sim.clock.advance(3600)
    assert await state_of(Kind.INSTANCE, instance.cloud_id) is None
    released = await listed(driver, Kind.VOLUME, volume.cloud_id)
    assert (released.state, released.attrs["attached_to"]) == ("available", None)


# -- resource rules -----------------------------------------------------------------------


async def test_volumes_in_use_cannot_be_deleted_and_attach_within_their_zone(
    sim: SimWorld, driver: SimDriver, state_of
) -> None:
    instance = await new_instance(driver, zone="sim-east-a")
    elsewhere = await new_instance(driver, zone="sim-east-b")
    volume = await new_volume(driver, zone="sim-east-a")
    with pytest.raises(Conflict):  # still CREATING
        await driver.action(Kind.VOLUME, volume.cloud_id, "attach", {"instance": instance.cloud_id})
    sim.clock.advance(60)
    with pytest.raises(InvalidRequest):
        await driver.action(Kind.VOLUME, volume.cloud_id, "attach", {"instance": elsewhere.cloud_id})
    await driver.action(Kind.VOLUME, volume.cloud_id, "attach", {"instance": instance.cloud_id, "device": "/dev/vdc"})
    assert await state_of(Kind.VOLUME, volume.cloud_id) == "attaching"
    sim.clock.advance(DELAYS.attach)
    attached = await listed(driver, Kind.VOLUME, volume.cloud_id)
    assert (attached.state, attached.attrs["attached_to"], attached.attrs["device"]) == (
        "in_use", instance.cloud_id, "/dev/vdc")
    server = await listed(driver, Kind.INSTANCE, instance.cloud_id)
    assert server.cloud_attrs["volumes_attached"] == [volume.cloud_id]

    with pytest.raises(Conflict):
        await driver.destroy(Kind.VOLUME, volume.cloud_id)
    snapshot = await driver.create(Kind.SNAPSHOT, {"name": "while-in-use", "volume": volume.cloud_id})
    assert snapshot.attrs == {"volume": volume.cloud_id, "size_gb": 10}

    await driver.action(Kind.VOLUME, volume.cloud_id, "detach", {})
    assert await state_of(Kind.VOLUME, volume.cloud_id) == "detaching"
    sim.clock.advance(DELAYS.detach)
    assert await state_of(Kind.VOLUME, volume.cloud_id) == "available"
    assert (await listed(driver, Kind.INSTANCE, instance.cloud_id)).cloud_attrs["volumes_attached"] == []
    await driver.destroy(Kind.VOLUME, volume.cloud_id)
    assert await state_of(Kind.VOLUME, volume.cloud_id) == "deleting"
    sim.clock.advance(DELAYS.volume_delete)
    assert await state_of(Kind.VOLUME, volume.cloud_id) is None


async def test_volumes_only_grow(sim: SimWorld, driver: SimDriver) -> None:
    volume = await new_volume(driver, size=10)
    sim.clock.advance(60)
    with pytest.raises(InvalidRequest):
        await driver.edit(Kind.VOLUME, volume.cloud_id, {"size_gb": 5})
    await driver.edit(Kind.VOLUME, volume.cloud_id, {"size_gb": 25, "name": "bigger"})
    grown = await listed(driver, Kind.VOLUME, volume.cloud_id)
    assert (grown.name, grown.attrs["size_gb"]) == ("bigger", 25)
    assert sim.cloud.usage(sim.project)["volume_gb"] == 25


async def test_volumes_from_snapshots_are_at_least_as_big(sim: SimWorld, driver: SimDriver) -> None:
    volume = await new_volume(driver, size=10)
    sim.clock.advance(60)
    snapshot = await driver.create(Kind.SNAPSHOT, {"name": "s", "volume": volume.cloud_id})
    spec = {"name": "copy", "datacenter": "sim-east-b", "snapshot": snapshot.cloud_id}
    with pytest.raises(Conflict):  # the snapshot is not ready yet
        await driver.create(Kind.VOLUME, {**spec, "size_gb": 10})
    sim.clock.advance(DELAYS.snapshot)
    with pytest.raises(InvalidRequest):
        await driver.create(Kind.VOLUME, {**spec, "size_gb": 5})
    copy = await driver.create(Kind.VOLUME, {**spec, "size_gb": 10})
    assert copy.cloud_attrs["snapshot_id"] == snapshot.cloud_id


async def test_subnets_get_free_cidrs(sim: SimWorld, driver: SimDriver) -> None:
    async def subnet(**spec: object) -> CloudResource:
        return await driver.create(Kind.SUBNET, {"name": "net", **spec})

    first, second = await subnet(), await subnet()
    assert (first.attrs["cidr"], second.attrs["cidr"]) == ("10.0.0.0/24", "10.0.1.0/24")
    with pytest.raises(Conflict):
        await subnet(cidr="10.0.1.128/25")
    with pytest.raises(Conflict):
        await subnet(cidr="10.0.0.0/16")
    for bad in ("10.0.9.1/24", "8.8.8.0/24", "10.0.0.0/8", "not-a-cidr", "fd00::/64"):
        with pytest.raises(InvalidRequest):
            await subnet(cidr=bad)
    assert (await subnet(cidr="10.0.2.0/23")).attrs["cidr"] == "10.0.2.0/23"
    assert (await subnet()).attrs["cidr"] == "10.0.4.0/24"
    assert (await sim.driver(region="sim-west").create(Kind.SUBNET, {"name": "w"})).attrs["cidr"] == "10.1.0.0/24"

    sim.clock.advance(60)
    await driver.destroy(Kind.SUBNET, first.cloud_id)
    assert (await subnet()).attrs["cidr"] == "10.0.0.0/24"


async def test_instances_take_addresses_from_their_subnet_which_stays_in_use(sim: SimWorld, driver: SimDriver) -> None:
    subnet = await driver.create(Kind.SUBNET, {"name": "net", "cidr": "192.168.7.0/28", "datacenter": "sim-east-b"})
    with pytest.raises(Conflict):  # still BUILD
        await new_instance(driver, zone="sim-east-b", subnet=subnet.cloud_id)
    sim.clock.advance(60)
    with pytest.raises(InvalidRequest):
        await new_instance(driver, zone="sim-east-a", subnet=subnet.cloud_id)
    a = await new_instance(driver, zone="sim-east-b", subnet=subnet.cloud_id)
    b = await new_instance(driver, zone="sim-east-b", subnet=subnet.cloud_id)
    assert (a.attrs["addresses"], b.attrs["addresses"]) == (["192.168.7.5"], ["192.168.7.6"])
    assert a.attrs["subnet"] == subnet.cloud_id
    with pytest.raises(Conflict):
        await driver.destroy(Kind.SUBNET, subnet.cloud_id)
    for instance in (a, b):
        await driver.destroy(Kind.INSTANCE, instance.cloud_id)
    sim.clock.advance(DELAYS.terminate)
    await driver.destroy(Kind.SUBNET, subnet.cloud_id)
    assert await listed(driver, Kind.SUBNET, subnet.cloud_id) is None


async def test_quotas_are_per_account(make_sim) -> None:
    sim = make_sim(quotas={"instances": 2, "cores": 3, "volume_gb": 30})
    driver = sim.driver()
    await new_instance(driver, flavor="s1.medium")  # 2 cores
    with pytest.raises(QuotaExceeded):
        await new_instance(driver, flavor="s1.medium")
    tiny = await new_instance(driver, flavor="s1.tiny")
    with pytest.raises(QuotaExceeded):
        await new_instance(driver, flavor="s1.tiny")
    volume = await new_volume(driver, size=20)
    with pytest.raises(QuotaExceeded):
        await new_volume(driver, size=11)
    sim.clock.advance(60)
    with pytest.raises(QuotaExceeded):
        await driver.edit(Kind.VOLUME, volume.cloud_id, {"size_gb": 31})
    await driver.destroy(Kind.INSTANCE, tiny.cloud_id)
    sim.clock.advance(DELAYS.terminate + DELAYS.linger)
    await new_instance(driver, flavor="s1.tiny")  # the terminated one no longer counts


async def test_an_image_too_big_for_the_flavor_is_refused(driver: SimDriver) -> None:
    with pytest.raises(InvalidRequest):
        await new_instance(driver, flavor="s1.small", image="img-000009")  # windows needs 40 GB
    with pytest.raises(InvalidRequest):
        await new_instance(driver, flavor="s1.nope")


async def test_images_are_made_from_settled_instances(sim: SimWorld, driver: SimDriver) -> None:
    instance = await new_instance(driver, flavor="s1.medium", image="img-000008")
    with pytest.raises(Conflict):
        await driver.create(Kind.IMAGE, {"name": "golden", "instance": instance.cloud_id})
    sim.clock.advance(DELAYS.boot)
    image = await driver.create(Kind.IMAGE, {"name": "golden", "instance": instance.cloud_id, "tags": {"tier": "web"}})
    assert (image.state, image.public, image.tags) == ("pending", False, {"tier": "web"})
    assert image.attrs == {"os": "linux", "min_disk_gb": 40, "visibility": "private"}
    sim.clock.advance(DELAYS.image)
    assert (await listed(driver, Kind.IMAGE, image.cloud_id)).state == "available"
    await new_instance(driver, flavor="s1.medium", image=image.cloud_id)
    await driver.destroy(Kind.IMAGE, image.cloud_id)
    assert (await listed(driver, Kind.IMAGE, image.cloud_id)).state == "deleting"


async def test_a_generated_keypair_hands_out_its_private_key_once(driver: SimDriver) -> None:
    created = await driver.create(Kind.KEYPAIR, {"name": "mine"})
    private = serialization.load_ssh_private_key(created.attrs["private_key"].encode(), password=None)
    public = private.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    assert created.attrs["public_key"] == public.decode()
    assert created.attrs["fingerprint"].startswith("SHA256:")
    assert "private_key" not in created.cloud_attrs
    again = await listed(driver, Kind.KEYPAIR, created.cloud_id)
    assert "private_key" not in again.attrs and again.attrs["fingerprint"] == created.attrs["fingerprint"]
    with pytest.raises(Conflict):
        await driver.create(Kind.KEYPAIR, {"name": "mine"})


async def test_an_imported_keypair_keeps_its_public_key(driver: SimDriver) -> None:
    # Made with ssh-keygen -t ed25519; `ssh-keygen -lf` prints the fingerprint below.
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHlI/FKGGioIzpqDG4rb7cjgeGxfbKvFbNiwjnj3qZk3"
    imported = await driver.create(Kind.KEYPAIR, {"name": "laptop", "public_key": f"{key} me@laptop"})
    assert imported.attrs["public_key"] == key
    assert imported.attrs["fingerprint"] == "SHA256:S0+saw9ddz0i4F8PPsOdjnQn44T922WwMBl9D38yoBo"
    assert "private_key" not in imported.attrs
    with pytest.raises(InvalidRequest):
        await driver.create(Kind.KEYPAIR, {"name": "junk", "public_key": "ssh-ed25519 bm90IGEga2V5"})


async def test_security_group_rules_round_trip_and_are_checked(driver: SimDriver) -> None:
    ssh = {"direction": "ingress", "protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "10.0.0.0/8"}
    ping = {"direction": "egress", "protocol": "icmp", "from_port": None, "to_port": None, "cidr": "0.0.0.0/0"}
    group = await driver.create(Kind.SECURITY_GROUP, {"name": "web", "description": "front", "rules": [ssh]})
    assert group.attrs == {"description": "front", "rules": [ssh]}
    assert group.cloud_attrs["rules"][0]["direction"] == "in"
    await driver.edit(Kind.SECURITY_GROUP, group.cloud_id, {"rules": [ssh, ping]})
    assert (await listed(driver, Kind.SECURITY_GROUP, group.cloud_id)).attrs["rules"] == [ssh, ping]
    for bad in (
        {**ssh, "protocol": "gre"},
        {**ssh, "direction": "sideways"},
        {**ssh, "from_port": 80, "to_port": 22},
        {**ssh, "cidr": "10.0.0.1/8"},
        {**ssh, "colour": "red"},
    ):
        with pytest.raises(InvalidRequest):
            await driver.edit(Kind.SECURITY_GROUP, group.cloud_id, {"rules": [bad]})
    instance = await new_instance(driver, security_groups=[group.cloud_id])
    assert instance.attrs["security_groups"] == [group.cloud_id]
    with pytest.raises(Conflict):
        await driver.destroy(Kind.SECURITY_GROUP, group.cloud_id)


async def test_unknown_create_fields_are_invalid(driver: SimDriver) -> None:
    with pytest.raises(InvalidRequest):
        await driver.create(Kind.SUBNET, {"name": "net", "colour": "red"})
    with pytest.raises(InvalidRequest):
        await driver.action(Kind.VOLUME, "vol-000001", "attach", {"server": "srv-000001"})
