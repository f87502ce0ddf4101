"""Complete listings of each kind: every page of every describe call, or an exception."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from cloudgate.drivers.ec2 import normalize
from cloudgate.drivers.ec2.network import vpc_summary
from cloudgate.drivers.ec2.scope import Scope
from cloudgate.drivers.ec2.tables import PUBLIC_IMAGE_OWNERS
from cloudgate.model import CloudResource, Kind


async def instances(scope: Scope) -> list[CloudResource]:
    raws = await scope.describe("describe_instances", "Reservations[].Instances[]")
    return [normalize.instance(raw) for raw in raws]


async def volumes(scope: Scope) -> list[CloudResource]:
    return [normalize.volume(raw) for raw in await scope.describe("describe_volumes", "Volumes[]")]


async def snapshots(scope: Scope) -> list[CloudResource]:
    raws = await scope.describe("describe_snapshots", "Snapshots[]", OwnerIds=["self"])
    # The owner check again: a snapshot another account owns is never this account's to manage
    # (moto answers OwnerIds=self with its AMIs' snapshots too).
    return [normalize.snapshot(raw) for raw in raws if raw.get("OwnerId") == scope.account_id]


async def images(scope: Scope) -> list[CloudResource]:
    """The account's own AMIs, those shared with it, and the public AMIs of PUBLIC_IMAGE_OWNERS."""
    queries: list[dict[str, Any]] = [
        {"Owners": ["self"]},
        {"ExecutableUsers": ["self"]},
        {"Owners": list(PUBLIC_IMAGE_OWNERS), "Filters": [{"Name": "is-public", "Values": ["true"]}]},
    ]
    found = await asyncio.gather(*(scope.describe("describe_images", "Images[]", **query) for query in queries))
    unique = {raw["ImageId"]: raw for raws in found for raw in raws}  # the queries overlap
    return [normalize.image(raw, scope.account_id) for raw in unique.values()]


async def flavors(scope: Scope) -> list[CloudResource]:
    patterns = list(scope.account.options.instance_types)
    query = {"Filters": [{"Name": "instance-type", "Values": patterns}]} if patterns else {}
    raws = await scope.describe("describe_instance_types", "InstanceTypes[]", **query)
    return [normalize.flavor(raw) for raw in raws]


async def datacenters(scope: Scope) -> list[CloudResource]:
    """The account's region, then its availability zones (neither call is paginated)."""
    regions, zones = await asyncio.gather(
        scope.ec2.describe_regions(RegionNames=[scope.account.region]), scope.ec2.describe_availability_zones()
    )
    return [normalize.region(raw) for raw in regions["Regions"]] + [
        normalize.zone(raw) for raw in zones["AvailabilityZones"]
    ]


async def subnets(scope: Scope) -> list[CloudResource]:
    raws, vpcs = await asyncio.gather(
        scope.describe("describe_subnets", "Subnets[]"), scope.describe("describe_vpcs", "Vpcs[]")
    )
    by_id = {vpc["VpcId"]: vpc for vpc in vpcs}
    return [normalize.subnet({**raw, "Vpc": vpc_summary(by_id.get(raw["VpcId"]))}) for raw in raws]


async def keypairs(scope: Scope) -> list[CloudResource]:
    response = await scope.ec2.describe_key_pairs(IncludePublicKey=True)  # not paginated
    return [normalize.keypair(raw) for raw in response["KeyPairs"]]


async def security_groups(scope: Scope) -> list[CloudResource]:
    raws = await scope.describe("describe_security_groups", "SecurityGroups[]")
    return [normalize.security_group(raw) for raw in raws]


LISTINGS: dict[Kind, Callable[[Scope], Awaitable[list[CloudResource]]]] = {
    Kind.DATACENTER: datacenters,
    Kind.FLAVOR: flavors,
    Kind.IMAGE: images,
    Kind.INSTANCE: instances,
    Kind.VOLUME: volumes,
    Kind.SNAPSHOT: snapshots,
    Kind.SUBNET: subnets,
    Kind.KEYPAIR: keypairs,
    Kind.SECURITY_GROUP: security_groups,
}
