"""The OpenStack driver against real keystone, nova, glance, cinder and neutron (scripts/openstack-dev):
the conformance suite, then what is OpenStack's own — auth kinds, refusals, token renewal — and,
without the cloud, its tables."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import pytest
import requests
from keystoneauth1 import exceptions as ksa
from openstack import exceptions as sdk

from cloudgate.drivers.base import AccountConfig, load_driver
from cloudgate.drivers.openstack import OpenStackDriver
from cloudgate.drivers.openstack.errors import ERRORS, translate
from cloudgate.drivers.openstack.kinds import KINDS
from cloudgate.drivers.openstack.translate import (
    ACTIONS, STATES, rule_from_native, rule_to_native, tags_from_native, tags_to_native,
)  # fmt: skip
from cloudgate.errors import (
    CloudAuthFailed, Conflict, Forbidden, InvalidRequest, NotFound, QuotaExceeded, Throttled, Unavailable,
)  # fmt: skip
from cloudgate.model import STATES as MODEL_STATES
from cloudgate.model import Kind
from tests.drivers.conformance import (
    ConformanceBackend, DriverConformance, create_live, standard_create_specs, unique_name,
)  # fmt: skip
from tests.services.openstack import OpenStackCloud, on_openstack, openstack_cloud  # noqa: F401 - the session fixture

NO_SUCH_UUID = "00000000-0000-4000-8000-000000000000"
RECHECK_SECONDS = 0.5  # the pace of re-listing while a real cloud settles


def keypair_name(prefix: str) -> str:
    """nova's keypair names are unique per user, and the cloud may outlive a test session."""
    return f"{prefix}-{secrets.token_hex(4)}"


class OpenStackBackend(ConformanceBackend):
    settle_rounds = 240  # 2 minutes at RECHECK_SECONDS: nova and cinder's fakes settle in seconds

    def __init__(self, cloud: OpenStackCloud):
        self.cloud = cloud
        self.create_specs = {**standard_create_specs(self), Kind.KEYPAIR: self._keypair_spec}
        self.missing_ids = {kind: NO_SUCH_UUID for kind in Kind} | {Kind.KEYPAIR: "conformance-no-such-keypair"}

    @staticmethod
    async def _keypair_spec(driver: OpenStackDriver) -> dict:
        return {"name": keypair_name(unique_name(Kind.KEYPAIR))}

    def make_driver(self) -> OpenStackDriver:
        return OpenStackDriver(self.cloud.account_config(self.cloud.password_credentials("project-a")))

    def make_driver_bad_credentials(self) -> OpenStackDriver:
        credentials = self.cloud.password_credentials("project-a", password="not-the-password")
        return OpenStackDriver(self.cloud.account_config(credentials))

    async def settle(self) -> None:
        await asyncio.sleep(RECHECK_SECONDS)


@pytest.fixture
def backend(openstack_cloud: OpenStackCloud) -> OpenStackBackend:  # noqa: F811
    return OpenStackBackend(openstack_cloud)


@on_openstack
class TestOpenStackConformance(DriverConformance):
    @pytest.fixture
    def backend(self, backend: OpenStackBackend) -> OpenStackBackend:
        return backend


@pytest.fixture
async def driver(backend: OpenStackBackend) -> AsyncIterator[OpenStackDriver]:
    driver = backend.make_driver()
    yield driver
    await driver.close()


async def auth_token(driver: OpenStackDriver) -> str:
    """The keystone token the driver's connection holds now."""
    return await driver._connection.run(lambda conn: conn.auth_token)


# -- accounts ---------------------------------------------------------------------------------


@on_openstack
def test_the_entry_point_loads_the_openstack_driver(openstack_cloud: OpenStackCloud) -> None:  # noqa: F811
    assert load_driver("openstack") is OpenStackDriver


@on_openstack
async def test_password_and_application_credentials_name_the_same_project(openstack_cloud: OpenStackCloud) -> None:  # noqa: F811
    project = openstack_cloud.project("project-a")
    by_password = OpenStackDriver(openstack_cloud.account_config(openstack_cloud.password_credentials("project-a")))
    by_app = OpenStackDriver(
        openstack_cloud.account_config(openstack_cloud.application_credentials(), region="RegionOne")
    )
    for driver in (by_password, by_app):
        identity = await driver.check_credentials()
        assert (identity.id, identity.name) == (project["id"], "project-a")
        assert identity.attrs["user_id"] == project["user_id"] and identity.attrs["region"] == "RegionOne"
        await driver.close()


@on_openstack
@pytest.mark.parametrize(
    ("overrides", "reason", "says"),
    [
        ({"password": "wrong"}, "user", "wrong username or password"),
        ({"username": "nobody"}, "user", "wrong username or password"),
        ({"project_name": "no-such-project"}, "project", "project 'no-such-project'"),
        ({"project_name": "project-b"}, "project", "has no role on it"),  # bob's, not alice's
    ],
)
async def test_refused_credentials_say_why(
    openstack_cloud: OpenStackCloud, overrides: dict, reason: str, says: str  # noqa: F811
) -> None:
    credentials = openstack_cloud.password_credentials("project-a", **overrides)
    driver = OpenStackDriver(openstack_cloud.account_config(credentials))
    with pytest.raises(CloudAuthFailed) as refused:
        await driver.check_credentials()
    assert refused.value.details["reason"] == reason and says in refused.value.message
    await driver.close()


@on_openstack
async def test_a_wrong_application_credential_is_refused(openstack_cloud: OpenStackCloud) -> None:  # noqa: F811
    credentials = {**openstack_cloud.application_credentials(), "application_credential_secret": "wrong"}
    driver = OpenStackDriver(openstack_cloud.account_config(credentials))
    with pytest.raises(CloudAuthFailed) as refused:
        await driver.check_credentials()
    assert refused.value.details["reason"] == "application_credential"


@on_openstack
async def test_an_unknown_region_is_refused(openstack_cloud: OpenStackCloud) -> None:  # noqa: F811
    credentials = openstack_cloud.password_credentials("project-a")
    driver = OpenStackDriver(openstack_cloud.account_config(credentials, region="NoSuchRegion"))
    with pytest.raises(InvalidRequest, match="RegionOne"):
        await driver.check_credentials()


@on_openstack
async def test_a_revoked_token_is_renewed_by_the_next_call(
    openstack_cloud: OpenStackCloud, driver: OpenStackDriver  # noqa: F811
) -> None:
    before = {r.cloud_id for r in await driver.list(Kind.FLAVOR)}
    token = await auth_token(driver)
    openstack_cloud.connect("admin").identity.revoke_token(token)
    assert {r.cloud_id for r in await driver.list(Kind.FLAVOR)} == before
    assert await auth_token(driver) != token


# -- what the driver makes of the services ------------------------------------------------------------


@on_openstack
async def test_datacenters_are_the_region_and_its_zones(driver: OpenStackDriver) -> None:
    datacenters = {dc.cloud_id: dc for dc in await driver.list(Kind.DATACENTER)}
    assert datacenters["RegionOne"].attrs == {"type": "region", "region": "RegionOne", "parent": None}
    assert datacenters["nova"].attrs == {"type": "zone", "region": "RegionOne", "parent": "RegionOne"}
    assert datacenters["nova"].cloud_attrs["services"] == {"compute": True, "volume": True}


@on_openstack
async def test_the_seeded_catalog_shows_through(openstack_cloud: OpenStackCloud, driver: OpenStackDriver) -> None:  # noqa: F811
    images = {image.cloud_id: image for image in await driver.list(Kind.IMAGE)}
    seeded = images[openstack_cloud.info["image"]["id"]]
    assert seeded.public and seeded.state == "available"
    assert seeded.attrs == {"os": "cirros", "min_disk_gb": 1, "visibility": "public"}
    flavors = {flavor.name: flavor.attrs for flavor in await driver.list(Kind.FLAVOR)}
    assert flavors["m1.tiny"] == {"vcpus": 1, "ram_mb": 512, "disk_gb": 1}
    subnets = {subnet.name: subnet for subnet in await driver.list(Kind.SUBNET)}
    assert subnets["shared-subnet"].attrs == {"cidr": "192.0.2.0/24", "datacenter": "RegionOne"}


@on_openstack
async def test_an_instance_on_a_subnet_shows_its_address_groups_and_keypair(
    backend: OpenStackBackend, driver: OpenStackDriver
) -> None:
    subnet = await driver.create(Kind.SUBNET, {"name": "attrs-net", "cidr": "10.20.0.0/24", "tags": {"team": "a"}})
    group = await driver.create(Kind.SECURITY_GROUP, {"name": "attrs-sg"})
    keypair = await driver.create(Kind.KEYPAIR, {"name": keypair_name("attrs-key")})
    assert keypair.attrs["private_key"].startswith("-----BEGIN") and "private_key" not in keypair.cloud_attrs
    server = await create_live(
        backend, driver, Kind.INSTANCE, subnet=subnet.cloud_id, security_groups=[group.cloud_id],
        keypair=keypair.cloud_id, tags={"role": "web"},
    )  # fmt: skip
    assert server.attrs["subnet"] == subnet.cloud_id and server.attrs["security_groups"] == [group.cloud_id]
    assert server.attrs["keypair"] == keypair.cloud_id and server.tags == {"role": "web"}
    assert server.attrs["addresses"][0].startswith("10.20.0.")
    assert subnet.tags == {"team": "a"}
    await driver.destroy(Kind.INSTANCE, server.cloud_id)
    await driver.destroy(Kind.KEYPAIR, keypair.cloud_id)


@on_openstack
async def test_security_group_rules_replace_neutrons_defaults(driver: OpenStackDriver) -> None:
    group = await driver.create(Kind.SECURITY_GROUP, {"name": "rules-sg", "description": "d"})
    assert group.attrs["rules"] == [
        {"direction": "egress", "protocol": "any", "from_port": None, "to_port": None, "cidr": "0.0.0.0/0"},
        {"direction": "egress", "protocol": "any", "from_port": None, "to_port": None, "cidr": "::/0"},
    ]
    ssh = {"direction": "ingress", "protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "10.0.0.0/8"}
    members = {"direction": "ingress", "protocol": "any", "from_port": None, "to_port": None, "cidr": None,
               "group": group.cloud_id}  # fmt: skip
    await driver.edit(Kind.SECURITY_GROUP, group.cloud_id, {"rules": [ssh, members]})
    listed = next(g for g in await driver.list(Kind.SECURITY_GROUP) if g.cloud_id == group.cloud_id)
    assert sorted(listed.attrs["rules"], key=str) == sorted([ssh, members], key=str)
    for bad in ({**ssh, "protocol": "gre"}, {**ssh, "from_port": 80, "to_port": 22}, {**ssh, "cidr": "nope"},
                {**ssh, "direction": "sideways"}, {**ssh, "colour": "red"}):  # fmt: skip
        with pytest.raises(InvalidRequest):
            await driver.edit(Kind.SECURITY_GROUP, group.cloud_id, {"rules": [bad]})
    await driver.destroy(Kind.SECURITY_GROUP, group.cloud_id)


@on_openstack
async def test_a_volume_not_attached_cannot_be_detached(backend: OpenStackBackend, driver: OpenStackDriver) -> None:
    volume = await create_live(backend, driver, Kind.VOLUME)
    with pytest.raises(Conflict):
        await driver.action(Kind.VOLUME, volume.cloud_id, "detach", {})
    with pytest.raises(InvalidRequest):
        await driver.action(Kind.VOLUME, volume.cloud_id, "attach", {})
    await driver.destroy(Kind.VOLUME, volume.cloud_id)


# -- no cloud needed: the tables, and what is refused before any call ------------------------


@pytest.mark.parametrize("kind", sorted(STATES))
def test_every_native_state_maps_to_a_normalized_one(kind: Kind) -> None:
    assert set(STATES[kind].values()) <= MODEL_STATES[kind]


def test_every_declared_action_has_a_call() -> None:
    for kind, actions in ACTIONS.items():
        assert actions.keys() == KINDS[kind].actions.keys()


def answered(error_type: type[sdk.HttpException], status: int, details: str, **headers: str) -> sdk.HttpException:
    """openstacksdk's exception for an API's answer with this status."""
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers)
    return error_type(details, response=response, details=details)


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (answered(sdk.NotFoundException, 404, "no such server"), NotFound),
        (answered(sdk.ConflictException, 409, "busy"), Conflict),
        (answered(sdk.HttpException, 413, "VolumeLimitExceeded"), QuotaExceeded),
        (answered(sdk.ForbiddenException, 403, "Quota exceeded for instances"), QuotaExceeded),
        (answered(sdk.ForbiddenException, 403, "Policy does not allow"), Forbidden),
        (answered(sdk.HttpException, 503, "down"), Unavailable),
        (answered(sdk.HttpException, 418, "teapot"), InvalidRequest),
        (ksa.Unauthorized("who?"), CloudAuthFailed),
        (ksa.ConnectFailure("refused"), Unavailable),
        (sdk.ResourceTimeout("slow"), Unavailable),
        (requests.exceptions.ChunkedEncodingError("an image's bytes cut off"), Unavailable),
    ],
)
def test_native_errors_map_through_one_table(failure: Exception, expected: type) -> None:
    error = translate(failure)
    assert type(error) is expected and error.details["cloud_error"] == type(failure).__name__


def test_a_throttled_answer_keeps_its_retry_after() -> None:
    error = translate(answered(sdk.HttpException, 429, "slow down", **{"Retry-After": "7"}))
    assert isinstance(error, Throttled) and error.retry_after == 7.0


def test_the_error_table_covers_every_client_and_server_status_openstack_answers() -> None:
    assert {400, 401, 403, 404, 409, 413, 429, 500, 503} <= {key for key in ERRORS if isinstance(key, int)}


def test_tags_round_trip_through_both_styles() -> None:
    tags = {"env": "prod", "team": ""}
    assert tags_from_native(Kind.INSTANCE, tags_to_native(Kind.INSTANCE, tags)) == tags
    assert tags_to_native(Kind.SUBNET, tags) == ["env=prod", "team="]
    assert tags_from_native(Kind.SUBNET, ["env=prod", "legacy"]) == {"env": "prod", "legacy": ""}
    with pytest.raises(InvalidRequest):
        tags_to_native(Kind.SUBNET, {"a=b": "c"})


def test_rules_round_trip() -> None:
    rule = {"direction": "ingress", "protocol": "udp", "from_port": 53, "to_port": 53, "cidr": "fd00::/8"}
    native = rule_to_native(rule)
    assert native["ethertype"] == "IPv6" and native["port_range_min"] == 53
    assert rule_from_native(native) == rule


@pytest.mark.parametrize(
    "credentials",
    [{}, {"username": "alice", "password": "x"}, {"application_credential_id": "x"},
     {"username": "a", "password": "b", "project_name": "c", "token": "d"}],
)  # fmt: skip
async def test_incomplete_credentials_are_invalid_before_any_call(credentials: dict) -> None:
    driver = OpenStackDriver(AccountConfig("openstack", "http://127.0.0.1:9/v3", None, credentials))
    with pytest.raises(InvalidRequest):
        await driver.check_credentials()
