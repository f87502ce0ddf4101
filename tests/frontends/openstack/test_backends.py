"""The OpenStack front-end over other clouds than the sim: a shorter server flow over the EC2 driver against
moto, and listings over the CloudStack and GCE replays, with unmodified openstacksdk."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from cloudgate.core import Caller
from cloudgate.model import Kind
from cloudgate.query import Match, ResourceQuery
from tests.frontends.conftest import ADMIN, Served, replayed
from tests.frontends.ec2.test_backends import MOTO_OPTIONS
from tests.frontends.openstack.conftest import OpenStackWorld, await_status, open_world
from tests.services.moto import PUBLIC_AMIS, REGION, MotoServer, moto_server  # noqa: F401
from tests.services.replay import ReplayServer, replay_server  # noqa: F401


def _server_flow(world: OpenStackWorld) -> dict[str, str]:
    conn = world.connect()
    flavor = conn.compute.find_flavor(world.flavor_name)
    made = conn.compute.create_server(name="on-ec2", image_id=world.os_image_id, flavor_id=flavor.id, networks="auto",
                                      availability_zone=world.zone_names[0])  # fmt: skip
    server, seen = await_status(conn, made.id, "ACTIVE")
    conn.compute.stop_server(server)
    await_status(conn, server.id, "SHUTOFF")
    keypair = conn.compute.create_keypair(name="ops")
    assert keypair.private_key and [k.name for k in conn.compute.keypairs()] == ["ops"]
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, wait=60)
    return {"first": seen[0], "zone": server.availability_zone, "flavor": server.flavor.original_name}


async def test_a_server_flow_over_ec2_on_moto(served: Served, moto_server: MotoServer, tmp_path: Path):  # noqa: F811
    aws = moto_server.new_account()

    async def register(caller: Caller) -> str:
        view, _created = await served.gateway.core.accounts.register(
            caller, cloud="ec2", endpoint=moto_server.endpoint, region=REGION, credentials=aws.credentials,
            options=MOTO_OPTIONS,
        )  # fmt: skip
        return view.row.id

    world = await open_world(served, tmp_path, register, flavor="t3.nano", image=PUBLIC_AMIS[1]["name"])
    seen = await asyncio.to_thread(_server_flow, world)
    assert seen["zone"] == world.zone_names[0] and seen["flavor"] == "t3.nano"
    # behind the gateway, moto has what openstacksdk made through it
    direct = moto_server.client("ec2", aws.credentials)
    states = {i["State"]["Name"] for r in direct.describe_instances()["Reservations"] for i in r["Instances"]}
    assert states == {"terminated"}
    assert [k["KeyName"] for k in direct.describe_key_pairs()["KeyPairs"]] == ["ops"]


def _listings(world: OpenStackWorld) -> dict[str, list[str]]:
    conn = world.connect()
    return {
        "servers": [s.id for s in conn.compute.servers()],
        "flavors": [f.name for f in conn.compute.flavors()],
        "zones": [z.name for z in conn.compute.availability_zones()],
    }


@pytest.mark.parametrize("cloud", ["cloudstack", "gce"])
async def test_listings_over_the_replayed_clouds(served: Served, replay_server: ReplayServer, tmp_path: Path, cloud: str):  # noqa: F811

    async def register(caller: Caller) -> str:
        view, _created = await served.gateway.core.accounts.register(caller, cloud=cloud, **replayed(replay_server, cloud))
        return view.row.id

    world = await open_world(served, tmp_path, register, flavor="", image=None)
    shown = await asyncio.to_thread(_listings, world)
    stored = await served.gateway.core.resources.query(
        ADMIN, ResourceQuery(kind=Kind.INSTANCE, matches=(Match("account", (world.project,)),), limit=1000))
    assert shown["servers"] and len(shown["servers"]) == len(stored.records)
    assert shown["flavors"] and shown["zones"]
