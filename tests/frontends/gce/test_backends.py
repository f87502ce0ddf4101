"""The GCE front-end over other clouds than the sim, with the unmodified google-api-python-client: a machine
flow over the EC2 driver against moto and over the real OpenStack, and listings over the CloudStack replay."""

from __future__ import annotations

import asyncio

import pytest

from cloudgate.core.auth import ADMIN_ID
from cloudgate.model import Kind
from cloudgate.query import Match, ResourceQuery
from tests.api.conftest import ADMIN_SECRET
from tests.frontends.conftest import ADMIN, Served, replayed
from tests.frontends.ec2.test_backends import MOTO_OPTIONS
from tests.frontends.gce.conftest import GceWorld
from tests.frontends.gce.flow import Backend, machine_flow
from tests.services.moto import PUBLIC_AMIS, REGION, MotoServer, moto_server  # noqa: F401
from tests.services.openstack import OpenStackCloud, openstack_cloud  # noqa: F401 - the session fixture
from tests.services.replay import ReplayServer, replay_server  # noqa: F401


async def _world(served: Served, account: str) -> GceWorld:
    for kind in sorted((await served.gateway.pool.get(account))[0].capabilities.kinds):
        assert (await served.gateway.poller.poll(account, kind)).ok
    issued = await served.gateway.core.auth.issue_token(ADMIN_ID, ADMIN_SECRET)
    return GceWorld(served, None, account, account, issued.token)  # type: ignore[arg-type] - no sim behind


async def test_a_machine_flow_over_ec2_on_moto(served: Served, moto_server: MotoServer):  # noqa: F811
    aws = moto_server.new_account()
    view, _created = await served.gateway.core.accounts.register(
        ADMIN, cloud="ec2", endpoint=moto_server.endpoint, region=REGION, credentials=aws.credentials,
        options=MOTO_OPTIONS,
    )  # fmt: skip
    world = await _world(served, view.row.id)
    backend = Backend(machine_type="t3.nano", image=PUBLIC_AMIS[1]["name"], zone=f"{REGION}a")
    await asyncio.to_thread(machine_flow, world.compute(), world.project, backend)
    direct = moto_server.client("ec2", aws.credentials)
    states = {i["State"]["Name"] for r in direct.describe_instances()["Reservations"] for i in r["Instances"]}
    assert states == {"terminated"}


@pytest.mark.openstack
async def test_a_machine_flow_over_the_real_openstack(served: Served, openstack_cloud: OpenStackCloud):  # noqa: F811
    view, _created = await served.gateway.core.accounts.register(
        ADMIN, cloud="openstack", endpoint=openstack_cloud.auth_url, region=None,
        credentials=openstack_cloud.password_credentials("project-a"),
    )  # fmt: skip
    world = await _world(served, view.row.id)
    seen = await asyncio.to_thread(machine_flow, world.compute(), world.project,
                                   Backend(machine_type="m1.tiny", image="cirros-fake", zone="nova"))  # fmt: skip
    nova = await asyncio.to_thread(lambda: [s.name for s in openstack_cloud.connect("alice").compute.servers()])
    assert seen["machine"]["name"] not in nova


async def test_listings_over_the_replayed_cloudstack(served: Served, replay_server: ReplayServer):  # noqa: F811
    view, _created = await served.gateway.core.accounts.register(
        ADMIN, cloud="cloudstack", **replayed(replay_server, "cloudstack")
    )
    world = await _world(served, view.row.id)
    compute = world.compute()
    shown = await asyncio.to_thread(lambda: compute.instances().aggregatedList(project=world.project).execute())
    machines = [vm["name"] for scope in shown.get("items", {}).values() for vm in scope.get("instances", [])]
    stored = await served.gateway.core.resources.query(
        ADMIN, ResourceQuery(kind=Kind.INSTANCE, matches=(Match("account", (view.row.id,)),), limit=1000)
    )
    assert machines and sorted(machines) == sorted(r.name for r in stored.records)
    zones = await asyncio.to_thread(lambda: compute.zones().list(project=world.project).execute())
    assert [z["name"] for z in zones["items"]] == ["Sydney"]
