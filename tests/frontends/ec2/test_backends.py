"""The EC2 front-end over other clouds than the sim: the whole flow over the EC2 driver against moto, a
shorter one over the real OpenStack, and listings over the CloudStack and GCE replays."""

from __future__ import annotations

import asyncio
from typing import Any

import boto3
import pytest

from cloudgate.model import Kind
from cloudgate.query import Match, ResourceQuery
from tests.frontends.conftest import ADMIN, Served, replayed
from tests.frontends.ec2.flow import Backend, instances_of, lifecycle
from tests.services.moto import PUBLIC_AMIS, REGION, MotoServer, moto_server  # noqa: F401
from tests.services.replay import ReplayServer, replay_server  # noqa: F401

MOTO_OPTIONS = {"instance_types": ["t3.*"]}


async def _client(served: Served, account: str, region: str) -> object:
    for kind in sorted((await served.gateway.pool.get(account))[0].capabilities.kinds):
        assert (await served.gateway.poller.poll(account, kind)).ok
    view, secret = await served.gateway.core.credentials.issue(ADMIN, account)
    return boto3.client("ec2", endpoint_url=f"{served.url}/ec2", region_name=region,
                        aws_access_key_id=view.id, aws_secret_access_key=secret)  # fmt: skip


async def test_the_whole_flow_over_ec2_on_moto(served: Served, moto_server: MotoServer):  # noqa: F811
    aws = moto_server.new_account()
    view, _created = await served.gateway.core.accounts.register(
        ADMIN, cloud="ec2", endpoint=moto_server.endpoint, region=REGION, credentials=aws.credentials,
        options=MOTO_OPTIONS,
    )  # fmt: skip
    client = await _client(served, view.row.id, REGION)
    backend = Backend(instance_type="t3.nano", image_name=PUBLIC_AMIS[1]["name"], subnet_cidr="172.31.200.0/24")
    seen = await asyncio.to_thread(lifecycle, client, backend)
    # behind the gateway, moto has what boto3 made through it, under moto's own ids
    direct = moto_server.client("ec2", aws.credentials)
    states = {i["State"]["Name"] for r in direct.describe_instances()["Reservations"] for i in r["Instances"]}
    assert states == {"terminated"} and len(seen["instances"]) == 3
    assert not any(g["GroupName"] == "web" for g in direct.describe_security_groups()["SecurityGroups"])
    shown = await asyncio.to_thread(instances_of, client, InstanceIds=[seen["first"]])  # the gateway serves on this loop
    assert shown[0]["State"]["Name"] == "terminated"


def _listings(client: object) -> dict[str, list[str]]:
    ec2: Any = client
    return {
        "zones": [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]],
        "types": [t["InstanceType"] for t in ec2.describe_instance_types()["InstanceTypes"]],
        "images": [i["ImageId"] for i in ec2.describe_images()["Images"]],
        "instances": [i["InstanceId"] for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]],
        "volumes": [v["VolumeId"] for v in ec2.describe_volumes()["Volumes"]],
        "groups": [g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]],
    }


@pytest.mark.parametrize("cloud", ["cloudstack", "gce"])
async def test_listings_over_the_replayed_clouds(served: Served, replay_server: ReplayServer, cloud: str):  # noqa: F811
    view, _created = await served.gateway.core.accounts.register(ADMIN, cloud=cloud, **replayed(replay_server, cloud))
    client = await _client(served, view.row.id, view.row.region or "default")
    shown = await asyncio.to_thread(_listings, client)
    stored = {kind: len((await served.gateway.core.resources.query(
        ADMIN, ResourceQuery(kind=kind, matches=(Match("account", (view.row.id,)),), limit=1000))).records)
        for kind in (Kind.INSTANCE, Kind.VOLUME, Kind.IMAGE)}  # fmt: skip
    assert shown["instances"] and len(shown["instances"]) == stored[Kind.INSTANCE]
    assert len(shown["volumes"]) == stored[Kind.VOLUME] and len(shown["images"]) == stored[Kind.IMAGE]
    assert shown["zones"] and shown["types"]
    assert all(i.startswith("i-0") for i in shown["instances"]) and all(v.startswith("vol-0") for v in shown["volumes"])
