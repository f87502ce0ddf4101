"""The matrix of front-ends × backends (docs/matrix.md): one short flow, driven by each front-end's own unmodified
client, over every backend that runs here: the zones, flavors and images listed, an instance created by name,
seen running and listed, stopped, seen stopped, deleted and seen gone. Over the replayed clouds, which cannot
change, a read-only flow: the listings, and every recorded instance shown.

Each backend is served by one gateway for the whole module (its front-ends take turns on one account); each
front-end is a small adapter over its client. The clients block, so every call runs in a thread while the
gateway serves on the test's loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import boto3
import google.oauth2.credentials
import httpx
import openstack
import pytest
from cs import CloudStack
from googleapiclient import discovery
from googleapiclient.errors import HttpError
from openstack.exceptions import NotFoundException

from cloudgate.core.auth import ADMIN_ID
from cloudgate.drivers.sim import SimCloud
from cloudgate.model import Kind
from cloudgate.query import Match, ResourceQuery
from tests.api.conftest import ADMIN_SECRET, eventually
from tests.frontends.conftest import ADMIN, Served, quick_cloud, replayed, serving
from tests.frontends.ec2.test_backends import MOTO_OPTIONS
from tests.services.moto import PUBLIC_AMIS, REGION, MotoServer, moto_server  # noqa: F401 - the session fixture
from tests.services.openstack import MARKS as ON_OPENSTACK
from tests.services.openstack import OpenStackCloud, openstack_cloud  # noqa: F401 - the session fixture
from tests.services.replay import ReplayServer, replay_server  # noqa: F401 - the session fixture

# -- the backends ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Backend:
    """A cloud behind the gateway, and what the flow picks on it by name."""

    name: str
    zone: str
    flavor: str
    image: str
    deadline: float  # seconds an instance may take to reach a state on this cloud


LIVE = [
    Backend("sim", zone="sim-east-a", flavor="s1.small", image="debian-12", deadline=30),
    Backend("moto", zone=f"{REGION}a", flavor="t3.nano", image=PUBLIC_AMIS[1]["name"], deadline=60),
    Backend("openstack", zone="nova", flavor="m1.tiny", image="cirros-fake", deadline=240),
]
REPLAYED = [
    Backend("replay-cloudstack", zone="Sydney", flavor="Compute Micro PRD",
            image="XEN Basic Ubuntu 10.04 Server x64 PV r2.0", deadline=10),
    Backend("replay-gce", zone="us-central1-a", flavor="n1-standard-1", image="debian-7-wheezy-v20131120",
            deadline=10),
]  # fmt: skip


@dataclass
class World:
    """One backend served by one gateway: the account every front-end drives, as the admin client."""

    backend: Backend
    served: Served
    account: str  # its gateway id, as GCE's URLs name the project (a name may hold a `/`)
    project: str  # its name, as keystone's project
    region: str  # what an EC2 client signs for

    async def stored(self, kind: Kind) -> list[str]:
        """The names the gateway's store holds of `kind` in the account."""
        query = ResourceQuery(kind=kind, matches=(Match("account", (self.account,)),), limit=1000)
        return [r.name for r in (await self.served.gateway.core.resources.query(ADMIN, query)).records]


# How each backend's account is registered: (its account id, the region it is in, where the account says none).
Register = Callable[[pytest.FixtureRequest, Served], Awaitable[tuple[str, str | None]]]


async def _account(served: Served, cloud: str, **how: Any) -> tuple[str, str | None]:
    view, _created = await served.gateway.core.accounts.register(ADMIN, cloud=cloud, **how)
    return view.row.id, view.row.region


@pytest.fixture(scope="module")
def sim_cloud() -> Iterator[SimCloud]:
    with quick_cloud() as cloud:
        yield cloud


async def on_sim(request: pytest.FixtureRequest, served: Served) -> tuple[str, str | None]:
    cloud: SimCloud = request.getfixturevalue("sim_cloud")
    return await served.account(cloud, "AK-A"), cloud.regions[0]


async def on_moto(request: pytest.FixtureRequest, served: Served) -> tuple[str, str | None]:
    moto: MotoServer = request.getfixturevalue("moto_server")
    credentials = moto.new_account().credentials
    return await _account(served, "ec2", endpoint=moto.endpoint, region=REGION, credentials=credentials,
                          options=MOTO_OPTIONS)  # fmt: skip


async def on_openstack(request: pytest.FixtureRequest, served: Served) -> tuple[str, str | None]:
    cloud: OpenStackCloud = request.getfixturevalue("openstack_cloud")
    return await _account(served, "openstack", endpoint=cloud.auth_url, region=None,
                          credentials=cloud.password_credentials("project-a"))  # fmt: skip


def on_replay(cloud: str) -> Register:
    async def register(request: pytest.FixtureRequest, served: Served) -> tuple[str, str | None]:
        return await _account(served, cloud, **replayed(request.getfixturevalue("replay_server"), cloud))

    return register


# Backend -> how its account is registered.
REGISTRATIONS: dict[str, Register] = {
    "sim": on_sim, "moto": on_moto, "openstack": on_openstack, "replay-cloudstack": on_replay("cloudstack"),
    "replay-gce": on_replay("gce"),
}  # fmt: skip


@pytest.fixture(scope="module")
async def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    """The backend `request.param` names, its account registered (and listed once) with a gateway served for the
    whole module."""
    backend: Backend = request.param
    async with serving(tmp_path_factory.mktemp(backend.name)) as served:
        account, region = await REGISTRATIONS[backend.name](request, served)
        for kind in sorted((await served.gateway.pool.get(account))[0].capabilities.kinds):
            assert (await served.gateway.poller.poll(account, kind)).ok
        view = await served.gateway.core.accounts.get(ADMIN, account)
        yield World(backend, served, account, view.row.name or account, region or view.row.region or "default")


# -- the front-ends --------------------------------------------------------------------------------------------


class FrontEnd(Protocol):
    """A front-end as the flow drives it, through its own client (every method blocks). An instance is named by
    the front-end's own reference (`create` answers it); `state` is the front-end's word for its state, None once
    it is gone."""

    RUNNING: ClassVar[str]
    STOPPED: ClassVar[str]
    GONE: ClassVar[frozenset[str | None]]

    def zones(self) -> list[str]: ...
    def flavors(self) -> list[str]: ...
    def images(self) -> list[str]: ...
    def instances(self) -> list[str]: ...
    def create(self, name: str, flavor: str, image: str, zone: str) -> str: ...
    def state(self, instance: str) -> str | None: ...
    def stop(self, instance: str) -> None: ...
    def delete(self, instance: str) -> None: ...
    def close(self) -> None: ...


class V1:
    """/v1 with httpx and a bearer token (the admin client's id and secret exchanged for it at /v1/tokens)."""

    RUNNING, STOPPED, GONE = "running", "stopped", frozenset({None, "terminated"})

    def __init__(self, world: World):
        self.http = httpx.Client(base_url=world.served.url, timeout=30)
        response = self.http.post("/v1/tokens", json={"client_id": "admin", "secret": ADMIN_SECRET})
        assert response.status_code == 201, response.text
        self.http.headers["Authorization"] = f"Bearer {response.json()['token']}"
        self.account = world.account

    @classmethod
    async def open(cls, world: World) -> V1:
        return await asyncio.to_thread(cls, world)

    def _ids(self, collection: str) -> dict[str, str]:
        response = self.http.get(f"/v1/{collection}", params={"account": self.account, "limit": 1000})
        assert response.status_code == 200, response.text
        return {item["name"]: item["id"] for item in response.json()["items"]}

    def zones(self) -> list[str]:
        return list(self._ids("datacenters"))

    def flavors(self) -> list[str]:
        return list(self._ids("flavors"))

    def images(self) -> list[str]:
        return list(self._ids("images"))

    def instances(self) -> list[str]:
        response = self.http.get("/v1/instances", params={"account": self.account, "limit": 1000})
        return [item["name"] for item in response.json()["items"]]

    def create(self, name: str, flavor: str, image: str, zone: str) -> str:
        spec = {"account": self.account, "name": name, "flavor": self._ids("flavors")[flavor],
                "image": self._ids("images")[image], "datacenter": self._ids("datacenters")[zone]}  # fmt: skip
        response = self.http.post("/v1/instances", json=spec)
        assert response.status_code == 202, response.text
        return response.json()["resource"]["id"]

    def state(self, instance: str) -> str | None:
        response = self.http.get(f"/v1/instances/{instance}")
        return None if response.status_code == 404 else response.json()["state"]

    def stop(self, instance: str) -> None:
        response = self.http.post(f"/v1/instances/{instance}/actions/stop")
        assert response.status_code == 202, response.text

    def delete(self, instance: str) -> None:
        response = self.http.delete(f"/v1/instances/{instance}")
        assert response.status_code == 202, response.text

    def close(self) -> None:
        self.http.close()


class Ec2:
    """/ec2 with boto3 and an access key the gateway issued for the account."""

    RUNNING, STOPPED, GONE = "running", "stopped", frozenset({None, "terminated"})

    def __init__(self, ec2: Any):
        self.ec2 = ec2

    @classmethod
    async def open(cls, world: World) -> Ec2:
        view, secret = await world.served.gateway.core.credentials.issue(ADMIN, world.account, name="matrix-boto3")
        return cls(boto3.client("ec2", endpoint_url=f"{world.served.url}/ec2", region_name=world.region,
                                aws_access_key_id=view.id, aws_secret_access_key=secret))  # fmt: skip

    def zones(self) -> list[str]:
        return [z["ZoneName"] for z in self.ec2.describe_availability_zones()["AvailabilityZones"]]

    def flavors(self) -> list[str]:
        return [t["InstanceType"] for t in self.ec2.describe_instance_types()["InstanceTypes"]]

    def _images(self) -> dict[str, str]:
        return {i.get("Name", ""): i["ImageId"] for i in self.ec2.describe_images()["Images"]}

    def images(self) -> list[str]:
        return list(self._images())

    def _reservations(self, **filters: Any) -> list[dict[str, Any]]:
        return [i for r in self.ec2.describe_instances(**filters)["Reservations"] for i in r["Instances"]]

    def instances(self) -> list[str]:
        return [next((t["Value"] for t in i.get("Tags", []) if t["Key"] == "Name"), "") for i in self._reservations()]

    def create(self, name: str, flavor: str, image: str, zone: str) -> str:
        launched = self.ec2.run_instances(
            ImageId=self._images()[image], InstanceType=flavor, MinCount=1, MaxCount=1,
            Placement={"AvailabilityZone": zone},
            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}],
        )  # fmt: skip
        return launched["Instances"][0]["InstanceId"]

    def state(self, instance: str) -> str | None:
        found = self._reservations(InstanceIds=[instance])
        return found[0]["State"]["Name"] if found else None

    def stop(self, instance: str) -> None:
        self.ec2.stop_instances(InstanceIds=[instance])

    def delete(self, instance: str) -> None:
        self.ec2.terminate_instances(InstanceIds=[instance])

    def close(self) -> None:
        self.ec2.close()


class OpenStack:
    """/openstack with openstacksdk: the admin client as keystone's user, the account as its project."""

    RUNNING, STOPPED, GONE = "ACTIVE", "SHUTOFF", frozenset({None, "DELETED"})

    def __init__(self, conn: openstack.connection.Connection):
        self.conn = conn

    @classmethod
    async def open(cls, world: World) -> OpenStack:
        auth = {"auth_url": f"{world.served.url}/openstack/identity", "username": "admin", "password": ADMIN_SECRET,
                "project_name": world.project, "user_domain_name": "Default", "project_domain_name": "Default"}  # fmt: skip
        return cls(openstack.connect(auth=auth, identity_api_version="3", interface="public"))

    def zones(self) -> list[str]:
        return [z.name for z in self.conn.compute.availability_zones()]

    def flavors(self) -> list[str]:
        return [f.name for f in self.conn.compute.flavors()]

    def images(self) -> list[str]:
        return [i.name for i in self.conn.image.images()]

    def instances(self) -> list[str]:
        return [s.name for s in self.conn.compute.servers()]

    def create(self, name: str, flavor: str, image: str, zone: str) -> str:
        made = self.conn.compute.create_server(
            name=name, flavor_id=self.conn.compute.find_flavor(flavor, ignore_missing=False).id,
            image_id=self.conn.image.find_image(image, ignore_missing=False).id, networks="auto", availability_zone=zone,
        )  # fmt: skip
        return made.id

    def state(self, instance: str) -> str | None:
        try:
            return self.conn.compute.get_server(instance).status
        except NotFoundException:
            return None

    def stop(self, instance: str) -> None:
        self.conn.compute.stop_server(instance)

    def delete(self, instance: str) -> None:
        self.conn.compute.delete_server(instance)

    def close(self) -> None:
        self.conn.close()


class CloudStackApi:
    """/client/api with `cs` and an API key the gateway issued for the account; each async command followed to
    its job's end, as `cs` does with fetch_result."""

    RUNNING, STOPPED, GONE = "Running", "Stopped", frozenset({None, "Destroyed", "Expunging"})

    def __init__(self, cs: CloudStack):
        self.cs = cs

    @classmethod
    async def open(cls, world: World) -> CloudStackApi:
        view, secret = await world.served.gateway.core.credentials.issue(ADMIN, world.account, name="matrix-cs")
        return cls(CloudStack(endpoint=f"{world.served.url}/client/api", key=view.id, secret=secret, poll_interval=0.1,
                              job_timeout=world.backend.deadline, fetch_result=True))  # fmt: skip

    def _named(self, listing: list[dict[str, Any]]) -> dict[str, str]:
        return {item["name"]: item["id"] for item in listing}

    def zones(self) -> list[str]:
        return list(self._named(self.cs.listZones(fetch_list=True)))

    def flavors(self) -> list[str]:
        return list(self._named(self.cs.listServiceOfferings(fetch_list=True)))

    def images(self) -> list[str]:
        return list(self._named(self.cs.listTemplates(templatefilter="executable", fetch_list=True)))

    def instances(self) -> list[str]:
        return [vm["name"] for vm in self.cs.listVirtualMachines(fetch_list=True)]

    def create(self, name: str, flavor: str, image: str, zone: str) -> str:
        deployed = self.cs.deployVirtualMachine(
            name=name, serviceofferingid=self._named(self.cs.listServiceOfferings(fetch_list=True))[flavor],
            templateid=self._named(self.cs.listTemplates(templatefilter="executable", fetch_list=True))[image],
            zoneid=self._named(self.cs.listZones(fetch_list=True))[zone],
        )  # fmt: skip
        return deployed["virtualmachine"]["id"]

    def state(self, instance: str) -> str | None:
        found = self.cs.listVirtualMachines(id=instance).get("virtualmachine", [])
        return found[0]["state"] if found else None

    def stop(self, instance: str) -> None:
        self.cs.stopVirtualMachine(id=instance)

    def delete(self, instance: str) -> None:
        self.cs.destroyVirtualMachine(id=instance)

    def close(self) -> None:
        self.cs.session.close()


class Gce:
    """/compute/v1 with google-api-python-client (its bundled discovery document) and a gateway token; the URL's
    project is the account. An instance is `zone/name`; public images are in the catch-all image project."""

    RUNNING, STOPPED, GONE = "RUNNING", "TERMINATED", frozenset({None})
    PUBLIC = "cloudgate-public"

    def __init__(self, compute: Any, project: str):
        self.compute, self.project = compute, project

    @classmethod
    async def open(cls, world: World) -> Gce:
        issued = await world.served.gateway.core.auth.issue_token(ADMIN_ID, ADMIN_SECRET)
        credentials = google.oauth2.credentials.Credentials(token=issued.token)
        compute = discovery.build("compute", "v1", credentials=credentials, static_discovery=True, cache_discovery=False,
                                  client_options={"api_endpoint": f"{world.served.url}/compute/v1/"})  # fmt: skip
        return cls(compute, world.account)

    def zones(self) -> list[str]:
        return [z["name"] for z in self.compute.zones().list(project=self.project).execute().get("items", [])]

    def flavors(self) -> list[str]:
        """Every zone's machine types (a zone named otherwise than GCE names them cannot be given to the client)."""
        listed = self.compute.machineTypes().aggregatedList(project=self.project).execute()
        return sorted({t["name"] for scope in listed.get("items", {}).values() for t in scope.get("machineTypes", [])})

    def images(self) -> list[str]:
        return [i["name"] for project in (self.project, self.PUBLIC)
                for i in self.compute.images().list(project=project).execute().get("items", [])]  # fmt: skip

    def instances(self) -> list[str]:
        listed = self.compute.instances().aggregatedList(project=self.project).execute()
        return [i["name"] for scope in listed.get("items", {}).values() for i in scope.get("instances", [])]

    def create(self, name: str, flavor: str, image: str, zone: str) -> str:
        body = {"name": name, "machineType": f"zones/{zone}/machineTypes/{flavor}",
                "disks": [{"boot": True, "initializeParams": {"sourceImage": f"projects/{self.PUBLIC}/global/images/{image}"}}],
                "networkInterfaces": [{"network": "global/networks/default"}]}  # fmt: skip
        self.compute.instances().insert(project=self.project, zone=zone, body=body).execute()
        return f"{zone}/{name}"

    def state(self, instance: str) -> str | None:
        zone, name = instance.split("/")
        try:
            return self.compute.instances().get(project=self.project, zone=zone, instance=name).execute()["status"]
        except HttpError as error:
            if error.resp.status == 404:
                return None
            raise

    def stop(self, instance: str) -> None:
        zone, name = instance.split("/")
        self.compute.instances().stop(project=self.project, zone=zone, instance=name).execute()

    def delete(self, instance: str) -> None:
        zone, name = instance.split("/")
        self.compute.instances().delete(project=self.project, zone=zone, instance=name).execute()

    def close(self) -> None:
        self.compute.close()


FRONT_ENDS: dict[str, Callable[[World], Awaitable[FrontEnd]]] = {
    "v1": V1.open, "ec2": Ec2.open, "openstack": OpenStack.open, "cloudstack": CloudStackApi.open, "gce": Gce.open,
}  # fmt: skip

# -- the flows -------------------------------------------------------------------------------------------------


@dataclass
class States:
    """The states a front-end showed of an instance, in order (repeats dropped)."""

    seen: list[str | None] = field(default_factory=list)

    def saw(self, state: str | None) -> str | None:
        if not self.seen or self.seen[-1] != state:
            self.seen.append(state)
        return state


async def reaches(
    front_end: FrontEnd, instance: str, wanted: frozenset[str | None], deadline: float, states: States
) -> None:
    """Look at the instance until its state is one of `wanted`, for at most `deadline` seconds."""

    async def there() -> bool:
        return states.saw(await asyncio.to_thread(front_end.state, instance)) in wanted

    try:
        await eventually(there, what=f"{instance} to be {sorted(map(str, wanted))}", timeout=deadline)
    except AssertionError as timed_out:
        raise AssertionError(f"{timed_out}; states seen: {states.seen}") from None


async def listings(front_end: FrontEnd, backend: Backend) -> dict[str, list[str]]:
    """The zones, flavors, images and instances the front-end lists; the backend's picks must be among them."""
    shown = {
        what: await asyncio.to_thread(getattr(front_end, what)) for what in ("zones", "flavors", "images", "instances")
    }
    assert backend.zone in shown["zones"], shown["zones"]
    assert backend.flavor in shown["flavors"], shown["flavors"]
    assert backend.image in shown["images"], shown["images"]
    return shown


async def common_flow(front_end: FrontEnd, backend: Backend, name: str) -> list[str | None]:
    """Listings, then an instance created, running, listed, stopped and deleted; the states it showed."""
    await listings(front_end, backend)
    states = States()
    instance = await asyncio.to_thread(front_end.create, name, backend.flavor, backend.image, backend.zone)
    await reaches(front_end, instance, frozenset({front_end.RUNNING}), backend.deadline, states)
    assert name in await asyncio.to_thread(front_end.instances)
    await asyncio.to_thread(front_end.stop, instance)
    await reaches(front_end, instance, frozenset({front_end.STOPPED}), backend.deadline, states)
    await asyncio.to_thread(front_end.delete, instance)
    await reaches(front_end, instance, front_end.GONE, backend.deadline, states)
    return states.seen


def _cells(backends: list[Backend]) -> list[Any]:
    marks = {"openstack": ON_OPENSTACK}
    return [pytest.param(backend, marks=marks.get(backend.name, ()), id=backend.name) for backend in backends]


@pytest.mark.parametrize("front_end", list(FRONT_ENDS))
@pytest.mark.parametrize("world", _cells(LIVE), indirect=True)
async def test_common_flow(world: World, front_end: str):
    client = await FRONT_ENDS[front_end](world)
    try:
        seen = await common_flow(client, world.backend, f"mx-{front_end}")
    finally:
        client.close()
    assert seen.index(client.RUNNING) < seen.index(client.STOPPED)


@pytest.mark.parametrize("front_end", list(FRONT_ENDS))
@pytest.mark.parametrize("world", _cells(REPLAYED), indirect=True)
async def test_read_only_flow(world: World, front_end: str):
    client = await FRONT_ENDS[front_end](world)
    try:
        shown = await listings(client, world.backend)
    finally:
        client.close()
    stored = await world.stored(Kind.INSTANCE)
    assert stored and sorted(shown["instances"]) == sorted(stored)
