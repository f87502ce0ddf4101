"""Every refusal of the EC2 front-end in EC2's own error XML with EC2's codes, never a 5xx or a stack trace:
bad signatures and timestamps, revoked and unknown keys, unknown actions and parameters, wrong types,
huge values, missing resources, and names that would break XML."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree

import botocore.auth
import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.frontends.conftest import ADMIN
from tests.frontends.ec2.conftest import Ec2World
from tests.frontends.ec2.flow import error_code, fitting_image, instances_of


def signed_post(world: Ec2World, params: Mapping[str, str], *, secret: str | None = None, key: str | None = None,
                region: str | None = None, body: bytes | None = None) -> tuple[dict[str, str], bytes]:  # fmt: skip
    """Headers and body of a POST to /ec2 as botocore's signer signs it."""
    data = body if body is not None else urlencode({"Version": "2016-11-15", **params}).encode()
    request = AWSRequest(method="POST", url=f"{world.served.url}/ec2", data=data,
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})  # fmt: skip
    credentials = Credentials(key or world.key_id, secret or world.secret)
    SigV4Auth(credentials, "ec2", region or world.region).add_auth(request)
    return dict(request.headers.items()), data


async def post(world: Ec2World, headers: Mapping[str, str], body: bytes) -> tuple[int, str, str]:
    """(HTTP status, EC2 error code, message) of a refused request; the body must be EC2's error XML."""
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{world.served.url}/ec2", headers=dict(headers), content=body)
    assert response.status_code < 500, response.text
    root = ElementTree.fromstring(response.content)
    assert root.tag == "Response" and root.find("RequestID") is not None, response.text
    error = root.find("Errors/Error")
    assert error is not None, response.text
    return response.status_code, error.findtext("Code") or "", error.findtext("Message") or ""


async def refused(world: Ec2World, params: Mapping[str, str], **sign: Any) -> str:
    _status, code, _message = await post(world, *signed_post(world, params, **sign))
    return code


async def test_signatures_timestamps_and_keys_are_checked(ec2: Ec2World, monkeypatch: pytest.MonkeyPatch):
    describe = {"Action": "DescribeRegions"}
    assert await refused(ec2, describe, secret="not-the-secret") == "SignatureDoesNotMatch"
    assert await refused(ec2, describe, key="CGNOTAKEYOFTHISGATE") == "AuthFailure"
    assert await refused(ec2, describe, region="elsewhere-9") == "AuthFailure"  # no account of the client there
    headers, body = signed_post(ec2, describe)
    assert (await post(ec2, headers, body + b"&DryRun=true"))[1] == "SignatureDoesNotMatch"  # a body changed in transit
    assert (await post(ec2, {k: v for k, v in headers.items() if k != "Authorization"}, body))[1] == "MissingAuthenticationToken"
    broken = {**headers, "Authorization": headers["Authorization"].replace("SignedHeaders=", "Signed=")}
    assert (await post(ec2, broken, body))[1] == "IncompleteSignature"
    for minutes in (-10, 10):  # signed ten minutes ago, and ten minutes ahead
        moment = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes)
        monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda moment=moment: moment.replace(tzinfo=None))
        assert await refused(ec2, describe) == "RequestExpired"
    monkeypatch.undo()
    await ec2.served.gateway.core.credentials.revoke(ADMIN, ec2.key_id)
    assert await refused(ec2, describe) == "AuthFailure"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"Action": "LaunchRockets"}, "InvalidAction"),
        ({"Action": ""}, "InvalidAction"),
        ({"Action": "DescribeInstances", "Colour": "red"}, "UnknownParameter"),
        ({"Action": "DescribeInstances", "MaxResults": "many"}, "InvalidParameterValue"),
        ({"Action": "DescribeInstances", "MaxResults": "100000"}, "InvalidParameterValue"),
        ({"Action": "DescribeInstances", "InstanceId.1": "i-xyz"}, "InvalidInstanceID.Malformed"),
        ({"Action": "DescribeInstances", "InstanceId.1": "i-00000000000000001"}, "InvalidInstanceID.NotFound"),
        ({"Action": "DescribeInstances", "Filter.1.Name": "colour", "Filter.1.Value.1": "red"}, "InvalidParameterValue"),
        ({"Action": "RunInstances", "MinCount": "1", "MaxCount": "1"}, "MissingParameter"),
        ({"Action": "RunInstances", "MinCount": "1", "MaxCount": "1000000000000", "ImageId": "ami-00000000000000001",
          "InstanceType": "s1.tiny"}, "InstanceLimitExceeded"),
        ({"Action": "RunInstances", "MinCount": "1", "MaxCount": "1", "ImageId": "ami-00000000000000001",
          "InstanceType": "s1.tiny"}, "InvalidAMIID.NotFound"),
        ({"Action": "DeleteVolume", "VolumeId": "vol-00000000000000001"}, "InvalidVolume.NotFound"),
        ({"Action": "DeleteSnapshot", "SnapshotId": "snap-x"}, "InvalidSnapshotID.Malformed"),
        ({"Action": "DeleteSecurityGroup", "GroupName": "nobody"}, "InvalidGroup.NotFound"),
        ({"Action": "DescribeKeyPairs", "KeyName.1": "nobody"}, "InvalidKeyPair.NotFound"),
        ({"Action": "CreateVpc", "CidrBlock": "10.0.0.0/16"}, "UnsupportedOperation"),
        ({"Action": "CreateVolume", "AvailabilityZone": "sim-east-a", "Size": "-5"}, "InvalidParameterValue"),
        ({"Action": "CreateVolume", "AvailabilityZone": "sim-east-a", "Size": "99999999999"}, "InvalidParameterValue"),
        ({"Action": "CreateSubnet", "CidrBlock": "10.0.0.0/99"}, "InvalidParameterValue"),
        ({"Action": "DescribeRegions", "DryRun": "true"}, "DryRunOperation"),
        ({"Action": "DescribeRegions", "DryRun": "perhaps"}, "InvalidParameterValue"),
    ],
)  # fmt: skip
async def test_bad_requests_get_ec2_s_codes(ec2: Ec2World, params: dict[str, str], code: str):
    assert await refused(ec2, params) == code


async def test_bodies_that_are_not_parameters_are_refused(ec2: Ec2World):
    for body in (b"\xff\xfe\x00", b"Action=DescribeRegions&Action=DescribeRegions", b"Action=Describe%00Regions",
                 b"Action=DescribeRegions&" + b"x" * 2_000_000):  # fmt: skip
        status, code, _message = await post(ec2, *signed_post(ec2, {}, body=body))
        assert status in (400, 413) and code in ("InvalidParameterValue", "UnknownParameter"), (body[:40], code)


async def test_names_that_would_break_xml_come_back_whole(ec2: Ec2World):
    nasty = """<web> & "friends" 'quoted' ]]> \u00e9\u4e2d\U0001f600"""
    client = ec2.client()

    def run() -> tuple[str, str]:
        group = client.create_security_group(GroupName=nasty, Description="a\x01b <!-- -->")["GroupId"]
        shown = client.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]
        return shown["GroupName"], shown["Description"]

    name, description = await asyncio.to_thread(run)
    assert name == nasty and description == "a\ufffdb <!-- -->"  # what XML cannot carry at all shows as U+FFFD


async def test_refusals_in_the_life_of_resources(ec2: Ec2World):
    client = ec2.client()

    def run() -> None:
        image = fitting_image(client, "s1.tiny")["ImageId"]
        # the cloud refuses an image bigger than the instance type's disk: so does RunInstances, leaving nothing
        too_big = next(i["ImageId"] for i in client.describe_images()["Images"] if i["Name"] == "windows-2022")
        launch = {"ImageId": too_big, "InstanceType": "s1.tiny", "MinCount": 1, "MaxCount": 1}
        assert error_code(client.run_instances, **launch) == "InvalidParameterValue"
        assert instances_of(client) == []
        group = client.create_security_group(GroupName="used", Description="in use")["GroupId"]
        instance = client.run_instances(ImageId=image, InstanceType="s1.tiny", MinCount=1, MaxCount=1,
                                        SecurityGroupIds=[group])["Instances"][0]["InstanceId"]  # fmt: skip
        client.get_waiter("instance_running").wait(InstanceIds=[instance], WaiterConfig={"Delay": 0.5})
        assert error_code(client.delete_security_group, GroupId=group) == "DependencyViolation"
        assert error_code(client.modify_instance_attribute, InstanceId=instance, InstanceType={"Value": "s1.large"}) == "IncorrectInstanceState"
        client.stop_instances(InstanceIds=[instance])
        client.get_waiter("instance_stopped").wait(InstanceIds=[instance], WaiterConfig={"Delay": 0.5})
        # the sim cannot change a server's flavor: the driver's capabilities say so
        assert error_code(client.modify_instance_attribute, InstanceId=instance, InstanceType={"Value": "s1.large"}) == "UnsupportedOperation"
        assert error_code(client.reboot_instances, InstanceIds=[instance]) == "IncorrectInstanceState"
        volume = client.create_volume(Size=1, AvailabilityZone="sim-east-a")["VolumeId"]
        client.get_waiter("volume_available").wait(VolumeIds=[volume], WaiterConfig={"Delay": 0.5})
        assert error_code(client.detach_volume, VolumeId=volume) == "IncorrectState"
        client.terminate_instances(InstanceIds=[instance])
        client.get_waiter("instance_terminated").wait(InstanceIds=[instance], WaiterConfig={"Delay": 0.5})
        assert error_code(client.start_instances, InstanceIds=[instance]) == "IncorrectInstanceState"

    await asyncio.to_thread(run)
