"""Scope through the EC2 front-end with unmodified boto3: an access key issued with a default scope
(`cloudgate credential create --account CloudOne --scope '{"image": "CloudTwo"}'`) describes CloudTwo's images,
boots on CloudOne from one of them (replicated first), and is refused a subnet of another cloud in EC2's
error codes."""

from __future__ import annotations

import asyncio
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from cloudgate.foreign_ids import to_ec2_id
from cloudgate.model import Kind
from cloudgate.query import Match, ResourceQuery
from tests.frontends.scoped import ADMIN, TwoClouds


def ec2_client(world: TwoClouds, key: tuple[str, str]) -> Any:
    return boto3.client(
        "ec2", endpoint_url=f"{world.served.url}/ec2", region_name=world.one.regions[0],
        aws_access_key_id=key[0], aws_secret_access_key=key[1],
    )  # fmt: skip


async def test_a_scoped_key_describes_the_image_clouds_images(two_clouds: TwoClouds):
    world = two_clouds
    ec2 = ec2_client(world, await world.key({"image": "CloudTwo"}))
    described = await asyncio.to_thread(lambda: ec2.describe_images()["Images"])
    query = ResourceQuery(kind=Kind.IMAGE, matches=(Match("account", (world.cloud_two,)),))
    twos = (await world.served.gateway.core.resources.query(ADMIN, query)).records
    assert {i["ImageId"] for i in described} == {to_ec2_id(Kind.IMAGE, r.id) for r in twos}  # public ones too
    [own] = await asyncio.to_thread(lambda: ec2.describe_images(Owners=["self"])["Images"])
    assert (own["ImageId"], own["Name"]) == (to_ec2_id(Kind.IMAGE, world.golden), "golden")
    # only the image service is CloudTwo's: the subnets are still CloudOne's
    subnets = await asyncio.to_thread(lambda: ec2.describe_subnets()["Subnets"])
    assert [s["Tags"] for s in subnets] == [[{"Key": "Name", "Value": "near"}]]


async def test_a_scoped_key_boots_on_its_own_cloud_from_a_replica_of_the_image_clouds_image(two_clouds: TwoClouds):
    world = two_clouds
    ec2 = ec2_client(world, await world.key({"image": "CloudTwo"}))
    golden = to_ec2_id(Kind.IMAGE, world.golden)

    def boot() -> dict[str, Any]:
        made = ec2.run_instances(ImageId=golden, InstanceType="s1.small", MinCount=1, MaxCount=1)["Instances"][0]
        ec2.get_waiter("instance_running").wait(InstanceIds=[made["InstanceId"]], WaiterConfig={"Delay": 0.2})
        return ec2.describe_instances(InstanceIds=[made["InstanceId"]])["Reservations"][0]["Instances"][0]

    running = await asyncio.to_thread(boot)
    [replica] = await world.replicas_of_golden()
    assert replica.tags.get("cloudgate:replica-of") == world.golden
    [instance] = await world.records(world.cloud_one, Kind.INSTANCE)
    assert to_ec2_id(Kind.INSTANCE, instance.id) == running["InstanceId"]
    assert instance.attrs["image"] == replica.cloud_id  # booted on CloudOne from the replica
    assert running["ImageId"] == to_ec2_id(Kind.IMAGE, replica.id)


async def test_a_subnet_of_another_cloud_is_refused_in_ec2s_codes(two_clouds: TwoClouds):
    world = two_clouds
    ec2 = ec2_client(world, await world.key({"image": "CloudTwo", "network": "CloudTwo"}))
    far = to_ec2_id(Kind.SUBNET, world.far_subnet)
    assert far in {s["SubnetId"] for s in await asyncio.to_thread(lambda: ec2.describe_subnets()["Subnets"])}

    def launch() -> None:
        ec2.run_instances(ImageId=to_ec2_id(Kind.IMAGE, world.golden), InstanceType="s1.small", MinCount=1,
                          MaxCount=1, SubnetId=far)  # fmt: skip

    with pytest.raises(ClientError) as refused:
        await asyncio.to_thread(launch)
    error = refused.value.response["Error"]
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Code"] == "InvalidParameterCombination"
    assert "a network does not reach across clouds" in error["Message"], error
    assert await world.records(world.cloud_one, Kind.INSTANCE) == []
    assert await world.replicas_of_golden() == []  # refused before anything was copied


async def test_a_key_whose_scope_names_a_cloud_the_client_gave_up_is_refused(two_clouds: TwoClouds):
    world = two_clouds
    ec2 = ec2_client(world, await world.key({"image": "CloudTwo"}))
    await world.give_up_cloud_two()
    golden = to_ec2_id(Kind.IMAGE, world.golden)
    for call in (ec2.describe_images, lambda: ec2.run_instances(ImageId=golden, InstanceType="s1.small", MinCount=1,
                                                                MaxCount=1)):  # fmt: skip
        with pytest.raises(ClientError) as refused:
            await asyncio.to_thread(call)
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert refused.value.response["Error"]["Code"] == "InvalidParameterValue"
        assert "is none of your accounts" in refused.value.response["Error"]["Message"]
    assert await world.replicas_of_golden() == []
