"""A terminated instance stays describable for an hour, as on EC2, after its cloud has forgotten it (a nova
server is gone once deleted): boto3's instance_terminated waiter depends on it. An instance never terminated
is still not found."""

from __future__ import annotations

import asyncio

import botocore.exceptions
import pytest

from cloudgate.model import Kind
from cloudgate.query import ResourceQuery
from tests.frontends.conftest import ADMIN
from tests.frontends.ec2.conftest import Ec2World
from tests.frontends.ec2.flow import FAST, instances_of


async def test_an_instance_gone_from_its_cloud_is_shown_terminated(ec2: Ec2World):
    client, core, poller = ec2.client(), ec2.served.gateway.core, ec2.served.gateway.poller
    image = (await asyncio.to_thread(client.describe_images))["Images"][0]["ImageId"]
    launched = await asyncio.to_thread(lambda: client.run_instances(
        ImageId=image, InstanceType="s1.large", MinCount=1, MaxCount=1, Placement={"AvailabilityZone": "sim-east-a"}))  # fmt: skip
    instance = launched["Instances"][0]["InstanceId"]
    await asyncio.to_thread(client.terminate_instances, InstanceIds=[instance])
    await asyncio.to_thread(client.get_waiter("instance_terminated").wait, InstanceIds=[instance], WaiterConfig=FAST)
    (record,) = (await core.resources.query(ADMIN, ResourceQuery(kind=Kind.INSTANCE))).records
    ec2.cloud.oob_delete("project-a", "servers", record.cloud_id)  # the cloud forgets it, as nova does
    for _ in range(2):  # the gateway removes what two listings miss
        await poller.poll(ec2.account, Kind.INSTANCE)
    assert (await core.resources.query(ADMIN, ResourceQuery(kind=Kind.INSTANCE))).records == []
    (gone,) = await asyncio.to_thread(instances_of, client, InstanceIds=[instance])
    assert gone["InstanceId"] == instance and gone["State"]["Name"] == "terminated"
    never = "i-0" + "0" * 15 + "1"
    with pytest.raises(botocore.exceptions.ClientError, match="InvalidInstanceID.NotFound"):
        await asyncio.to_thread(instances_of, client, InstanceIds=[never])
