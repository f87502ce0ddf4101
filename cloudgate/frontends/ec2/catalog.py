"""What the account offers: regions, availability zones, instance types and their offerings, account
attributes; and the network pieces the gateway does not model, answered as the empty lists they are."""

from __future__ import annotations

from typing import Any

from cloudgate.frontends.ec2 import render
from cloudgate.frontends.ec2.context import Ec2Request
from cloudgate.frontends.ec2.errors import Ec2Error
from cloudgate.frontends.ec2.filters import query_parts
from cloudgate.model import Kind, ResourceRecord
from cloudgate.query import Match


async def _datacenters(request: Ec2Request, params: dict[str, Any], type_: str) -> list[ResourceRecord]:
    parts = await query_parts(request, Kind.DATACENTER, params.get("Filters"))
    if parts is None:
        return []
    matches, tags = parts
    matches += [request.in_home(Kind.DATACENTER), Match("attrs.type", (type_,))]
    records, _ = await request.page(Kind.DATACENTER, matches, tags, None, None)
    return records


async def describe_regions(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    names = set(params.get("RegionNames") or [])
    regions = [r.name for r in await _datacenters(request, {}, "region")] or [request.region]
    unknown = sorted(names - set(regions))
    if unknown:
        raise Ec2Error("InvalidParameterValue", f"Invalid region: {unknown[0]}")
    return {"Regions": [
        {"RegionName": name, "Endpoint": f"ec2.{name}.cloudgate", "OptInStatus": "opt-in-not-required"}
        for name in regions if not names or name in names
    ]}  # fmt: skip


async def describe_availability_zones(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    zones = await _datacenters(request, params, "zone")
    names = params.get("ZoneNames") or []
    unknown = sorted(set(names) - {z.name for z in zones})
    if unknown:
        raise Ec2Error("InvalidParameterValue", f"The zone '{unknown[0]}' does not exist")
    return {"AvailabilityZones": [render.zone(request, z) for z in zones if not names or z.name in names]}


async def _flavors(request: Ec2Request, params: dict[str, Any]) -> list[ResourceRecord]:
    parts = await query_parts(request, Kind.FLAVOR, params.get("Filters"))
    if parts is None:
        return []
    matches, tags = parts
    matches.append(request.in_home(Kind.FLAVOR))
    names = params.get("InstanceTypes")
    if names:
        matches.append(Match("name", tuple(names)))
    records, _ = await request.page(Kind.FLAVOR, matches, tags, None, None)
    if names and len({r.name for r in records}) < len(set(names)):
        missing = sorted(set(names) - {r.name for r in records})
        raise Ec2Error(
            "InvalidInstanceType", f"The following supplied instance types do not exist: [{', '.join(missing)}]"
        )
    return records


async def describe_instance_types(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    return {"InstanceTypes": [render.instance_type(r) for r in await _flavors(request, params)]}


async def describe_instance_type_offerings(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    location = params.get("LocationType", "region")
    if location not in ("region", "availability-zone"):
        raise Ec2Error("InvalidParameterValue", f"LocationType {location!r} is not supported here")
    places = [request.region] if location == "region" else [z.name for z in await _datacenters(request, {}, "zone")]
    return {"InstanceTypeOfferings": [
        {"InstanceType": flavor.name, "LocationType": location, "Location": place}
        for flavor in await _flavors(request, {}) for place in places
    ]}  # fmt: skip


async def describe_account_attributes(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    attributes = {"supported-platforms": ["VPC"], "default-vpc": [request.vpc_id]}
    wanted = params.get("AttributeNames") or list(attributes)
    return {"AccountAttributes": [
        {"AttributeName": name, "AttributeValues": [{"AttributeValue": value} for value in attributes[name]]}
        for name in wanted if name in attributes
    ]}  # fmt: skip


async def describe_addresses(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    return {"Addresses": []}  # the gateway allocates no elastic IPs


async def describe_placement_groups(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    return {"PlacementGroups": []}


async def describe_nat_gateways(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    return {"NatGateways": []}


async def describe_vpc_endpoints(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    return {"VpcEndpoints": []}


async def describe_internet_gateways(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    return {"InternetGateways": []}  # the gateway models no internet gateways
