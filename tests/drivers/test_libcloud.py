"""The libcloud adapter: the conformance suite on libcloud's dummy provider, then a real provider on recordings."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from libcloud.compute.drivers.dummy import DummyNodeDriver

from cloudgate.drivers.base import AccountConfig, Driver
from cloudgate.drivers.libcloud import libcloud_driver
from cloudgate.drivers.libcloud.tables import NODE_STATES, SNAPSHOT_STATES, VOLUME_STATES
from cloudgate.errors import CloudAuthFailed, InvalidRequest, NotFound, Unsupported
from cloudgate.model import STATES as MODEL_STATES
from cloudgate.model import Kind
from tests.drivers.conformance import ConformanceBackend, DriverConformance, unique_name
from tests.services.replay import (
    CLOUDSTACK_KEYS,
    ReplayServer,
    cloudstack_signature,
    load_recording,
    replay_server,  # noqa: F401 - the shared session fixture
)

Dummy = libcloud_driver("dummy")
CloudStack = libcloud_driver("cloudstack")
API_KEY, SECRET = next(iter(CLOUDSTACK_KEYS.items()))


def dummy(key: str = "dummy") -> Driver:
    return Dummy(AccountConfig("libcloud:dummy", "", None, {"key": key}))


def cloudstack(server: ReplayServer, secret: str = SECRET) -> Driver:
    credentials = {"key": API_KEY, "secret": secret}
    return CloudStack(AccountConfig("libcloud:cloudstack", f"{server.url}/cloudstack/default", None, credentials))


# -- the conformance suite on the dummy provider ----------------------------------------------


class DummyBackend(ConformanceBackend):
    missing_ids = {Kind.INSTANCE: "999"}
    settle_rounds = 1

    def __init__(self) -> None:
        self.create_specs = {Kind.INSTANCE: self._instance}

    @staticmethod
    async def _instance(driver: Driver) -> dict[str, Any]:
        [flavor, *_] = await driver.list(Kind.FLAVOR)
        [image, *_] = await driver.list(Kind.IMAGE)
        return {"name": unique_name(Kind.INSTANCE), "flavor": flavor.cloud_id, "image": image.cloud_id}

    def make_driver(self) -> Driver:
        return dummy()

    def make_driver_bad_credentials(self) -> Driver:
        raise NotImplementedError("the dummy provider takes any credentials")

    async def settle(self) -> None:
        """The dummy provider changes at once."""


class TestLibcloudDummyConformance(DriverConformance):
    @pytest.fixture
    def backend(self) -> DummyBackend:
        return DummyBackend()

    @pytest.mark.skip(reason="the dummy provider takes any credentials; refusal is checked on the replayed provider")
    def test_bad_credentials_are_refused(self) -> None: ...

    @pytest.mark.skip(reason="the dummy provider names its nodes itself (dummy-N), whatever name is asked for")
    def test_create_then_destroy(self) -> None: ...

    @pytest.mark.skip(reason="the dummy provider's nodes never come back from a reboot (its documented behaviour)")
    def test_action(self) -> None: ...


# -- the adapter ------------------------------------------------------------------------------


def test_capabilities_are_read_off_the_provider_class() -> None:
    assert Dummy.cloud_type == "libcloud:dummy"
    assert Dummy.capabilities.kinds == {Kind.INSTANCE, Kind.IMAGE, Kind.FLAVOR, Kind.DATACENTER}
    assert (Dummy.capabilities.create, Dummy.capabilities.destroy) == ({Kind.INSTANCE}, {Kind.INSTANCE})
    assert Dummy.capabilities.actions == {Kind.INSTANCE: {"reboot"}}  # no start_node or stop_node
    # CloudStack's libcloud driver lists key pairs and volumes, but snapshots only its own way.
    assert {Kind.KEYPAIR, Kind.VOLUME} <= CloudStack.capabilities.kinds and Kind.SNAPSHOT not in CloudStack.capabilities.kinds
    assert CloudStack.capabilities.actions[Kind.VOLUME] == {"attach", "detach"}
    assert libcloud_driver("dummy") is Dummy  # made once per provider


def test_an_unknown_provider_is_unsupported() -> None:
    with pytest.raises(Unsupported):
        libcloud_driver("no-such-cloud")


@pytest.mark.parametrize("table", [NODE_STATES, VOLUME_STATES, SNAPSHOT_STATES], ids=["node", "volume", "snapshot"])
def test_every_libcloud_state_maps_to_a_model_state(table: dict[str, str]) -> None:
    assert set(table.values()) <= MODEL_STATES[Kind.INSTANCE] | MODEL_STATES[Kind.VOLUME] | MODEL_STATES[Kind.SNAPSHOT]


async def test_dummy_listings_field_by_field() -> None:
    driver = dummy()
    native = DummyNodeDriver("dummy")
    nodes = await driver.list(Kind.INSTANCE)
    assert [(n.cloud_id, n.name, n.state, n.attrs["addresses"]) for n in nodes] == [
        (str(n.id), n.name, "running", n.public_ips) for n in native.list_nodes()]
    sizes = await driver.list(Kind.FLAVOR)
    assert [(s.cloud_id, s.name, s.attrs) for s in sizes] == [
        (str(s.id), s.name, {"vcpus": None, "ram_mb": s.ram, "disk_gb": s.disk}) for s in native.list_sizes()]
    locations = await driver.list(Kind.DATACENTER)
    assert [(r.name, r.cloud_attrs["country"]) for r in locations] == [(l.name, l.country) for l in native.list_locations()]
    await driver.close()


async def test_each_account_has_its_own_provider_object_used_from_one_thread() -> None:
    first, second = dummy(), dummy()
    spec = {"name": "n", "flavor": "1", "image": "1"}
    created = await first.create(Kind.INSTANCE, spec)
    assert created.cloud_id in {r.cloud_id for r in await first.list(Kind.INSTANCE)}
    assert created.cloud_id not in {r.cloud_id for r in await second.list(Kind.INSTANCE)}
    threads = set()

    def record() -> None:
        threads.add(threading.get_ident())

    for _ in range(4):
        await first._run(record)
    assert len(threads) == 1 and threading.get_ident() not in threads
    with pytest.raises(InvalidRequest):
        await first.create(Kind.INSTANCE, {**spec, "flavor": "no-such-size"})
    with pytest.raises(InvalidRequest):
        await first.create(Kind.INSTANCE, {**spec, "colour": "red"})
    with pytest.raises(NotFound):
        await first.action(Kind.INSTANCE, "no-such-node", "reboot", {})
    await first.close()
    await second.close()


async def test_a_provider_without_http_reports_the_local_clock() -> None:
    driver = dummy()
    assert abs((await driver.server_time()) - datetime.now(UTC)) < timedelta(seconds=5)
    await driver.close()


# -- a real provider (CloudStack) on recorded responses ----------------------------------------


async def test_libclouds_cloudstack_driver_on_the_recordings(replay_server: ReplayServer) -> None:
    driver = cloudstack(replay_server)
    mark = replay_server.mark()
    nodes = {n.cloud_id: n for n in await driver.list(Kind.INSTANCE)}
    machines = load_recording("cloudstack", "listVirtualMachines_default")["listvirtualmachinesresponse"]["virtualmachine"]
    assert list(nodes) == [str(m["id"]) for m in machines]
    # libcloud's own CloudStack state map reads "Starting" as rebooting; the adapter keeps libcloud's reading.
    assert (nodes["2600"].name, nodes["2600"].state, nodes["2601"].state) == ("test", "running", "rebooting")
    assert "1.1.1.116" in nodes["2600"].attrs["addresses"]
    sent = replay_server.requests(mark)
    assert [r["params"]["command"] for r in sent][:2] == ["listVirtualMachines", "listPublicIpAddresses"]
    for request in sent:  # libcloud signs on its own; the replay server checked it as CloudStack would
        assert request["status"] == 200
        assert request["params"]["signature"] == cloudstack_signature(request["params"], SECRET)

    [zone] = await driver.list(Kind.DATACENTER)
    assert (zone.cloud_id, zone.name) == ("1", "Sydney")
    created = await driver.create(Kind.INSTANCE, {"name": "fred", "flavor": "105", "image": "576"})
    assert (created.cloud_id, created.name, created.state) == ("2602", "fred", "running")
    assert {"jobid": "17164", "command": "queryAsyncJobResult"}.items() <= replay_server.requests(mark)[-1]["params"].items()
    await driver.close()


async def test_libcloud_errors_become_cloudgate_errors(replay_server: ReplayServer) -> None:
    driver = cloudstack(replay_server, secret="wrong")
    with pytest.raises(CloudAuthFailed):
        await driver.check_credentials()
    await driver.close()
