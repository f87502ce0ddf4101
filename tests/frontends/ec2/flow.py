"""The whole life of every kind through the EC2 front-end, driven by unmodified boto3: one flow, run over
each backend that can run here. Blocking (boto3 is): tests run it in a thread."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

FAST = {"Delay": 0.5, "MaxAttempts": 120}  # waiters poll DescribeInstances & co every half second


@dataclass(frozen=True)
class Backend:
    """What the flow needs to know of the cloud behind the gateway."""

    instance_type: str
    image_name: str | None = None  # an image by name, else the first available one
    volume_type: str | None = None
    subnet_cidr: str = "10.0.5.0/24"  # inside the network the cloud's VPC (or the sim) gives subnets


def error_code(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as raised:
        call(*args, **kwargs)
    return raised.value.response["Error"]["Code"]


def public_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def fitting_image(ec2: Any, instance_type: str, name: str | None = None) -> dict[str, Any]:
    """An available image (by name, if given) whose root disk fits the instance type's."""
    (shape,) = ec2.describe_instance_types(InstanceTypes=[instance_type])["InstanceTypes"]
    disk = (shape.get("InstanceStorageInfo") or {}).get("TotalSizeInGB")
    for image in ec2.describe_images()["Images"]:
        sizes = [m.get("Ebs", {}).get("VolumeSize", 0) for m in image.get("BlockDeviceMappings", [])]
        if image["State"] == "available" and name in (None, image["Name"]) and (disk is None or max(sizes, default=0) <= disk):
            return image
    raise AssertionError(f"no image fits {instance_type}")


def instances_of(ec2: Any, **kwargs: Any) -> list[dict[str, Any]]:
    return [i for r in ec2.describe_instances(**kwargs)["Reservations"] for i in r["Instances"]]


def lifecycle(ec2: Any, backend: Backend) -> dict[str, Any]:
    """Every kind's life; what it saw, for the test to assert on."""
    seen: dict[str, Any] = {}
    zone = sorted(z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"])[0]
    assert backend.instance_type in {t["InstanceType"] for t in ec2.describe_instance_types()["InstanceTypes"]}
    image = fitting_image(ec2, backend.instance_type, backend.image_name)

    # key pairs: generated (the private key answered once) and imported
    made = ec2.create_key_pair(KeyName="deploy")
    assert made["KeyMaterial"].startswith("-----BEGIN") and made["KeyPairId"].startswith("key-")
    assert error_code(ec2.create_key_pair, KeyName="deploy") == "InvalidKeyPair.Duplicate"
    imported = ec2.import_key_pair(KeyName="laptop", PublicKeyMaterial=public_key().encode())
    assert imported["KeyFingerprint"]
    assert {k["KeyName"] for k in ec2.describe_key_pairs()["KeyPairs"]} >= {"deploy", "laptop"}

    # a security group and its rules
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    group = ec2.create_security_group(GroupName="web", Description="web servers", VpcId=vpc)["GroupId"]
    ssh = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=ssh)
    assert error_code(ec2.authorize_security_group_ingress, GroupId=group, IpPermissions=ssh) == "InvalidPermission.Duplicate"
    described = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]
    assert described["IpPermissions"][0]["FromPort"] == 22 and described["IpPermissions"][0]["IpRanges"] == [{"CidrIp": "10.0.0.0/8"}]
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroupRules"]
    assert any(r["FromPort"] == 22 and not r["IsEgress"] for r in rules)
    assert error_code(ec2.create_security_group, GroupName="web", Description="again") == "InvalidGroup.Duplicate"

    # a subnet in the account's VPC
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=backend.subnet_cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
    ec2.get_waiter("subnet_available").wait(SubnetIds=[subnet], WaiterConfig=FAST)
    assert ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["CidrBlock"] == backend.subnet_cidr

    # instances: launched idempotently, described with filters and pages, stopped, started, rebooted
    launch = {"ImageId": image["ImageId"], "InstanceType": backend.instance_type, "MinCount": 1, "MaxCount": 1,
              "KeyName": "deploy", "SecurityGroupIds": [group], "Placement": {"AvailabilityZone": zone},
              "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web-1"},
                                                                         {"Key": "team", "Value": "a"}]}]}  # fmt: skip
    first = ec2.run_instances(ClientToken="launch-web-1", **launch)["Instances"][0]["InstanceId"]
    again = ec2.run_instances(ClientToken="launch-web-1", **launch)["Instances"][0]["InstanceId"]
    assert again == first and first.startswith("i-0") and len(first) == 19
    assert error_code(ec2.run_instances, ClientToken="launch-web-1", **{**launch, "MaxCount": 2}) == "IdempotentParameterMismatch"
    more = ec2.run_instances(**{**launch, "MaxCount": 2, "TagSpecifications": []})["Instances"]
    everyone = [first, *(i["InstanceId"] for i in more)]
    ec2.get_waiter("instance_running").wait(InstanceIds=everyone, WaiterConfig=FAST)
    mine = instances_of(ec2, Filters=[{"Name": "tag:team", "Values": ["a"]}, {"Name": "instance-state-name", "Values": ["running"]}])
    assert [i["InstanceId"] for i in mine] == [first]
    assert {t["Key"]: t["Value"] for t in mine[0]["Tags"]} == {"Name": "web-1", "team": "a"}
    assert mine[0]["KeyName"] == "deploy" and mine[0]["SecurityGroups"][0]["GroupId"] == group
    assert mine[0]["Placement"]["AvailabilityZone"] == zone and mine[0]["InstanceType"] == backend.instance_type
    pages = ec2.get_paginator("describe_instances").paginate(PaginationConfig={"PageSize": 5})
    paged = [i["InstanceId"] for page in pages for r in page["Reservations"] for i in r["Instances"]]
    assert set(everyone) <= set(paged) and len(paged) == len(set(paged))
    assert instances_of(ec2, Filters=[{"Name": "instance-type", "Values": [backend.instance_type]}, {"Name": "tag-key", "Values": ["team"]}])
    ec2.stop_instances(InstanceIds=[first])
    ec2.get_waiter("instance_stopped").wait(InstanceIds=[first], WaiterConfig=FAST)
    ec2.start_instances(InstanceIds=[first])
    ec2.get_waiter("instance_running").wait(InstanceIds=[first], WaiterConfig=FAST)
    ec2.reboot_instances(InstanceIds=[first])
    ec2.get_waiter("instance_running").wait(InstanceIds=[first], WaiterConfig=FAST)
    statuses = ec2.describe_instance_status(InstanceIds=[first])["InstanceStatuses"]
    assert statuses[0]["InstanceState"]["Name"] == "running"

    # tags: renamed through its Name tag, tagged and untagged
    ec2.create_tags(Resources=[first], Tags=[{"Key": "Name", "Value": "web-one"}, {"Key": "env", "Value": "test"}])
    ec2.delete_tags(Resources=[first], Tags=[{"Key": "team"}])
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [first]}])["Tags"]
    assert {(t["Key"], t["Value"]) for t in tags} == {("Name", "web-one"), ("env", "test")}

    # a volume: attached, refused while attached, detached, grown, snapshotted, deleted
    volume_args = {"Size": 2, "AvailabilityZone": zone, **({"VolumeType": backend.volume_type} if backend.volume_type else {})}
    volume = ec2.create_volume(**volume_args)["VolumeId"]
    ec2.get_waiter("volume_available").wait(VolumeIds=[volume], WaiterConfig=FAST)
    ec2.attach_volume(VolumeId=volume, InstanceId=first, Device="/dev/sdf")
    ec2.get_waiter("volume_in_use").wait(VolumeIds=[volume], WaiterConfig=FAST)
    attached = ec2.describe_volumes(VolumeIds=[volume])["Volumes"][0]["Attachments"][0]
    assert attached["InstanceId"] == first and attached["State"] == "attached"
    assert error_code(ec2.delete_volume, VolumeId=volume) == "VolumeInUse"
    ec2.detach_volume(VolumeId=volume)
    ec2.get_waiter("volume_available").wait(VolumeIds=[volume], WaiterConfig=FAST)
    ec2.modify_volume(VolumeId=volume, Size=3)
    snapshot = ec2.create_snapshot(VolumeId=volume, Description="nightly")["SnapshotId"]
    ec2.get_waiter("snapshot_completed").wait(SnapshotIds=[snapshot], WaiterConfig=FAST)
    assert ec2.describe_snapshots(SnapshotIds=[snapshot])["Snapshots"][0]["VolumeId"] == volume
    ec2.delete_snapshot(SnapshotId=snapshot)
    ec2.delete_volume(VolumeId=volume)
    ec2.get_waiter("volume_deleted").wait(VolumeIds=[volume], WaiterConfig=FAST)

    # an image of an instance
    captured = ec2.create_image(InstanceId=first, Name="web-image")["ImageId"]
    ec2.get_waiter("image_available").wait(ImageIds=[captured], WaiterConfig=FAST)
    assert ec2.describe_images(Owners=["self"])["Images"][0]["ImageId"] == captured
    ec2.deregister_image(ImageId=captured)

    # the end: terminated, and what they used removed
    ec2.terminate_instances(InstanceIds=everyone)
    ec2.get_waiter("instance_terminated").wait(InstanceIds=everyone, WaiterConfig=FAST)
    ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=ssh)
    ec2.delete_security_group(GroupId=group)
    ec2.delete_subnet(SubnetId=subnet)
    for name in ("deploy", "laptop"):
        ec2.delete_key_pair(KeyName=name)
    seen.update(first=first, instances=everyone, group=group, subnet=subnet, volume=volume, image=captured)
    return seen

