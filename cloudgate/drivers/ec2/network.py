"""VPCs for subnets: the one to create in, a free CIDR block inside it, and the summary subnets carry."""

from __future__ import annotations

import ipaddress
from typing import Any

from cloudgate.drivers.ec2.scope import Scope
from cloudgate.errors import Conflict, InvalidRequest

VPC_SUMMARY = ("VpcId", "CidrBlock", "IsDefault", "State")
SUBNET_PREFIX = 24  # the size of a subnet created without a CIDR (or the whole VPC, if smaller)


def vpc_summary(vpc: dict[str, Any] | None) -> dict[str, Any] | None:
    return {key: vpc.get(key) for key in VPC_SUMMARY} if vpc else None


async def vpc_for(scope: Scope, vpc_id: str | None) -> dict[str, Any]:
    """The VPC named, or the region's default VPC."""
    if vpc_id is not None:
        return (await scope.ec2.describe_vpcs(VpcIds=[vpc_id]))["Vpcs"][0]  # ids and MaxResults do not mix
    default = await scope.describe("describe_vpcs", "Vpcs[]", Filters=[{"Name": "is-default", "Values": ["true"]}])
    if not default:
        raise InvalidRequest("this region has no default VPC: name one with 'vpc'", details={"field": "vpc"})
    return default[0]


async def free_cidr(scope: Scope, vpc: dict[str, Any]) -> str:
    """The first block of the VPC's address ranges that no subnet of it overlaps."""
    in_vpc = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
    subnets = await scope.describe("describe_subnets", "Subnets[]", Filters=in_vpc)
    taken = [ipaddress.ip_network(subnet["CidrBlock"]) for subnet in subnets]
    associations = vpc.get("CidrBlockAssociationSet") or []
    blocks = [a["CidrBlock"] for a in associations if (a.get("CidrBlockState") or {}).get("State") == "associated"]
    for block in map(ipaddress.ip_network, blocks or [vpc["CidrBlock"]]):
        for candidate in block.subnets(new_prefix=max(SUBNET_PREFIX, block.prefixlen)):
            if not any(candidate.overlaps(subnet) for subnet in taken):
                return str(candidate)
    raise Conflict(f"VPC {vpc['VpcId']} has no free address block left: give a 'cidr'")
