"""The EC2 front-end over a real OpenStack (keystone, nova, glance, cinder, neutron on 127.0.0.1): a shorter
read-and-lifecycle flow with unmodified boto3."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.frontends.conftest import ADMIN, Served
from tests.frontends.ec2.flow import FAST, instances_of
from tests.frontends.ec2.test_backends import _client
from tests.services.openstack import OpenStackCloud, openstack_cloud  # noqa: F401 - the session fixture

pytestmark = pytest.mark.openstack


def flow(ec2: Any) -> dict[str, Any]:
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
    assert "nova" in zones and "m1.tiny" in {t["InstanceType"] for t in ec2.describe_instance_types()["InstanceTypes"]}
    image = next(i["ImageId"] for i in ec2.describe_images()["Images"] if i["Name"] == "cirros-fake")
    subnet = next(s["SubnetId"] for s in ec2.describe_subnets()["Subnets"] if s["CidrBlock"])
    launched = ec2.run_instances(ImageId=image, InstanceType="m1.tiny", MinCount=1, MaxCount=1, SubnetId=subnet,
                                 Placement={"AvailabilityZone": "nova"},
                                 TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "ec2-on-os"}]}])  # fmt: skip
    instance = launched["Instances"][0]["InstanceId"]
    ec2.get_waiter("instance_running").wait(InstanceIds=[instance], WaiterConfig=FAST)
    (shown,) = instances_of(ec2, Filters=[{"Name": "tag:Name", "Values": ["ec2-on-os"]}])
    ec2.stop_instances(InstanceIds=[instance])
    ec2.get_waiter("instance_stopped").wait(InstanceIds=[instance], WaiterConfig=FAST)
    volume = ec2.create_volume(Size=1, AvailabilityZone="nova")["VolumeId"]
    ec2.get_waiter("volume_available").wait(VolumeIds=[volume], WaiterConfig=FAST)
    ec2.delete_volume(VolumeId=volume)
    ec2.terminate_instances(InstanceIds=[instance])
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[instance], WaiterConfig=FAST)
    return shown


async def test_a_shorter_flow_over_the_real_openstack(served: Served, openstack_cloud: OpenStackCloud):  # noqa: F811
    view, _created = await served.gateway.core.accounts.register(
        ADMIN, cloud="openstack", endpoint=openstack_cloud.auth_url, region=None,
        credentials=openstack_cloud.password_credentials("project-a"),
    )  # fmt: skip
    client = await _client(served, view.row.id, view.row.region)
    shown = await asyncio.to_thread(flow, client)
    assert shown["InstanceType"] == "m1.tiny" and shown["Placement"]["AvailabilityZone"] == "nova"
