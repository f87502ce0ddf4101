"""The EC2 driver against moto's EC2 server: the conformance suite, then EC2's own behaviour.

moto's quirks, where they matter: every transition is instant (a volume is "available" as
CreateVolume returns, an instance "running" at its first description); only
DescribeInstances honours MaxResults (100 when absent), every other describe call returns
everything at once; RunInstances ignores ClientToken; DetachVolume needs the InstanceId
that AWS takes as optional; terminated instances stay listed; a security group in use can
be deleted. The driver does not count on any of them: tests wait for states rather than
expect them at once, and multi-page listings are made of DescribeInstances, the call moto pages.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import botocore.session
import pytest
from aiobotocore.awsrequest import AioAWSResponse
from botocore import xform_name
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization

from cloudgate.drivers.base import AccountConfig
from cloudgate.drivers.ec2 import Ec2Driver
from cloudgate.drivers.ec2.clients import RETRIES
from cloudgate.drivers.ec2.errors import error_type, translate
from cloudgate.drivers.ec2.tables import (
    ACTIONS, DESTROY_OPERATIONS, IMAGE_STATES, INSTANCE_STATES, LIVE_ATTACHMENT_STATES, PAGE_SIZES, SNAPSHOT_STATES,
    SUBNET_STATES, THROTTLE_RETRY_AFTER, VOLUME_STATES, ZONE_STATES,
)  # fmt: skip
from cloudgate.errors import (
    ClockSkew, CloudAuthFailed, CloudgateError, Conflict, InvalidRequest, NotFound, QuotaExceeded, Throttled,
    Unavailable, Unsupported,
)  # fmt: skip
from cloudgate.model import STATES as MODEL_STATES
from cloudgate.model import CloudResource, Kind
from tests.drivers.conformance import ConformanceBackend, DriverConformance, standard_create_specs
from tests.services.moto import PUBLIC_AMIS, REGION, MotoAccount, MotoServer, moto_server  # noqa: F401
from tests.services.postgres import free_port

# Instance types listed as flavors: moto describes all 1,395 of them in seconds otherwise.
FLAVOR_OPTIONS = {"instance_types": ["t3.*", "m5d.large"]}
IMAGE_ID = PUBLIC_AMIS[0]["ami_id"]


def ec2_driver(server: MotoServer, credentials: dict[str, str], **options: Any) -> Ec2Driver:
    config = AccountConfig("ec2", server.endpoint, REGION, credentials, {**FLAVOR_OPTIONS, **options})
    return Ec2Driver(config)


def launch(server: MotoServer, account: MotoAccount, count: int) -> list[str]:
    """Instances started behind the driver's back, one reservation each (moto pages by reservation)."""
    ec2 = server.client("ec2", account.credentials)
    return [ec2.run_instances(ImageId=IMAGE_ID, InstanceType="t3.nano", MinCount=1, MaxCount=1)["Instances"][0]
            ["InstanceId"] for _ in range(count)]  # fmt: skip


class FailingSends:
    """A botocore before-send hook: lets `passing` requests through, then answers `failing` with a 503."""

    BODY = b"<Response><Errors><Error><Code>Unavailable</Code><Message>injected</Message></Error></Errors></Response>"

    def __init__(self, passing: int, failing: int):
        self.passing, self.failing, self.sent = passing, failing, 0
        self.bodies: list[str] = []

    def __call__(self, request: Any, **_: Any) -> AioAWSResponse | None:
        self.sent += 1
        self.bodies.append(request.body)
        if self.passing < self.sent <= self.passing + self.failing:
            return AioAWSResponse(request.url, 503, {}, _Body(self.BODY))
        return None


class _Body:
    def __init__(self, data: bytes):
        self.data = data

    async def read(self) -> bytes:
        return self.data


class Ec2Backend(ConformanceBackend):
    PAGE_SIZE = 5  # small pages, so that listings of several pages are the rule

    def __init__(self, server: MotoServer, account: MotoAccount):
        self.server, self.account = server, account
        self.create_specs = standard_create_specs(self)
        self.missing_ids = {
            Kind.INSTANCE: "i-0123456789abcdef0",
            Kind.VOLUME: "vol-0123456789abcdef0",
            Kind.SNAPSHOT: "snap-0123456789abcdef0",
            Kind.IMAGE: "ami-0123456789abcdef0",
            Kind.SUBNET: "subnet-0123456789abcdef0",
            Kind.KEYPAIR: "no-such-key",
            Kind.SECURITY_GROUP: "sg-0123456789abcdef0",
        }

    def make_driver(self) -> Ec2Driver:
        return ec2_driver(self.server, self.account.credentials, page_size=self.PAGE_SIZE)

    def make_driver_bad_credentials(self) -> Ec2Driver:
        return ec2_driver(self.server, {**self.account.credentials, "secret_access_key": "wrong"})

    async def settle(self) -> None:
        """Nothing to wait for: moto moves a resource on by the next description."""

    async def inject_listing_failure(self, driver: Ec2Driver) -> Kind:
        launch(self.server, self.account, self.PAGE_SIZE + 1)
        ec2 = await driver.clients.ec2()
        # Page 1 goes through; page 2 fails on every attempt botocore makes.
        hook = FailingSends(passing=1, failing=RETRIES["total_max_attempts"])
        ec2.meta.events.register("before-send.ec2.DescribeInstances", hook)
        return Kind.INSTANCE


@pytest.fixture
def moto_account(moto_server: MotoServer) -> MotoAccount:  # noqa: F811
    return moto_server.new_account()


class TestEc2Conformance(DriverConformance):
    @pytest.fixture
    def backend(self, moto_server: MotoServer, moto_account: MotoAccount) -> Ec2Backend:  # noqa: F811
        return Ec2Backend(moto_server, moto_account)


@pytest.fixture
async def driver(moto_server: MotoServer, moto_account: MotoAccount) -> AsyncIterator[Ec2Driver]:  # noqa: F811
    driver = ec2_driver(moto_server, moto_account.credentials)
    yield driver
    await driver.close()


async def listed(driver: Ec2Driver, kind: Kind, cloud_id: str) -> CloudResource | None:
    return next((r for r in await driver.list(kind) if r.cloud_id == cloud_id), None)


async def new_instance(driver: Ec2Driver, **spec: Any) -> CloudResource:
    return await driver.create(Kind.INSTANCE, {"name": "vm", "flavor": "t3.nano", "image": IMAGE_ID, **spec})


async def new_volume(driver: Ec2Driver, **spec: Any) -> CloudResource:
    return await driver.create(Kind.VOLUME, {"name": "disk", "size_gb": 2, "datacenter": f"{REGION}a", **spec})


# -- the tables against botocore's service model --------------------------------------------

SERVICE_MODEL = botocore.session.get_session().get_service_model("ec2")


@pytest.mark.parametrize(
    ("shape", "table", "kind"),
    [("InstanceStateName", INSTANCE_STATES, Kind.INSTANCE), ("SnapshotState", SNAPSHOT_STATES, Kind.SNAPSHOT),
     ("ImageState", IMAGE_STATES, Kind.IMAGE), ("SubnetState", SUBNET_STATES, Kind.SUBNET),
     ("AvailabilityZoneState", ZONE_STATES, Kind.DATACENTER)],
)  # fmt: skip
def test_every_ec2_state_has_a_normalized_one(shape: str, table: dict[str, str], kind: Kind) -> None:
    assert set(SERVICE_MODEL.shape_for(shape).enum) == table.keys()
    assert set(table.values()) <= MODEL_STATES[kind]


def test_every_volume_state_and_attachment_state_is_mapped() -> None:
    states = SERVICE_MODEL.shape_for("VolumeState").enum
    attachments = SERVICE_MODEL.shape_for("VolumeAttachmentState").enum
    assert {(state, None) for state in states} <= VOLUME_STATES.keys()
    assert set(attachments) - LIVE_ATTACHMENT_STATES == {"detached"}
    assert {bound for state, bound in VOLUME_STATES if bound} <= LIVE_ATTACHMENT_STATES
    assert set(VOLUME_STATES.values()) <= MODEL_STATES[Kind.VOLUME]


def test_every_operation_the_tables_name_exists() -> None:
    operations = {xform_name(name) for name in SERVICE_MODEL.operation_names}
    actions = {operation for by_name in ACTIONS.values() for operation, _ in by_name.values()}
    named = {*DESTROY_OPERATIONS.values(), *PAGE_SIZES, *actions}
    assert named <= operations


@pytest.mark.parametrize(
    ("code", "expected"),
    [("AuthFailure", CloudAuthFailed), ("InvalidClientTokenId", CloudAuthFailed),
     ("UnauthorizedOperation", CloudAuthFailed), ("SignatureDoesNotMatch", CloudAuthFailed),
     ("RequestExpired", ClockSkew),
     ("RequestLimitExceeded", Throttled), ("ThrottlingException", Throttled),
     ("InstanceLimitExceeded", QuotaExceeded), ("VolumeLimitExceeded", QuotaExceeded),
     ("VcpuLimitExceeded", QuotaExceeded),
     ("InsufficientInstanceCapacity", Unavailable), ("Unavailable", Unavailable), ("InternalError", Unavailable),
     ("InvalidInstanceID.NotFound", NotFound), ("InvalidKeyPair.NotFound", NotFound),
     ("InvalidAMIID.Unavailable", NotFound),
     ("IncorrectInstanceState", Conflict), ("IncorrectState", Conflict), ("InvalidState", Conflict),
     ("VolumeInUse", Conflict), ("InvalidGroup.InUse", Conflict), ("DependencyViolation", Conflict),
     ("InvalidKeyPair.Duplicate", Conflict), ("InvalidSubnet.Conflict", Conflict),
     ("InvalidParameterValue", InvalidRequest), ("InvalidInstanceID.Malformed", InvalidRequest),
     ("MissingParameter", InvalidRequest), ("InvalidKeyPair.Format", InvalidRequest),
     ("UnsupportedOperation", Unsupported), ("SomethingAwsInventsLater", CloudgateError)],
)  # fmt: skip
def test_error_codes_map_to_cloudgate_errors(code: str, expected: type[CloudgateError]) -> None:
    assert error_type(code) is expected


def test_throttling_carries_retry_after() -> None:
    def throttled(headers: dict[str, str]) -> CloudgateError:
        response = {"Error": {"Code": "RequestLimitExceeded", "Message": "slow down"},
                    "ResponseMetadata": {"RequestId": "r-1", "HTTPHeaders": headers}}  # fmt: skip
        return translate(ClientError(response, "DescribeInstances"))

    assert throttled({}).retry_after == THROTTLE_RETRY_AFTER
    error = throttled({"retry-after": "7"})
    assert isinstance(error, Throttled) and error.retry_after == 7.0
    assert error.details == {"cloud_code": "RequestLimitExceeded", "request_id": "r-1"}


# -- configuration and identity -------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "region", "credentials", "options"),
    [("http://127.0.0.1:1", None, {"access_key_id": "AK", "secret_access_key": "SK"}, {}),
     ("ftp://example", REGION, {"access_key_id": "AK", "secret_access_key": "SK"}, {}),
     ("aws", REGION, {"access_key_id": "AK"}, {}),
     ("aws", REGION, {"access_key_id": "AK", "secret_access_key": "SK", "password": "x"}, {}),
     ("aws", REGION, {"access_key_id": "AK", "secret_access_key": "SK"}, {"page_size": 2}),
     ("aws", REGION, {"access_key_id": "AK", "secret_access_key": "SK"}, {"colour": "red"})],
)  # fmt: skip
def test_bad_account_settings_are_invalid(endpoint: str, region: str | None, credentials: dict, options: dict) -> None:
    with pytest.raises(InvalidRequest) as refused:
        Ec2Driver(AccountConfig("ec2", endpoint, region, credentials, options))
    assert "SK" not in refused.value.message


async def test_identity_is_the_aws_account_and_time_comes_from_the_cloud(
    moto_server: MotoServer, moto_account: MotoAccount, driver: Ec2Driver  # noqa: F811
) -> None:
    identity = await driver.check_credentials()
    assert identity.id == moto_account.id
    assert identity.attrs["arn"] == f"arn:aws:iam::{moto_account.id}:user/cloudgate"
    skew = (await driver.server_time()) - datetime.now(UTC)
    assert abs(skew.total_seconds()) < 5


async def test_temporary_credentials_of_an_assumed_role_name_the_same_account(
    moto_server: MotoServer, moto_account: MotoAccount  # noqa: F811
) -> None:
    assumed = ec2_driver(moto_server, moto_server.assumed_role_credentials(moto_account))
    identity = await assumed.check_credentials()
    assert identity.id == moto_account.id and ":assumed-role/cloudgate/" in identity.name
    await new_instance(assumed)
    assert len(await assumed.list(Kind.INSTANCE)) == 1
    await assumed.close()


async def test_an_unknown_key_is_refused_and_an_unreachable_endpoint_is_unavailable(
    moto_server: MotoServer,  # noqa: F811
) -> None:
    stranger = ec2_driver(moto_server, {"access_key_id": "AKIAUNKNOWNUNKNOWN00", "secret_access_key": "x"})
    with pytest.raises(CloudAuthFailed) as refused:
        await stranger.check_credentials()
    assert refused.value.details["cloud_code"] == "InvalidClientTokenId"
    nobody = Ec2Driver(AccountConfig("ec2", f"http://127.0.0.1:{free_port()}", REGION,
                                     {"access_key_id": "AK", "secret_access_key": "SK"}))  # fmt: skip
    with pytest.raises(Unavailable):
        await nobody.list(Kind.INSTANCE)
    for unused in (stranger, nobody):
        await unused.close()


# -- listings -------------------------------------------------------------------------------


async def test_listings_follow_every_page(moto_server: MotoServer, moto_account: MotoAccount) -> None:  # noqa: F811
    launched = launch(moto_server, moto_account, 12)
    paged = ec2_driver(moto_server, moto_account.credentials, page_size=5)
    pages: list[int] = []
    (await paged.clients.ec2()).meta.events.register(
        "after-call.ec2.DescribeInstances", lambda parsed, **_: pages.append(len(parsed["Reservations"]))
    )
    assert sorted(r.cloud_id for r in await paged.list(Kind.INSTANCE)) == sorted(launched)
    assert pages == [5, 5, 2]
    await paged.close()


async def test_accounts_see_the_public_images_but_not_each_others_resources(
    moto_server: MotoServer, moto_account: MotoAccount, driver: Ec2Driver  # noqa: F811
) -> None:
    other = ec2_driver(moto_server, moto_server.new_account().credentials)
    mine = await new_instance(driver)
    assert await other.list(Kind.INSTANCE) == []
    assert [r.cloud_id for r in await driver.list(Kind.INSTANCE)] == [mine.cloud_id]
    public = {r.cloud_id: r for r in await other.list(Kind.IMAGE)}
    assert public.keys() == {ami["ami_id"] for ami in PUBLIC_AMIS}
    assert all(r.public and r.attrs["visibility"] == "public" for r in public.values())
    assert public[PUBLIC_AMIS[2]["ami_id"]].attrs["os"] == "windows"
    assert {r.cloud_id for r in await driver.list(Kind.IMAGE)} == public.keys()
    with pytest.raises(NotFound):
        await other.destroy(Kind.INSTANCE, mine.cloud_id)
    await other.close()


async def test_own_images_are_the_accounts(driver: Ec2Driver) -> None:
    instance = await new_instance(driver)
    spec = {"name": "golden", "instance": instance.cloud_id, "tags": {"tier": "web"}}
    created = await driver.create(Kind.IMAGE, spec)
    assert (created.state, created.public, created.tags) == ("pending", False, {"tier": "web"})
    image = await listed(driver, Kind.IMAGE, created.cloud_id)
    assert (image.name, image.public, image.attrs["visibility"]) == ("golden", False, "private")
    assert image.tags == {"tier": "web"}


async def test_only_the_accounts_own_snapshots_are_listed(driver: Ec2Driver) -> None:
    # moto files a snapshot per public AMI under the account, owned by the AMIs' owner.
    volume = await new_volume(driver)
    snapshot = await driver.create(Kind.SNAPSHOT, {"name": "backup", "volume": volume.cloud_id})
    listed_snapshots = await driver.list(Kind.SNAPSHOT)
    assert [s.cloud_id for s in listed_snapshots] == [snapshot.cloud_id]
    assert listed_snapshots[0].attrs == {"volume": volume.cloud_id, "size_gb": 2}


async def test_datacenters_are_the_region_and_its_zones(driver: Ec2Driver) -> None:
    datacenters = {r.cloud_id: r.attrs for r in await driver.list(Kind.DATACENTER)}
    assert datacenters[REGION] == {"type": "region", "region": REGION, "parent": None}
    zones = [name for name, attrs in datacenters.items() if attrs["type"] == "zone"]
    assert f"{REGION}a" in zones and all(datacenters[z]["parent"] == REGION for z in zones)


async def test_flavors_are_the_configured_instance_types(driver: Ec2Driver) -> None:
    flavors = {r.cloud_id: r.attrs for r in await driver.list(Kind.FLAVOR)}
    assert set(flavors) == {"t3.nano", "t3.micro", "t3.small", "t3.medium", "t3.large", "t3.xlarge", "t3.2xlarge",
                            "m5d.large"}  # fmt: skip
    assert flavors["t3.nano"] == {"vcpus": 2, "ram_mb": 512, "disk_gb": 0, "architectures": ["x86_64"]}
    assert flavors["m5d.large"]["disk_gb"] == 75  # instance storage


# -- resources ------------------------------------------------------------------------------


async def test_an_instance_carries_its_references_and_a_client_token(driver: Ec2Driver) -> None:
    group = await driver.create(Kind.SECURITY_GROUP, {"name": "web"})
    key = await driver.create(Kind.KEYPAIR, {"name": "deploy"})
    subnet = await driver.create(Kind.SUBNET, {"name": "apps", "datacenter": f"{REGION}b"})
    created = await new_instance(driver, keypair="deploy", security_groups=[group.cloud_id], subnet=subnet.cloud_id,
                                 tags={"role": "web"})  # fmt: skip
    assert (created.state, created.name, created.tags) == ("pending", "vm", {"role": "web"})
    seen = await listed(driver, Kind.INSTANCE, created.cloud_id)
    assert seen.attrs["keypair"] == key.cloud_id and seen.attrs["subnet"] == subnet.cloud_id
    assert group.cloud_id in seen.attrs["security_groups"]
    assert (seen.attrs["flavor"], seen.attrs["image"], seen.attrs["datacenter"]) == ("t3.nano", IMAGE_ID, f"{REGION}b")
    assert seen.attrs["addresses"] and "Name" not in seen.tags


async def test_a_retried_launch_carries_the_same_client_token(driver: Ec2Driver) -> None:
    # The first attempt is answered 503 before it reaches moto; botocore's retry goes through. Both
    # carry one token, so EC2 would answer a retry of a launch it did with that launch (moto keeps
    # the token but does not act on it).
    lost = FailingSends(passing=0, failing=1)
    (await driver.clients.ec2()).meta.events.register("before-send.ec2.RunInstances", lost)
    created = await new_instance(driver)
    tokens = [parse_qs(body)["ClientToken"] for body in lost.bodies]
    assert len(tokens) == 2 and tokens[0] == tokens[1] == [created.cloud_attrs["ClientToken"]]
    assert [r.cloud_id for r in await driver.list(Kind.INSTANCE)] == [created.cloud_id]


async def test_renaming_and_retagging_keep_each_other(driver: Ec2Driver) -> None:
    volume = await new_volume(driver, tags={"env": "dev", "team": "a"})
    await driver.edit(Kind.VOLUME, volume.cloud_id, {"tags": {"env": "prod"}})
    await driver.edit(Kind.VOLUME, volume.cloud_id, {"name": "data"})
    seen = await listed(driver, Kind.VOLUME, volume.cloud_id)
    assert (seen.name, seen.tags) == ("data", {"env": "prod"})
    for bad in ({"tags": {"Name": "sneaky"}}, {"tags": {"aws:owner": "me"}}, {"tags": ["x"]}, {"size_gb": "big"},
                {"name": 7}):  # fmt: skip
        with pytest.raises(InvalidRequest):
            await driver.edit(Kind.VOLUME, volume.cloud_id, bad)
    with pytest.raises(InvalidRequest):  # checked before anything is applied
        await driver.edit(Kind.VOLUME, volume.cloud_id, {"name": "half-done", "size_gb": 0})
    assert (await listed(driver, Kind.VOLUME, volume.cloud_id)).name == "data"


async def test_volumes_attach_on_free_devices_and_grow(driver: Ec2Driver) -> None:
    instance = await new_instance(driver, datacenter=f"{REGION}a")
    first, second = await new_volume(driver), await new_volume(driver)
    for volume in (first, second):
        await driver.action(Kind.VOLUME, volume.cloud_id, "attach", {"instance": instance.cloud_id})
    devices = {(await listed(driver, Kind.VOLUME, v.cloud_id)).attrs["device"] for v in (first, second)}
    assert devices == {"/dev/sdf", "/dev/sdg"}
    await driver.edit(Kind.VOLUME, first.cloud_id, {"size_gb": 10})
    grown = await listed(driver, Kind.VOLUME, first.cloud_id)
    assert (grown.attrs["size_gb"], grown.state, grown.attrs["attached_to"]) == (10, "in_use", instance.cloud_id)
    with pytest.raises(Conflict):
        await driver.destroy(Kind.VOLUME, first.cloud_id)
    await driver.action(Kind.VOLUME, first.cloud_id, "detach", {})
    with pytest.raises(Conflict):
        await driver.action(Kind.VOLUME, first.cloud_id, "detach", {})
    for bad in ({}, {"instance": instance.cloud_id, "colour": "red"}):
        with pytest.raises(InvalidRequest):
            await driver.action(Kind.VOLUME, first.cloud_id, "attach", bad)


async def test_subnets_take_free_blocks_of_the_default_vpc(driver: Ec2Driver) -> None:
    # The default VPC is 172.31.0.0/16, its default subnets the first six /20s.
    first = await driver.create(Kind.SUBNET, {"name": "a"})
    second = await driver.create(Kind.SUBNET, {"name": "b", "datacenter": f"{REGION}c"})
    assert (first.attrs["cidr"], second.attrs["cidr"]) == ("172.31.96.0/24", "172.31.97.0/24")
    assert second.attrs["datacenter"] == f"{REGION}c"
    assert first.cloud_attrs["Vpc"]["IsDefault"] is True and first.attrs["vpc"] == first.cloud_attrs["VpcId"]
    with pytest.raises(Conflict):
        await driver.create(Kind.SUBNET, {"name": "c", "cidr": "172.31.96.128/25"})
    with pytest.raises(NotFound):
        await driver.create(Kind.SUBNET, {"name": "d", "vpc": "vpc-0123456789abcdef0"})
    assert (await listed(driver, Kind.SUBNET, first.cloud_id)).attrs["cidr"] == "172.31.96.0/24"


async def test_a_generated_keypair_hands_out_its_private_key_once(driver: Ec2Driver) -> None:
    created = await driver.create(Kind.KEYPAIR, {"name": "mine", "key_type": "ed25519"})
    private = serialization.load_ssh_private_key(created.attrs["private_key"].encode(), password=None)
    public = private.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    assert "KeyMaterial" not in created.cloud_attrs
    again = await listed(driver, Kind.KEYPAIR, "mine")
    assert again.attrs["public_key"] == public.decode() and "private_key" not in again.attrs
    assert again.attrs["fingerprint"] == created.attrs["fingerprint"]
    with pytest.raises(Conflict):
        await driver.create(Kind.KEYPAIR, {"name": "mine"})


async def test_an_imported_keypair_keeps_its_public_key(driver: Ec2Driver) -> None:
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHlI/FKGGioIzpqDG4rb7cjgeGxfbKvFbNiwjnj3qZk3"
    imported = await driver.create(Kind.KEYPAIR, {"name": "laptop", "public_key": key})
    assert "private_key" not in imported.attrs
    assert (await listed(driver, Kind.KEYPAIR, "laptop")).attrs["public_key"] == key
    for bad in ({"public_key": 7}, {"public_key": key, "key_type": "rsa"}):
        with pytest.raises(InvalidRequest):
            await driver.create(Kind.KEYPAIR, {"name": "junk", **bad})


async def test_security_group_rules_round_trip_and_are_checked(driver: Ec2Driver) -> None:
    ssh = {"direction": "ingress", "protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "10.0.0.0/8"}
    ping6 = {"direction": "ingress", "protocol": "icmp", "from_port": None, "to_port": None, "cidr": "::/0"}
    out = {"direction": "egress", "protocol": "any", "from_port": None, "to_port": None, "cidr": "0.0.0.0/0"}
    default = await driver.create(Kind.SECURITY_GROUP, {"name": "plain"})
    assert default.attrs["rules"] == [out] and default.attrs["description"] == "plain"  # EC2's default egress
    group = await driver.create(Kind.SECURITY_GROUP, {"name": "web", "description": "front", "rules": [ssh, ping6]})
    assert group.attrs["rules"] == [ssh, ping6]  # the given rules replace the default egress
    assert group.cloud_attrs["IpPermissions"][1]["Ipv6Ranges"] == [{"CidrIpv6": "::/0"}]
    await driver.edit(Kind.SECURITY_GROUP, group.cloud_id, {"rules": [ssh, out]})
    assert (await listed(driver, Kind.SECURITY_GROUP, group.cloud_id)).attrs["rules"] == [ssh, out]
    web = {"direction": "ingress", "protocol": "tcp", "from_port": None, "to_port": None, "cidr": "0.0.0.0/0"}
    await driver.edit(Kind.SECURITY_GROUP, group.cloud_id, {"rules": [web]})  # no ports: all of them
    assert (await listed(driver, Kind.SECURITY_GROUP, group.cloud_id)).attrs["rules"] == [
        {**web, "from_port": 0, "to_port": 65535}]
    for bad in ({**ssh, "protocol": "gre"}, {**ssh, "direction": "sideways"}, {**ssh, "from_port": 80, "to_port": 22},
                {**ssh, "cidr": "10.0.0.1/8"}, {**ssh, "colour": "red"}, {**out, "from_port": 1},
                {k: v for k, v in ssh.items() if k != "cidr"}, {**ssh, "to_port": 70000}):  # fmt: skip
        with pytest.raises(InvalidRequest):
            await driver.edit(Kind.SECURITY_GROUP, group.cloud_id, {"rules": [bad]})
        with pytest.raises(InvalidRequest):  # refused before the group is created
            await driver.create(Kind.SECURITY_GROUP, {"name": "never", "rules": [bad]})
    assert "never" not in {g.name for g in await driver.list(Kind.SECURITY_GROUP)}
    instance = await new_instance(driver, security_groups=[group.cloud_id])
    assert group.cloud_id in instance.attrs["security_groups"]
    # (AWS refuses to delete a group in use, DependencyViolation; moto deletes it.)


async def test_unknown_fields_are_invalid(driver: Ec2Driver) -> None:
    with pytest.raises(InvalidRequest):
        await driver.create(Kind.SUBNET, {"name": "net", "colour": "red"})
    with pytest.raises(InvalidRequest):
        await driver.create(Kind.VOLUME, {"name": "disk", "size_gb": "big", "datacenter": f"{REGION}a"})
    with pytest.raises(InvalidRequest):
        await driver.action(Kind.INSTANCE, "i-0123456789abcdef0", "stop", {"force": True})
