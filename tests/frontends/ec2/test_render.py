"""EC2's shapes from records the clouds wrote their own way: host names among addresses, ranges that are
no CIDR, an instance the gateway is destroying, many zones of a region."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any

from cloudgate.core.resources import Related
from cloudgate.frontends.ec2 import render
from cloudgate.frontends.ec2.context import Ec2Request
from cloudgate.model import Kind, ResourceRecord, gateway_id

SCOPE = "acc-0000000000000001"


def _record(kind: Kind, cloud_id: str, state: str, **attrs: Any) -> ResourceRecord:
    return ResourceRecord(
        id=gateway_id(SCOPE, kind, cloud_id), cloud_id=cloud_id, scope=SCOPE, account_id=SCOPE, cloud="sim", kind=kind,
        name=cloud_id, state=state, cloud_state=None, attrs=attrs, cloud_attrs={}, tags={}, public=False,
        created_at=1.0, updated_at=2.0, revision=1,
    )  # fmt: skip


def _request() -> Ec2Request:
    account: Any = SimpleNamespace(row=SimpleNamespace(id=SCOPE, region="region-1"))
    return Ec2Request(core=None, caller=None, account=account, request_id="req-1")  # type: ignore[arg-type]


NOTHING = Related({}, {})


def test_host_names_among_addresses_are_passed_over():
    server = _record(Kind.INSTANCE, "srv-1", "running", addresses=["db.example.internal", "10.0.0.5", 7, "34.120.1.9"])
    shown = render.instance(_request(), server, NOTHING, [])
    assert (shown["PrivateIpAddress"], shown["PublicIpAddress"]) == ("10.0.0.5", "34.120.1.9")
    assert shown["PrivateDnsName"] == "ip-10-0-0-5.internal"


def test_an_instance_being_destroyed_is_shutting_down_until_terminated():
    stopping = _record(Kind.INSTANCE, "srv-1", "stopping")
    assert render.instance(_request(), stopping, NOTHING, [])["State"] == {"Code": 64, "Name": "stopping"}
    assert render.instance(_request(), stopping, NOTHING, [], "destroy")["State"] == {"Code": 32, "Name": "shutting-down"}
    assert render.instance(_request(), stopping, NOTHING, [], "start")["State"]["Name"] == "stopping"
    gone = dataclasses.replace(stopping, state="terminated")
    assert render.instance(_request(), gone, NOTHING, [], "destroy")["State"] == {"Code": 48, "Name": "terminated"}


def test_a_range_that_is_no_cidr_is_shown_without_a_count():
    subnet = _record(Kind.SUBNET, "net-1", "available", cidr="10.1.0.0-10.1.0.255")
    shown = render.subnet(_request(), subnet, NOTHING)
    assert shown["CidrBlock"] == "10.1.0.0-10.1.0.255" and shown["AvailableIpAddressCount"] == 0
    normal = render.subnet(_request(), dataclasses.replace(subnet, attrs={"cidr": "10.1.0.0/24"}), NOTHING)
    assert normal["AvailableIpAddressCount"] == 251


def test_every_zone_of_a_region_has_its_own_zone_id():
    zones = [_record(Kind.DATACENTER, f"zone-{n}", "available", type="zone") for n in range(200)]
    assert len({render.zone(_request(), z)["ZoneId"] for z in zones}) == 200


def test_what_the_record_cannot_say_comes_from_ec2_s_own_description_or_is_left_out():
    described = {"Architecture": "arm64", "Hypervisor": "nitro", "RootDeviceName": "/dev/xvda", "EbsOptimized": True}
    server = dataclasses.replace(_record(Kind.INSTANCE, "i-1", "running"), cloud="ec2", cloud_attrs=described)
    shown = render.instance(_request(), server, NOTHING, [])
    assert {k: shown[k] for k in described} == described
    elsewhere = render.instance(_request(), dataclasses.replace(server, cloud="openstack"), NOTHING, [])
    assert not set(described) & set(elsewhere)
