"""Scope on the OpenStack front-end (issue 18, seed 001): alice's project CloudOne and her account CloudTwo on two
sim clouds. The seed's command with the unmodified `openstack` CLI and the plugin (`--os-scope`), and without the
plugin through OpenStackoïd's token form (`<token>!SCOPE!<json>`, exchanged at keystone for a token that carries
the scope); listings read the scope's cloud; a network of another cloud, a cloud alice never proved and a
malformed scope are each a 4xx in the service's own fault shape."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openstack
import pytest
import yaml

from cloudgate.core import Caller
from cloudgate.drivers.sim import SimCloud
from cloudgate.foreign_ids import to_uuid
from cloudgate.frontends.openstack.scoped_tokens import SEPARATOR
from cloudgate.model import Kind
from cloudgate.query import Match, ResourceQuery
from tests.api.conftest import eventually
from tests.frontends.conftest import ADMIN, Served, quick_cloud
from tests.frontends.openstack.conftest import FLAVOR, IMAGE, OpenStackWorld, await_status, open_world
from tests.services.openstack import (
    OpenStackCloud,
    on_openstack,
    openstack_cli,
    openstack_cloud,  # noqa: F401 - the session fixture
)

SOURCE_IMAGE = "cirros"  # CloudTwo's own image, as in the seed
SCOPED_CLOUD = "scoped"  # the clouds.yaml cloud that logs in with a token in OpenStackoïd's form


@dataclass
class TwoClouds:
    world: OpenStackWorld  # alice, her project CloudOne
    two: str  # the account alice calls CloudTwo
    cirros: str  # the gateway id of CloudTwo's image `cirros`
    unproven: str  # an account of the admin's on CloudTwo's cloud, which alice never proved

    @property
    def one(self) -> str:
        return self.world.project


async def _settled(served: Served, caller: Caller, kind: Kind, spec: dict[str, Any], state: str) -> str:
    """A resource made through the core as `caller`, once the poller sees it `state`."""
    core = served.gateway.core
    record, _operation = await core.operations.create(caller, kind, spec)

    async def there() -> bool:
        return (await core.resources.get(caller, record.id)).state == state

    await eventually(there, what=f"{record.id} to be {state}", timeout=30)
    return record.id


async def _alias_account(served: Served, cloud: SimCloud, caller: Caller, alias: str) -> str:
    """The sim project of access key AK-A, proven by `caller` and called `alias` in its scopes (its keystone project's
    name is `alias` in lower case), listed once."""
    view, _created = await served.gateway.core.accounts.register(
        caller, cloud="sim", endpoint=cloud.endpoint, region=None,
        credentials={"access_key": "AK-A", "secret_key": "SK-A"}, name=alias.lower(), alias=alias,
    )  # fmt: skip
    for kind in sorted((await served.gateway.pool.get(view.row.id))[0].capabilities.kinds):
        assert (await served.gateway.poller.poll(view.row.id, kind)).ok
    return view.row.id


async def _private_image(served: Served, caller: Caller, account: str, name: str) -> str:
    """An image of the account's own, made from a server of a public image."""
    core, mine = served.gateway.core, Match("account", (account,))
    zones = await core.resources.query(
        caller, ResourceQuery(kind=Kind.DATACENTER, matches=(mine, Match("attrs.type", ("zone",))))
    )
    spec = {
        "account": account,
        "name": f"{name}-source",
        "image": IMAGE,
        "flavor": FLAVOR,
        "datacenter": zones.records[0].name,
    }
    server = await _settled(served, caller, Kind.INSTANCE, spec, "running")
    return await _settled(
        served, caller, Kind.IMAGE, {"account": account, "name": name, "instance": server}, "available"
    )


@pytest.fixture
async def clouds(served: Served, quick_sim: SimCloud, tmp_path: Path) -> AsyncIterator[TwoClouds]:
    with quick_cloud() as second:
        second.populate("project-a", "sim-east", subnets=1)  # CloudTwo's network has a subnet
        made: dict[str, str] = {}

        async def register(caller: Caller) -> str:
            made["two"] = await _alias_account(served, second, caller, "CloudTwo")
            made["cirros"] = await _private_image(served, caller, made["two"], SOURCE_IMAGE)
            return await _alias_account(served, quick_sim, caller, "CloudOne")

        world = await open_world(served, tmp_path, register, flavor=FLAVOR, image=IMAGE)
        unproven = await served.account(second, "AK-B")
        yield TwoClouds(world, made["two"], made["cirros"], unproven)


def scoped(token: str, scope: Mapping[str, str] | str) -> str:
    """The token in OpenStackoïd's form."""
    return token + SEPARATOR + (scope if isinstance(scope, str) else json.dumps(scope))


async def login(world: OpenStackWorld, token: str | None = None) -> str:
    """A token of alice's project from keystone: by password, or exchanged for `token` (the token method)."""
    method = ({"methods": ["token"], "token": {"id": token}} if token is not None else
              {"methods": ["password"], "password": {"user": {"name": world.user, "password": world.password,
                                                              "domain": {"id": "default"}}}})  # fmt: skip
    body = {"auth": {"identity": method, "scope": {"project": {"id": world.project}}}}
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{world.auth_url}/v3/auth/tokens", json=body)
    assert answer.status_code == 201, answer.text
    return answer.headers["X-Subject-Token"]


def image_names(answer: httpx.Response) -> dict[str, str]:
    assert answer.status_code == 200, answer.text
    return {image["id"]: image["name"] for image in answer.json()["images"]}


# -- the seed ------------------------------------------------------------------------------------------


def write_scoped_cloud(world: OpenStackWorld, token: str) -> None:
    """A cloud in the world's clouds.yaml that logs in with `token` (keystone's token method), nothing else."""
    config = yaml.safe_load(world.clouds_yaml.read_text())
    config["clouds"][SCOPED_CLOUD] = {"auth_type": "v3token", "identity_api_version": 3, "interface": "public",
                                      "auth": {"auth_url": world.auth_url, "token": token, "project_id": world.project}}  # fmt: skip
    world.clouds_yaml.write_text(yaml.safe_dump(config))


def seed_command(world: OpenStackWorld, flavor: str, image: str, source_id: str, source_images: dict[str, str]) -> None:
    """The seed's command as written, on the world's project with `image` (OpenStack id `source_id`) of the cloud
    called CloudTwo, whose images are `source_images`; then the token form without the plugin's option (the
    world's clouds.yaml holds SCOPED_CLOUD). Asserts as it goes; any pair of backends."""
    server = world.cli("server", "create", "my-vm", "--flavor", flavor, "--image", image,
                       "--os-scope", '{"image": "CloudTwo"}', "--wait", "-f", "json")  # fmt: skip
    assert server["status"] == "ACTIVE", server
    replicas = [i for i in world.cli("image", "list", "-f", "json") if i["Name"] == image]
    assert len(replicas) == 1 and replicas[0]["ID"] != source_id, replicas  # the copy in the project's cloud
    assert server["image"] == f"{image} ({replicas[0]['ID']})"
    listed = openstack_cli(world.clouds_yaml, SCOPED_CLOUD, "image", "list", "-f", "json")
    assert {i["ID"]: i["Name"] for i in listed} == source_images


async def test_the_seed_command_runs_as_written_with_the_plugin_and_without_it(clouds: TwoClouds):
    world = clouds.world
    two_images = image_names(await _glance(clouds, {"image": "CloudTwo"}))
    write_scoped_cloud(world, scoped(await login(world), {"image": "CloudTwo"}))
    await asyncio.to_thread(seed_command, world, FLAVOR, SOURCE_IMAGE, to_uuid(clouds.cirros), two_images)


async def test_the_token_form_boots_from_another_cloud_s_image_with_openstacksdk(clouds: TwoClouds):
    world = clouds.world
    token = scoped(await login(world), {"image": "CloudTwo"})

    def run() -> None:
        conn = openstack.connect(auth_type="v3token", identity_api_version="3", interface="public",
                                 auth={"auth_url": world.auth_url, "token": token, "project_id": world.project})  # fmt: skip
        (cirros,) = [image for image in conn.image.images() if image.name == SOURCE_IMAGE]
        assert cirros.id == to_uuid(clouds.cirros)
        flavor = conn.compute.find_flavor(FLAVOR)
        created = conn.compute.create_server(name="from-two", image_id=cirros.id, flavor_id=flavor.id, networks="auto")
        server, _seen = await_status(conn, created.id, "ACTIVE")
        replica = conn.image.get_image(server.image.id)  # a get by id sees CloudOne under the image scope too
        assert replica.name == SOURCE_IMAGE and replica.owner == world.project
        plain = world.connect()
        assert [i.id for i in plain.image.images() if i.name == SOURCE_IMAGE] == [replica.id]

    await asyncio.to_thread(run)


# -- reads under a scope ---------------------------------------------------------------------------------


async def _glance(clouds: TwoClouds, scope: Mapping[str, str] | str | None, token: str | None = None) -> httpx.Response:
    token = token or await login(clouds.world)
    sent = scoped(token, scope) if scope is not None else token
    async with httpx.AsyncClient() as client:
        return await client.get(f"{clouds.world.served.url}/openstack/image/v2/images", headers={"X-Auth-Token": sent})


async def test_listings_read_the_cloud_the_scope_names(clouds: TwoClouds):
    world, root = clouds.world, f"{clouds.world.served.url}/openstack"
    token = await login(world)
    two = image_names(await _glance(clouds, {"image": "CloudTwo"}, token))
    assert two[to_uuid(clouds.cirros)] == SOURCE_IMAGE and IMAGE in two.values()  # its own and its cloud's public
    assert image_names(await _glance(clouds, {"image": clouds.two}, token)) == two  # by account id as by alias
    one = image_names(await _glance(clouds, None, token))
    assert SOURCE_IMAGE not in one.values() and to_uuid(world.image_id) in one and not set(one) & set(two)
    assert image_names(await _glance(clouds, {"image": "CloudOne"}, token)) == one
    # keystone's token method carries the scope over to the token it makes: every request has it
    exchanged = await login(world, scoped(token, {"image": "CloudTwo"}))
    assert image_names(await _glance(clouds, None, exchanged)) == two
    async with httpx.AsyncClient(headers={"X-Auth-Token": scoped(token, {"network": "CloudTwo"})}) as client:
        (network,) = (await client.get(f"{root}/network/v2.0/networks")).json()["networks"]
        assert network["id"] == to_uuid(clouds.two) and len(network["subnets"]) == 1
        flavors = (await client.get(f"{root}/compute/v2.1/flavors")).json()["flavors"]
        assert FLAVOR in {f["name"] for f in flavors}  # compute stays with the project
        validated = await client.get(f"{root}/identity/v3/auth/tokens",
                                     headers={"X-Subject-Token": scoped(token, {"image": "CloudTwo"})})  # fmt: skip
        assert validated.status_code == 200 and validated.json()["token"]["project"]["id"] == world.project
        assert validated.headers["X-Subject-Token"] == scoped(token, {"image": "CloudTwo"})
    # the scope a token carries counts only while alice holds the account (which the admin holds too: it stays)
    core = world.served.gateway.core
    alice = Caller(await core.auth.authenticate(token))
    row = (await core.accounts.get(alice, clouds.two)).row
    await core.accounts.register(ADMIN, cloud="sim", endpoint=row.endpoint, region=None,
                                 credentials={"access_key": "AK-A", "secret_key": "SK-A"})  # fmt: skip
    assert not await core.accounts.remove(alice, clouds.two)
    for refused in (await _glance(clouds, None, exchanged), await _glance(clouds, {"image": clouds.two}, token)):
        assert refused.status_code == 400 and "none of your accounts" in refused.text, refused.text


# -- refusals --------------------------------------------------------------------------------------------


async def test_a_network_of_another_cloud_is_refused_saying_why(clouds: TwoClouds):
    world, root = clouds.world, f"{clouds.world.served.url}/openstack"
    token = scoped(await login(world), {"network": "CloudTwo"})
    async with httpx.AsyncClient(headers={"X-Auth-Token": token}) as client:
        (subnet,) = (await client.get(f"{root}/network/v2.0/subnets")).json()["subnets"]
        flavors = (await client.get(f"{root}/compute/v2.1/flavors")).json()["flavors"]
        (flavor,) = [f["id"] for f in flavors if f["name"] == FLAVOR]
        for network in (to_uuid(clouds.two), subnet["id"]):  # CloudTwo's network, or its subnet named as one
            body = {"server": {"name": "crossing", "imageRef": world.os_image_id, "flavorRef": flavor,
                               "networks": [{"uuid": network}]}}  # fmt: skip
            refused = await client.post(f"{root}/compute/v2.1/servers", json=body)
            assert refused.status_code == 400, refused.text
            message = refused.json()["badRequest"]["message"]
            assert "a network does not reach across clouds" in message and clouds.two in message, message
        servers = (await client.get(f"{root}/compute/v2.1/servers")).json()["servers"]
        assert servers == []  # nothing was made


# (service, path under /openstack with {project}, how its fault names the refusal)
SERVICES = [
    ("compute", "/compute/v2.1/servers", lambda answer: answer.json()["badRequest"]["message"]),
    ("image", "/image/v2/images", lambda answer: answer.text),
    ("volume", "/volume/v3/{project}/volumes", lambda answer: answer.json()["badRequest"]["message"]),
    ("network", "/network/v2.0/networks", lambda answer: answer.json()["NeutronError"]["message"]),
    ("identity", "/identity/v3/auth/tokens", lambda answer: answer.json()["error"]["message"]),
]


async def test_an_unproven_cloud_is_refused_as_one_that_does_not_exist_and_a_malformed_scope_is_a_bad_request(
    clouds: TwoClouds,
):
    world = clouds.world
    token = await login(world)
    unknown = "acc-" + "0" * len(clouds.unproven.removeprefix("acc-"))
    async with httpx.AsyncClient() as client:
        for service, path, said in SERVICES:
            url = world.served.url + "/openstack" + path.replace("{project}", world.project)

            async def ask(scope: str, url: str = url, service: str = service) -> httpx.Response:
                sent = scoped(token, scope)
                headers = {"X-Auth-Token": sent, **({"X-Subject-Token": sent} if service == "identity" else {})}
                return await client.get(url, headers=headers)

            answers = {which: await ask(json.dumps({"image": account}))
                       for which, account in (("unproven", clouds.unproven), ("unknown", unknown))}  # fmt: skip
            for which, answer in answers.items():
                assert answer.status_code == 400, (service, which, answer.text)
            messages = {which: said(answer) for which, answer in answers.items()}
            assert messages["unproven"].replace(clouds.unproven, "?") == messages["unknown"].replace(unknown, "?"), (
                service
            )
            assert "none of your accounts" in messages["unknown"]
            for malformed in ('{"image": "CloudTwo"', '["CloudTwo"]', '{"dns": "CloudTwo"}', '{"image": 2}'):
                answer = await ask(malformed)
                assert answer.status_code == 400, (service, malformed, answer.text)
                assert "scope" in said(answer), (service, malformed, answer.text)
        # keystone's token method refuses a token carrying a bad scope as a bad request too
        body = {"auth": {"identity": {"methods": ["token"], "token": {"id": scoped(token, '{"image"')}}}}
        refused = await client.post(f"{world.auth_url}/v3/auth/tokens", json=body)
        assert refused.status_code == 400 and "scope" in refused.json()["error"]["message"], refused.text


# -- the seed across the real OpenStack --------------------------------------------------------------------

SEED_IMAGE = "cirros-0.3.5-x86_64-disk"  # the seed's image name, which the real cloud's own images do not have
REAL_FLAVOR = "m1.small"  # 20 GB of disk: the replica keeps its source's minimum (10 GB)


async def _real_account(served: Served, cloud: OpenStackCloud, caller: Caller, alias: str) -> str:
    """The real cloud's project-a, proven by `caller`, called `alias` in its scopes, listed once."""
    view, _created = await served.gateway.core.accounts.register(
        caller, cloud="openstack", endpoint=cloud.auth_url, region=None,
        credentials=cloud.password_credentials("project-a"), alias=alias,
    )  # fmt: skip
    for kind in sorted((await served.gateway.pool.get(view.row.id))[0].capabilities.kinds):
        assert (await served.gateway.poller.poll(view.row.id, kind)).ok
    return view.row.id


@on_openstack
async def test_the_seed_command_from_a_sim_image_to_the_real_openstack(
    served: Served, request: pytest.FixtureRequest, tmp_path: Path
):
    """CloudOne is the real OpenStack's project-a, CloudTwo a sim cloud holding the seed's image."""
    cloud: OpenStackCloud = request.getfixturevalue("openstack_cloud")
    with quick_cloud() as second:
        made: dict[str, str] = {}

        async def register(caller: Caller) -> str:
            made["two"] = await _alias_account(served, second, caller, "CloudTwo")
            made["image"] = await _private_image(served, caller, made["two"], SEED_IMAGE)
            return await _real_account(served, cloud, caller, "CloudOne")

        world = await open_world(served, tmp_path, register, flavor=REAL_FLAVOR, image=None)
        write_scoped_cloud(world, scoped(await login(world), {"image": "CloudTwo"}))
        two_images = image_names(await _glance(TwoClouds(world, made["two"], made["image"], ""), {"image": "CloudTwo"}))
        try:
            await asyncio.to_thread(seed_command, world, REAL_FLAVOR, SEED_IMAGE, to_uuid(made["image"]), two_images)
        finally:
            await asyncio.to_thread(_delete_made, cloud, SEED_IMAGE)


@on_openstack
async def test_the_seed_command_from_the_real_openstack_s_image_to_a_sim(
    served: Served, quick_sim: SimCloud, request: pytest.FixtureRequest, tmp_path: Path
):
    """CloudOne is a sim cloud, CloudTwo the real OpenStack's project-a with its cloud's image."""
    cloud: OpenStackCloud = request.getfixturevalue("openstack_cloud")
    image = cloud.info["image"]["name"]
    made: dict[str, str] = {}

    async def register(caller: Caller) -> str:
        made["two"] = await _real_account(served, cloud, caller, "CloudTwo")
        return await _alias_account(served, quick_sim, caller, "CloudOne")

    world = await open_world(served, tmp_path, register, flavor=FLAVOR, image=IMAGE)
    write_scoped_cloud(world, scoped(await login(world), {"image": "CloudTwo"}))
    two_images = image_names(await _glance(TwoClouds(world, made["two"], "", ""), {"image": "CloudTwo"}))
    source = next(uuid for uuid, name in two_images.items() if name == image)
    await asyncio.to_thread(seed_command, world, FLAVOR, image, source, two_images)


def _delete_made(cloud: OpenStackCloud, image: str) -> None:
    """The servers and the replica the test made in the real cloud's project-a (the cloud is shared)."""
    conn = cloud.connect("alice")
    for server in conn.compute.servers():
        if server.name == "my-vm":
            conn.compute.delete_server(server)
    for found in conn.image.images():
        if found.name == image:
            conn.image.delete_image(found)
