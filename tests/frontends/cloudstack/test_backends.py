"""The CloudStack front-end over other clouds than the sim, with the unmodified `cs` client: a machine flow
over the EC2 driver against moto and over the real OpenStack, and listings over the GCE replay."""

from __future__ import annotations

import asyncio

import pytest
from cs import CloudStack

from cloudgate.model import Kind
from cloudgate.query import Match, ResourceQuery
from tests.frontends.cloudstack.conftest import POLL
from tests.frontends.cloudstack.flow import Backend, machine_flow
from tests.frontends.conftest import ADMIN, Served, replayed
from tests.frontends.ec2.test_backends import MOTO_OPTIONS
from tests.services.moto import PUBLIC_AMIS, REGION, MotoServer, moto_server  # noqa: F401
from tests.services.openstack import OpenStackCloud, openstack_cloud  # noqa: F401 - the session fixture
from tests.services.replay import ReplayServer, replay_server  # noqa: F401


async def _client(served: Served, account: str) -> CloudStack:
    for kind in sorted((await served.gateway.pool.get(account))[0].capabilities.kinds):
        assert (await served.gateway.poller.poll(account, kind)).ok
    view, secret = await served.gateway.core.credentials.issue(ADMIN, account)
    return CloudStack(endpoint=f"{served.url}/client/api", key=view.id, secret=secret, poll_interval=POLL,
                      job_timeout=120, fetch_result=True)  # fmt: skip


async def test_a_machine_flow_over_ec2_on_moto(served: Served, moto_server: MotoServer):  # noqa: F811
    aws = moto_server.new_account()
    view, _created = await served.gateway.core.accounts.register(
        ADMIN, cloud="ec2", endpoint=moto_server.endpoint, region=REGION, credentials=aws.credentials,
        options=MOTO_OPTIONS,
    )  # fmt: skip
    cs = await _client(served, view.row.id)
    seen = await asyncio.to_thread(machine_flow, cs, Backend(offering="t3.nano", template=PUBLIC_AMIS[1]["name"]))
    assert seen["zone"]["name"].startswith(REGION)
    # behind the gateway, moto has the machine the flow made, terminated, under its own id
    direct = moto_server.client("ec2", aws.credentials)
    states = {i["State"]["Name"] for r in direct.describe_instances()["Reservations"] for i in r["Instances"]}
    assert states == {"terminated"}


@pytest.mark.openstack
async def test_a_machine_flow_over_the_real_openstack(served: Served, openstack_cloud: OpenStackCloud):  # noqa: F811
    view, _created = await served.gateway.core.accounts.register(
        ADMIN, cloud="openstack", endpoint=openstack_cloud.auth_url, region=None,
        credentials=openstack_cloud.password_credentials("project-a"),
    )  # fmt: skip
    cs = await _client(served, view.row.id)
    seen = await asyncio.to_thread(machine_flow, cs, Backend(offering="m1.tiny", template="cirros-fake", zone="nova"))
    nova = await asyncio.to_thread(lambda: [s.name for s in openstack_cloud.connect("alice").compute.servers()])
    assert seen["machine"]["name"] not in nova


async def test_listings_over_the_replayed_gce(served: Served, replay_server: ReplayServer):  # noqa: F811
    view, _created = await served.gateway.core.accounts.register(ADMIN, cloud="gce", **replayed(replay_server, "gce"))
    cs = await _client(served, view.row.id)
    machines = await asyncio.to_thread(cs.listVirtualMachines, fetch_list=True)
    stored = await served.gateway.core.resources.query(
        ADMIN, ResourceQuery(kind=Kind.INSTANCE, matches=(Match("account", (view.row.id,)),), limit=1000)
    )
    assert machines and sorted(m["name"] for m in machines) == sorted(r.name for r in stored.records)
    assert {m["zonename"] for m in machines} <= {
        z["name"] for z in await asyncio.to_thread(cs.listZones, fetch_list=True)
    }
    assert await asyncio.to_thread(cs.listServiceOfferings, fetch_list=True)
