"""Subnets, in the one VPC the gateway shows per account (CreateVpc and DeleteVpc say why they cannot)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cloudgate.frontends.ec2 import render
from cloudgate.frontends.ec2.context import Ec2Request, specified_tags
from cloudgate.frontends.ec2.errors import Ec2Error
from cloudgate.frontends.ec2.filters import query_parts
from cloudgate.model import Kind, ResourceRecord
from cloudgate.query import Match

NO_VPCS = ("the gateway shows one VPC per account, holding every subnet; create subnets in it "
           "(DescribeVpcs names it)")  # fmt: skip


def _own_vpc(request: Ec2Request, vpc_id: str | None) -> None:
    if vpc_id is not None and vpc_id != request.vpc_id:
        raise Ec2Error("InvalidVpcID.NotFound", f"The vpc ID '{vpc_id}' does not exist")


async def _subnets(request: Ec2Request, records: Sequence[ResourceRecord]) -> list[dict[str, Any]]:
    rel = await request.related(records)
    return [render.subnet(request, r, rel) for r in records]


async def create_subnet(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    _own_vpc(request, params.get("VpcId"))
    if not params.get("CidrBlock"):
        raise Ec2Error("MissingParameter", "The request must contain the parameter CidrBlock")
    name, tags = specified_tags(params, "subnet")
    spec: dict[str, Any] = {"account": request.account_id, "name": name or "", "cidr": params["CidrBlock"]}
    if params.get("AvailabilityZone"):
        spec["datacenter"] = params["AvailabilityZone"]
    if tags:
        spec["tags"] = tags
    record, _operation = await request.create(Kind.SUBNET, spec)
    (shown,) = await _subnets(request, [record])
    return {"Subnet": {**shown, "CidrBlock": params["CidrBlock"], "AvailabilityZone": params.get("AvailabilityZone")}}


async def describe_subnets(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    parts = await query_parts(request, Kind.SUBNET, params.get("Filters"))
    if parts is None:
        return {"Subnets": []}
    matches, tags = parts
    matches.append(request.in_home(Kind.SUBNET))
    ids = params.get("SubnetIds") or []
    if ids:
        matches.append(Match("id", tuple(r.id for r in await request.records(Kind.SUBNET, ids))))
    records, token = await request.page(Kind.SUBNET, matches, tags, params.get("MaxResults"), params.get("NextToken"))
    return {"Subnets": await _subnets(request, records), "NextToken": token}


async def delete_subnet(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    record = await request.one(Kind.SUBNET, params.get("SubnetId", ""))
    await request.call(request.core.operations.destroy, request.caller, record.id, Kind.SUBNET, kind=Kind.SUBNET)
    return {}


async def describe_vpcs(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    for given in params.get("Filters") or []:
        if given.get("Name") not in ("vpc-id", "is-default", "state"):
            raise Ec2Error("InvalidParameterValue", f"The filter '{given.get('Name')}' is invalid")
        wanted = {"vpc-id": request.vpc_id, "is-default": "true", "state": "available"}[given["Name"]]
        if wanted not in (given.get("Values") or []):
            return {"Vpcs": []}
    ids = params.get("VpcIds") or []
    for vpc_id in ids:
        _own_vpc(request, vpc_id)
    return {"Vpcs": [render.vpc(request)]}


async def describe_vpc_attribute(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    _own_vpc(request, params.get("VpcId"))
    attribute = params.get("Attribute")
    values = {"enableDnsSupport": "EnableDnsSupport", "enableDnsHostnames": "EnableDnsHostnames"}
    if attribute not in values:
        raise Ec2Error("InvalidParameterValue", f"Value ({attribute}) for parameter attribute is invalid")
    return {"VpcId": request.vpc_id, values[attribute]: {"Value": True}}


async def create_vpc(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    raise Ec2Error("UnsupportedOperation", NO_VPCS)


async def delete_vpc(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    _own_vpc(request, params.get("VpcId"))
    raise Ec2Error("UnsupportedOperation", NO_VPCS)
