"""The project's CloudStack driver against cloudgate's own CloudStack front-end over the quick sim (gateway →
driver → front-end → sim): the driver conformance suite on a CloudStack that keeps what it is given, and
the shapes the driver reads checked against the libcloud recordings of real CloudStack clouds and against
the front-end's own answers to the driver."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cloudgate.drivers.base import AccountConfig
from cloudgate.drivers.cloudstack import CloudStackDriver
from cloudgate.errors import Conflict
from cloudgate.foreign_ids import to_uuid
from cloudgate.model import ID_PREFIX, Kind
from tests.drivers.conformance import (
    ConformanceBackend,
    DriverConformance,
    create_live,
    pick_zone,
    standard_create_specs,
    unique_name,
)
from tests.frontends.cloudstack.conftest import CsWorld, cs_world
from tests.frontends.conftest import ReopeningGateway, quick_cloud, serving
from tests.services.replay import OWN_RECORDINGS, libcloud_recordings, load_recording

SETTLE_SECONDS = 0.1  # the pace of re-listing while the sim's quick transitions run
# Pages of two: every listing of more than two resources is followed page by page.
DRIVER_OPTIONS = {"poll_interval": 0.1, "job_timeout": 30, "request_timeout": 10, "page_size": 2}
CLIENT = "/client/api"


@dataclass(frozen=True, slots=True)
class Answered:
    params: dict[str, str]
    body: Any  # the value inside `<command>response`


class Journal:
    """Every CloudStack command an app answers, with its parameters and its JSON answer: what the driver read.
    It only watches."""

    def __init__(self) -> None:
        self.app: ASGIApp | None = None
        self.entries: list[Answered] = []

    def watching(self, app: ASGIApp) -> ASGIApp:
        self.app = app
        return self

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None, "watching nothing"
        if scope["type"] != "http" or not scope["path"].startswith(CLIENT):
            await self.app(scope, receive, send)
            return
        body = bytearray()

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, sending)
        params = dict(parse_qsl(scope["query_string"].decode()))
        if params.get("response") == "json":
            [value] = orjson.loads(body).values()
            self.entries.append(Answered(params, value))


@dataclass
class FrontEndWorld:
    cs: CsWorld
    source: ReopeningGateway
    journal: Journal


@pytest.fixture(scope="module")
async def frontend(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[FrontEndWorld]:
    """One gateway for the module, its front-ends over the reopening core source, watched by the journal."""
    source, journal = ReopeningGateway(), Journal()
    with quick_cloud() as cloud:
        data_dir = Path(tmp_path_factory.mktemp("cs-driver"))
        async with serving(data_dir, lambda gateway: journal.watching(source.front_ends(gateway))) as served:
            yield FrontEndWorld(await cs_world(served, cloud), source, journal)


# -- the conformance suite ------------------------------------------------------------------


class FrontEndBackend(ConformanceBackend):
    """The gateway's /client/api over the quick sim: what the driver makes shows in later listings."""

    settle_rounds = 100  # 10 s at SETTLE_SECONDS

    def __init__(self, world: FrontEndWorld):
        self.world = world
        self.create_specs = {**standard_create_specs(self), Kind.SUBNET: self.network_spec}
        # UUIDs of gateway ids that name nothing; key pairs are named by their name.
        self.missing_ids = {kind: to_uuid(f"{ID_PREFIX[kind]}-{'0' * 20}") for kind in Kind}
        self.missing_ids[Kind.KEYPAIR] = "conformance-no-such-keypair"

    async def network_spec(self, driver: CloudStackDriver) -> dict[str, Any]:
        """No CIDR: the cloud picks a free block, as CloudStack does without a gateway and netmask."""
        return {"name": unique_name(Kind.SUBNET), "datacenter": await pick_zone(driver),
                "network_offering": await self.network_offering()}  # fmt: skip

    async def network_offering(self) -> str:
        """The front-end's one network offering, as `cs` lists it (the driver takes it as a create field)."""
        [offering] = await self.world.cs.aio_client().listNetworkOfferings(fetch_list=True)
        return offering["id"]

    def _driver(self, secret: str) -> CloudStackDriver:
        credentials = {"api_key": self.world.cs.key, "secret_key": secret}
        return CloudStackDriver(AccountConfig("cloudstack", self.world.cs.endpoint, None, credentials, DRIVER_OPTIONS))

    def make_driver(self) -> CloudStackDriver:
        return self._driver(self.world.cs.secret)

    def make_driver_bad_credentials(self) -> CloudStackDriver:
        return self._driver("not-the-secret")

    async def settle(self) -> None:
        await asyncio.sleep(SETTLE_SECONDS)

    async def inject_listing_failure(self, driver: CloudStackDriver) -> Kind:
        # Five offerings, two a page: the gateway closes once the first page is answered.
        self.world.source.close_after(answered=1)
        return Kind.FLAVOR


@pytest.fixture
def backend(frontend: FrontEndWorld) -> FrontEndBackend:
    return FrontEndBackend(frontend)


class TestCloudStackFrontEndConformance(DriverConformance):
    @pytest.fixture
    def backend(self, backend: FrontEndBackend) -> FrontEndBackend:
        return backend


@pytest.fixture
async def driver(backend: FrontEndBackend) -> AsyncIterator[CloudStackDriver]:
    driver = backend.make_driver()
    yield driver
    await driver.close()


async def test_a_rule_for_every_icmp_type_and_code_is_kept(driver: CloudStackDriver) -> None:
    # The driver asks for every type and code as CloudStack's clients do (icmptype=-1, icmpcode=-1).
    rule = {"direction": "ingress", "protocol": "icmp", "cidr": "0.0.0.0/0"}
    group = await driver.create(Kind.SECURITY_GROUP, {"name": unique_name(Kind.SECURITY_GROUP), "rules": [rule]})
    assert group.attrs["rules"] == [{**rule, "from_port": None, "to_port": None}]


# -- the shapes the driver reads ------------------------------------------------------------

TAGS = ("tags[].key", "tags[].value")


def rules(direction: str) -> tuple[str, ...]:
    return tuple(f"{direction}rule[].{key}" for key in ("protocol", "startport", "endport", "cidr"))


# What the driver reads of each object CloudStack answers with (translate.py's ID_FIELDS, STATE_FIELDS,
# PUBLIC_FIELDS, ATTACHMENT_FIELDS, ATTRS, rules and tags; driver.py's account and disk offering); `[]`
# steps into every item of a list. Read, but shown by neither the recordings nor the front-end, so left
# out: a virtual machine's `publicip` (a static NAT address: none recorded, and the sim hands out private
# addresses only); a key pair's `publickey` and `tags` (CloudStack's SSHKeyPairResponse has neither);
# zones' and offerings' `tags`, which are not resource tags (an offering's are storage tags, a string); a
# security group's tags, which the recordings show empty and the sim does not keep.
OBJECT_READS: dict[str, tuple[str, ...]] = {
    "account": ("id", "name", "domain", "roletype"),
    "zone": ("id", "name", "allocationstate"),
    "serviceoffering": ("id", "name", "cpunumber", "memory", "rootdisksize"),
    "diskoffering": ("id", "disksize", "iscustomized"),
    "template": ("id", "name", "isready", "ispublic", "ostypename", "size"),
    "virtualmachine": ("id", "name", "state", "serviceofferingid", "templateid", "zoneid", "nic[].ipaddress",
                       "nic[].isdefault", "nic[].networkid", "keypair", "securitygroup[].id"),
    "volume": ("id", "name", "state", "size", "zoneid"),
    "snapshot": ("id", "name", "state", "volumeid", "virtualsize"),
    "network": ("id", "name", "state", "cidr", "zoneid"),
    "sshkeypair": ("name", "fingerprint"),
    "keypair": ("name", "fingerprint"),
    "securitygroup": ("id", "name", "description"),
}  # fmt: skip
# What the driver reads of an object once the resource has it (so not in the answer that makes it): tags,
# an attached volume's machine and slot, a group's rules.
LATER_READS: dict[str, tuple[str, ...]] = {
    "template": TAGS,
    "virtualmachine": TAGS,
    "volume": ("virtualmachineid", "deviceid", *TAGS),
    "snapshot": TAGS,
    "network": TAGS,
    "securitygroup": (*rules("ingress"), *rules("egress")),
}
JOB = ("jobstatus", "jobresultcode", "jobresult")  # what `cs` reads of queryAsyncJobResult to follow a job
ERROR = ("errorcode", "errortext")  # what the driver reads of a refusal


@dataclass(frozen=True, slots=True)
class Reads:
    answer: tuple[str, ...]  # paths into the command's answer
    job: tuple[str, ...] = ()  # paths into queryAsyncJobResult's answer for the command's job


def listed(name: str) -> Reads:
    keys = (*OBJECT_READS[name], *LATER_READS.get(name, ()))
    return Reads(("count", *(f"{name}[].{key}" for key in keys)))  # `cs` follows pages by `count`


def answered(name: str, *more: str) -> Reads:
    return Reads((*(f"{name}.{key}" for key in OBJECT_READS[name]), *more))


def job(name: str | None = None, *more: str) -> Reads:
    made = tuple(f"jobresult.{name}.{key}" for key in (*OBJECT_READS[name], *more)) if name else ()
    return Reads(("jobid",), (*JOB, *made))


# Command -> what the driver reads of its answers.
READS: dict[str, Reads] = {
    "listAccounts": listed("account"),
    "listZones": listed("zone"),
    "listServiceOfferings": listed("serviceoffering"),
    "listDiskOfferings": listed("diskoffering"),
    "listTemplates": listed("template"),
    "listVirtualMachines": listed("virtualmachine"),
    "listVolumes": listed("volume"),
    "listSnapshots": listed("snapshot"),
    "listNetworks": listed("network"),
    "listSSHKeyPairs": listed("sshkeypair"),
    "listSecurityGroups": listed("securitygroup"),
    "deployVirtualMachine": job("virtualmachine"),
    "startVirtualMachine": job(),
    "stopVirtualMachine": job(),
    "rebootVirtualMachine": job(),
    "destroyVirtualMachine": job(),
    "createVolume": job("volume"),
    "attachVolume": job(),
    "detachVolume": job(),
    "createSnapshot": job("snapshot"),
    "deleteSnapshot": job(),
    "createNetwork": answered("network"),
    "createSSHKeyPair": answered("keypair", "keypair.privatekey"),
    "registerSSHKeyPair": answered("keypair", *ERROR),
    "createSecurityGroup": answered("securitygroup"),
    "authorizeSecurityGroupIngress": job("securitygroup", *rules("ingress")),
    "authorizeSecurityGroupEgress": job("securitygroup", *rules("egress")),
}


def holds(value: Any, path: str) -> bool:
    """Whether `value` holds `path`: "nic[].ipaddress" is the key ipaddress in some item of the list nic."""
    head, _, rest = path.partition(".")
    name, many = head.removesuffix("[]"), head.endswith("[]")
    if not isinstance(value, dict) or name not in value:
        return False
    if not rest:
        return True
    inner = value[name]
    items = (inner if isinstance(inner, list) else []) if many else [inner]
    return any(holds(item, rest) for item in items)


@dataclass(frozen=True, slots=True)
class Answers:
    answers: list[Any]
    jobs: list[Any]  # the answers to queryAsyncJobResult for the jobs the answers started

    def show(self, reads: Reads) -> set[str]:
        return {path for path in reads.answer if any(holds(a, path) for a in self.answers)} | {
            f"job:{path}" for path in reads.job if any(holds(j, path) for j in self.jobs)}  # fmt: skip


def recorded(command: str) -> Answers:
    """Every recording of `command` (libcloud's, and ours over them), and of the jobs they started."""
    folders = (OWN_RECORDINGS / "cloudstack", libcloud_recordings() / "cloudstack")
    names = {path.stem for folder in folders for path in folder.glob(f"{command}_*.json")}
    answers = [next(iter(load_recording("cloudstack", name).values())) for name in sorted(names)]
    jobs = [load_recording("cloudstack", f"queryAsyncJobResult_{a['jobid']}") for a in answers if "jobid" in a]
    return Answers(answers, [next(iter(j.values())) for j in jobs if j is not None])


def front_end_answers(journal: list[Answered], command: str) -> Answers:
    answers = [entry.body for entry in journal if entry.params.get("command") == command]
    started = {str(a["jobid"]) for a in answers if "jobid" in a}
    jobs = [
        e.body for e in journal if e.params.get("command") == "queryAsyncJobResult" and e.params.get("jobid") in started
    ]
    return Answers(answers, jobs)


def ssh_public_key() -> str:
    public = Ed25519PrivateKey.generate().public_key()
    return public.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


@pytest.fixture(scope="module")
async def driven(frontend: FrontEndWorld) -> list[Answered]:
    """What the front-end answered while the driver made, tagged, listed, drove and removed one of everything
    it can (tags through `cs`: the driver sets none)."""
    backend = FrontEndBackend(frontend)
    driver = backend.make_driver()
    mark = len(frontend.journal.entries)
    try:
        await _make_tag_list_drive_and_remove(backend, driver, frontend)
    finally:
        await driver.close()
    return frontend.journal.entries[mark:]


async def _make_tag_list_drive_and_remove(
    backend: FrontEndBackend, driver: CloudStackDriver, frontend: FrontEndWorld
) -> None:
    cs, served = frontend.cs.aio_client(), frontend.cs.served
    await driver.check_credentials()
    network = await driver.create(Kind.SUBNET, {**await backend.network_spec(driver), "cidr": "10.80.0.0/24"})
    group = await driver.create(Kind.SECURITY_GROUP, {"name": unique_name(Kind.SECURITY_GROUP), "rules": [
        {"direction": "ingress", "protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "10.0.0.0/8"},
        {"direction": "egress", "protocol": "udp", "from_port": 53, "to_port": 53, "cidr": "0.0.0.0/0"}]})  # fmt: skip
    keypair = await driver.create(Kind.KEYPAIR, {"name": unique_name(Kind.KEYPAIR)})
    registered = {"name": unique_name(Kind.KEYPAIR), "public_key": ssh_public_key()}
    await driver.create(Kind.KEYPAIR, registered)
    with pytest.raises(Conflict):  # the name is taken
        await driver.create(Kind.KEYPAIR, registered)
    machine = await create_live(backend, driver, Kind.INSTANCE, keypair=keypair.cloud_id,
                                security_groups=[group.cloud_id], subnet=network.cloud_id)  # fmt: skip
    volume = await create_live(backend, driver, Kind.VOLUME, size_gb=5, datacenter=machine.attrs["datacenter"])
    await driver.action(Kind.VOLUME, volume.cloud_id, "attach", {"instance": machine.cloud_id, "device": 2})
    snapshot = await create_live(backend, driver, Kind.SNAPSHOT, volume=volume.cloud_id)
    frontend.cs.cloud.populate("project-a", frontend.cs.cloud.regions[0], images=1)  # an image of the account's own
    assert (await served.gateway.poller.poll(frontend.cs.account, Kind.IMAGE)).ok
    [own] = [i for i in await driver.list(Kind.IMAGE) if not i.public]
    for resource_type, cs_id in (("UserVm", machine.cloud_id), ("Volume", volume.cloud_id),
                                 ("Snapshot", snapshot.cloud_id), ("Network", network.cloud_id),
                                 ("Template", own.cloud_id)):  # fmt: skip
        await cs.createTags(resourceids=cs_id, resourcetype=resource_type, tags=[{"key": "shape", "value": "read"}])
    for kind in sorted(driver.capabilities.kinds):
        await driver.list(kind)
    for action in ("stop", "start", "reboot"):
        await driver.action(Kind.INSTANCE, machine.cloud_id, action, {})
    await driver.action(Kind.VOLUME, volume.cloud_id, "detach", {})
    await driver.destroy(Kind.SNAPSHOT, snapshot.cloud_id)
    await driver.destroy(Kind.INSTANCE, machine.cloud_id)


@pytest.mark.parametrize("command", sorted(READS))
def test_every_key_the_driver_reads_is_recorded_or_answered(driven: list[Answered], command: str) -> None:
    reads = READS[command]
    front_end = front_end_answers(driven, command)
    assert front_end.answers, f"the driver never sent {command}"
    assert not reads.job or front_end.jobs, f"no job of {command} was followed"
    wanted = set(reads.answer) | {f"job:{path}" for path in reads.job}
    shown = recorded(command).show(reads) | front_end.show(reads)
    assert sorted(wanted - shown) == [], "read by the driver, but neither recorded nor answered by the front-end"
