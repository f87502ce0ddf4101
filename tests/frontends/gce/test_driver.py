"""The project's GCE driver against cloudgate's own GCE front-end over the quick sim (gateway → driver →
front-end → sim): the driver conformance suite on a Compute Engine that keeps what it is given, and the
shapes the driver reads checked against the libcloud recordings of the real Compute Engine API and against
the front-end's own answers to the driver."""

from __future__ import annotations

import asyncio
import functools
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cloudgate.drivers.base import AccountConfig
from cloudgate.drivers.gce import GceDriver
from cloudgate.drivers.sim.catalog import FLAVORS, PUBLIC_IMAGES
from cloudgate.errors import InvalidRequest, NotFound
from cloudgate.model import Kind
from tests.drivers.conformance import (
    ConformanceBackend,
    DriverConformance,
    create_live,
    pick_zone,
    standard_create_specs,
    unique_name,
)
from tests.frontends.conftest import ReopeningGateway, quick_cloud, serving
from tests.frontends.gce.conftest import GceWorld, gce_world
from tests.services.replay import OWN_RECORDINGS, libcloud_recordings

SETTLE_SECONDS = 0.1  # the pace of re-listing while the sim's quick transitions run
IMAGE_PROJECTS = ["cloudgate-public"]  # the front-end's public image project showing every public image
# Pages of two: every listing of more than two resources is followed page by page.
DRIVER_OPTIONS = {"image_projects": IMAGE_PROJECTS, "page_size": 2, "request_timeout": 10, "operation_timeout": 30}
API = "/compute/v1/"
RULE = {"direction": "ingress", "protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "10.0.0.0/8"}
_blocks = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Answered:
    method: str  # HTTP
    path: str  # under /compute/v1/
    status: int
    body: Any  # the JSON answer (None for none)


class Journal:
    """Every request the GCE front-end answers, with its JSON answer: what the driver read. It only watches."""

    def __init__(self) -> None:
        self.app: ASGIApp | None = None
        self.entries: list[Answered] = []

    def watching(self, app: ASGIApp) -> ASGIApp:
        self.app = app
        return self

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None, "watching nothing"
        if scope["type"] != "http" or not scope["path"].startswith(API):
            await self.app(scope, receive, send)
            return
        body, status = bytearray(), [0]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            if message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, sending)
        answered = Answered(
            scope["method"], scope["path"].removeprefix(API), status[0], orjson.loads(body) if body else None
        )
        self.entries.append(answered)


@dataclass
class FrontEndWorld:
    gce: GceWorld
    source: ReopeningGateway
    journal: Journal


@pytest.fixture(scope="module")
async def frontend(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[FrontEndWorld]:
    """One gateway for the module, its front-ends over the reopening core source, watched by the journal."""
    source, journal = ReopeningGateway(), Journal()
    with quick_cloud() as cloud:
        data_dir = Path(tmp_path_factory.mktemp("gce-driver"))
        async with serving(data_dir, lambda gateway: journal.watching(source.front_ends(gateway))) as served:
            yield FrontEndWorld(await gce_world(served, cloud), source, journal)


# -- the conformance suite ------------------------------------------------------------------


class FrontEndBackend(ConformanceBackend):
    """The gateway's /compute/v1 over the quick sim: what the driver makes shows in later listings."""

    settle_rounds = 100  # 10 s at SETTLE_SECONDS

    def __init__(self, world: FrontEndWorld):
        self.world = world
        self.create_specs = {**standard_create_specs(self), Kind.SUBNET: self.subnetwork_spec,
                             Kind.SECURITY_GROUP: self.firewall_spec}  # fmt: skip
        self.missing_ids = {
            Kind.INSTANCE: "zones/no-such-zone/instances/no-such-instance",
            Kind.VOLUME: "zones/no-such-zone/disks/no-such-disk",
            Kind.SNAPSHOT: "global/snapshots/no-such-snapshot",
            Kind.IMAGE: "global/images/no-such-image",
            Kind.SUBNET: "regions/no-such-region/subnetworks/no-such-subnetwork",
            Kind.KEYPAIR: "nobody:SHA256:none",
            Kind.SECURITY_GROUP: "global/firewalls/no-such-firewall",
        }

    async def subnetwork_spec(self, driver: GceDriver) -> dict[str, Any]:
        """A subnetwork of the project's one network, in the region of the first zone, on a block of its own."""
        first = await pick_zone(driver)
        zone = next(dc for dc in await driver.list(Kind.DATACENTER) if dc.cloud_id == first)
        return {"name": unique_name(Kind.SUBNET), "cidr": f"10.{next(_blocks)}.0.0/24",
                "datacenter": zone.attrs["region"], "network": "global/networks/default"}  # fmt: skip

    async def firewall_spec(self, driver: GceDriver) -> dict[str, Any]:
        return {"name": unique_name(Kind.SECURITY_GROUP), "rules": [RULE]}

    def _driver(self, token: str) -> GceDriver:
        credentials = {"access_token": token, "project": self.world.gce.project}
        return GceDriver(AccountConfig("gce", self.world.gce.endpoint, None, credentials, DRIVER_OPTIONS))

    def make_driver(self) -> GceDriver:
        return self._driver(self.world.gce.token)

    def make_driver_bad_credentials(self) -> GceDriver:
        return self._driver("not-a-gateway-token")

    async def settle(self) -> None:
        await asyncio.sleep(SETTLE_SECONDS)

    async def inject_listing_failure(self, driver: GceDriver) -> Kind:
        # Several machine types, two a page: the gateway closes once the first page is answered.
        self.world.source.close_after(answered=1)
        return Kind.FLAVOR


@pytest.fixture
def backend(frontend: FrontEndWorld) -> FrontEndBackend:
    return FrontEndBackend(frontend)


class TestGceFrontEndConformance(DriverConformance):
    @pytest.fixture
    def backend(self, backend: FrontEndBackend) -> FrontEndBackend:
        return backend


@pytest.fixture
async def driver(backend: FrontEndBackend) -> AsyncIterator[GceDriver]:
    driver = backend.make_driver()
    yield driver
    await driver.close()


# -- the shapes the driver reads ------------------------------------------------------------

LABELS = ("labels",)

# What the driver reads of each resource Compute Engine answers with, by its `kind` (translate.py's
# STATE_FIELDS, ATTRS, region_of and labels; driver.py's project and detach; api.py's wait); `[]` steps
# into every item of a list, `{}` into every value of a map. Read, but shown by neither the recordings nor
# the front-end, so left out: a subnetwork's `state` (the discovery document says it is for the subnetworks
# of internal HTTPS load balancers; the driver reads none as available).
OBJECT_READS: dict[str, tuple[str, ...]] = {
    "project": ("name", "id", "commonInstanceMetadata.fingerprint", "commonInstanceMetadata.items[].key",
                "commonInstanceMetadata.items[].value"),
    "region": ("kind", "selfLink", "name", "status"),
    "zone": ("kind", "selfLink", "name", "status", "region"),
    "machineType": ("selfLink", "name", "zone", "guestCpus", "memoryMb", "imageSpaceGb"),
    "image": ("selfLink", "name", "status", "diskSizeGb", "licenses", *LABELS),
    "instance": ("selfLink", "name", "status", "zone", "machineType", "networkInterfaces[].networkIP",
                 "networkInterfaces[].subnetwork", "networkInterfaces[].accessConfigs[].natIP", "disks[].source",
                 "disks[].deviceName", *LABELS),
    "disk": ("selfLink", "name", "status", "zone", "sizeGb", "users", *LABELS),
    "snapshot": ("selfLink", "name", "status", "sourceDisk", "diskSizeGb", *LABELS),
    "subnetwork": ("selfLink", "name", "region", "ipCidrRange"),
    "firewall": ("selfLink", "name", "description", "direction", "sourceRanges", "destinationRanges",
                 "allowed[].IPProtocol", "allowed[].ports"),
    "operation": ("name", "status", "zone", "region", "error.errors[].code", "error.errors[].message",
                  "httpErrorStatusCode"),
}  # fmt: skip
ERROR = "error"  # the answers refusing a request, which carry no kind
ERROR_READS = ("error.message", "error.errors[].reason")


def listed(kind: str) -> tuple[str, ...]:
    return ("nextPageToken", *(f"items[].{key}" for key in OBJECT_READS[kind]))  # pages follow nextPageToken


def aggregated(kind: str, key: str) -> tuple[str, ...]:
    return ("nextPageToken", *(f"items{{}}.{key}[].{read}" for read in OBJECT_READS[kind]))


# An answer's kind (without `compute#`) -> what the driver reads of it.
READS: dict[str, tuple[str, ...]] = {
    **{kind: OBJECT_READS[kind] for kind in ("project", "instance", "disk", "snapshot", "subnetwork", "firewall",
                                             "operation")},
    "regionList": listed("region"),
    "zoneList": listed("zone"),
    "machineTypeAggregatedList": aggregated("machineType", "machineTypes"),
    "imageList": listed("image"),
    "instanceAggregatedList": aggregated("instance", "instances"),
    "diskAggregatedList": aggregated("disk", "disks"),
    "snapshotList": listed("snapshot"),
    "subnetworkAggregatedList": aggregated("subnetwork", "subnetworks"),
    "firewallList": listed("firewall"),
    ERROR: ERROR_READS,
}  # fmt: skip


def holds(value: Any, path: str) -> bool:
    """Whether `value` holds `path`: "items{}.disks[].users" is the key users in some disk of some scope."""
    head, _, rest = path.partition(".")
    name = head.removesuffix("[]").removesuffix("{}")
    if not isinstance(value, dict) or name not in value:
        return False
    if not rest:
        return True
    inner = value[name]
    if head.endswith("[]"):
        items = inner if isinstance(inner, list) else []
    elif head.endswith("{}"):
        items = list(inner.values()) if isinstance(inner, dict) else []
    else:
        items = [inner]
    return any(holds(item, rest) for item in items)


def kind_of(answer: Any) -> str | None:
    if isinstance(answer, dict) and isinstance(answer.get("kind"), str):
        return answer["kind"].removeprefix("compute#")
    return ERROR if isinstance(answer, dict) and "error" in answer else None


def shown(answers: list[Any], kind: str) -> set[str]:
    return {path for path in READS[kind] if any(holds(a, path) for a in answers if kind_of(a) == kind)}


@functools.cache
def recorded() -> list[Any]:
    """Every recorded answer of the real Compute Engine API (libcloud's, and ours)."""
    folders = (OWN_RECORDINGS / "gce", libcloud_recordings() / "gce")
    return [orjson.loads(path.read_bytes()) for folder in folders for path in sorted(folder.glob("*.json"))]


# The sim's collections -> the kinds they are.
POPULATED = {"servers": Kind.INSTANCE, "volumes": Kind.VOLUME, "snapshots": Kind.SNAPSHOT, "subnets": Kind.SUBNET,
             "security_groups": Kind.SECURITY_GROUP}  # fmt: skip


@pytest.fixture(scope="module")
async def driven(frontend: FrontEndWorld) -> list[Answered]:
    """What the front-end answered while the driver made, listed, drove and removed one of everything it can."""
    backend = FrontEndBackend(frontend)
    driver = backend.make_driver()
    mark = len(frontend.journal.entries)
    try:
        await _make_list_drive_and_remove(backend, driver, frontend)
    finally:
        await driver.close()
    return frontend.journal.entries[mark:]


async def _make_list_drive_and_remove(backend: FrontEndBackend, driver: GceDriver, frontend: FrontEndWorld) -> None:
    world = frontend.gce
    await driver.check_credentials()
    subnet = await driver.create(Kind.SUBNET, await backend.subnetwork_spec(driver))
    ingress = await driver.create(Kind.SECURITY_GROUP, await backend.firewall_spec(driver))
    egress = await driver.create(Kind.SECURITY_GROUP, {"name": unique_name(Kind.SECURITY_GROUP), "rules": [
        {"direction": "egress", "protocol": "udp", "from_port": 53, "to_port": 53, "cidr": "0.0.0.0/0"}]})  # fmt: skip
    keypair = await driver.create(Kind.KEYPAIR, {"name": unique_name(Kind.KEYPAIR)})
    machine = await create_live(backend, driver, Kind.INSTANCE, subnet=subnet.cloud_id, tags={"shape": "read"})
    volume = await create_live(backend, driver, Kind.VOLUME, datacenter=machine.attrs["datacenter"],
                               tags={"shape": "read"})  # fmt: skip
    await driver.action(Kind.VOLUME, volume.cloud_id, "attach", {"instance": machine.cloud_id})
    snapshot = await create_live(backend, driver, Kind.SNAPSHOT, volume=volume.cloud_id, tags={"shape": "read"})
    # Three more of every kind (every listing has pages to follow), and an image of the account's own.
    world.cloud.populate("project-a", world.cloud.regions[0], **{collection: 3 for collection in POPULATED}, images=1)
    for kind in (*POPULATED.values(), Kind.IMAGE):
        assert (await world.served.gateway.poller.poll(world.account, kind)).ok
    [own] = [i for i in await driver.list(Kind.IMAGE) if not i.public]
    for kind in sorted(driver.capabilities.kinds):
        await driver.list(kind)
    for action in ("stop", "start", "reboot"):
        await driver.action(Kind.INSTANCE, machine.cloud_id, action, {})
    await driver.action(Kind.VOLUME, volume.cloud_id, "detach", {})
    with pytest.raises(NotFound):  # refused at once
        await driver.destroy(Kind.SNAPSHOT, backend.missing_ids[Kind.SNAPSHOT])
    with pytest.raises(InvalidRequest):  # GCE's disks reach 64 TB, the sim's 16 TB: the operation fails
        await driver.create(Kind.VOLUME, {**await backend.create_specs[Kind.VOLUME](driver), "size_gb": 20_000})
    for kind, made in ((Kind.SNAPSHOT, snapshot), (Kind.INSTANCE, machine), (Kind.VOLUME, volume), (Kind.IMAGE, own),
                       (Kind.SUBNET, subnet), (Kind.SECURITY_GROUP, ingress), (Kind.SECURITY_GROUP, egress),
                       (Kind.KEYPAIR, keypair)):  # fmt: skip
        await driver.destroy(kind, made.cloud_id)


@pytest.mark.parametrize("kind", sorted(READS))
def test_every_key_the_driver_reads_is_recorded_or_answered(driven: list[Answered], kind: str) -> None:
    answers = [entry.body for entry in driven]
    assert any(kind_of(a) == kind for a in answers), f"the driver never got a {kind}"
    missing = set(READS[kind]) - shown(recorded(), kind) - shown(answers, kind)
    assert sorted(missing) == [], "read by the driver, but neither recorded nor answered by the front-end"


async def test_public_images_and_machine_types_read_as_the_sim_holds_them(driver: GceDriver) -> None:
    # The driver knows an image's system by its licenses alone: a Windows image carries windows-cloud's.
    images = {i.name: (i.attrs["os"], i.attrs["min_disk_gb"]) for i in await driver.list(Kind.IMAGE) if i.public}
    assert images == {name: (os, disk_gb) for name, os, disk_gb, _size in PUBLIC_IMAGES}
    flavors = {
        (f.name, f.attrs["vcpus"], f.attrs["ram_mb"], f.attrs["disk_gb"]) for f in await driver.list(Kind.FLAVOR)
    }
    assert flavors == set(FLAVORS)  # in every zone
