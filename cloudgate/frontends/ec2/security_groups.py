"""Security groups and their rules: create, describe, authorize and revoke ingress and egress, delete."""

from __future__ import annotations

from typing import Any

from cloudgate.frontends.ec2 import render
from cloudgate.frontends.ec2.context import Ec2Request, specified_tags
from cloudgate.frontends.ec2.errors import DUPLICATE, Ec2Error
from cloudgate.frontends.ec2.filters import query_parts
from cloudgate.model import Kind, ResourceRecord
from cloudgate.query import Match, ResourceQuery

# EC2's IpProtocol -> the generic protocol of a rule.
PROTOCOLS = {
    "tcp": "tcp",
    "6": "tcp",
    "udp": "udp",
    "17": "udp",
    "icmp": "icmp",
    "1": "icmp",
    "-1": "any",
    "all": "any",
}

Rule = tuple[str, str, int | None, int | None, str]  # (direction, protocol, from_port, to_port, cidr)


def _key(rule: dict[str, Any]) -> Rule:
    """A generic rule in a form two equal rules share (no ports on protocols without them)."""
    protocol = rule.get("protocol", "any")
    ports = (rule.get("from_port"), rule.get("to_port")) if protocol in ("tcp", "udp", "icmp") else (None, None)
    return (rule.get("direction", "ingress"), protocol, *ports, rule.get("cidr") or "0.0.0.0/0")


def _generic(permissions: list[dict[str, Any]], direction: str) -> list[dict[str, Any]]:
    """EC2's IpPermissions as generic rules, one per address block."""
    rules = []
    for permission in permissions:
        protocol = PROTOCOLS.get(str(permission.get("IpProtocol", "")).lower())
        if protocol is None:
            raise Ec2Error("InvalidParameterValue", f"Invalid value '{permission.get('IpProtocol')}' for IP protocol")
        if permission.get("UserIdGroupPairs") or permission.get("PrefixListIds"):
            raise Ec2Error(
                "InvalidParameterValue", "the gateway's rules name address blocks only (IpRanges, Ipv6Ranges)"
            )
        blocks = [r.get("CidrIp") for r in permission.get("IpRanges") or []]
        blocks += [r.get("CidrIpv6") for r in permission.get("Ipv6Ranges") or []]
        for cidr in blocks or ["0.0.0.0/0"]:
            rule: dict[str, Any] = {"direction": direction, "protocol": protocol, "cidr": cidr}
            if protocol != "any":
                rule["from_port"], rule["to_port"] = permission.get("FromPort"), permission.get("ToPort")
            rules.append(rule)
    return rules


async def _group(request: Ec2Request, params: dict[str, Any]) -> ResourceRecord:
    if params.get("GroupId"):
        return await request.one(Kind.SECURITY_GROUP, params["GroupId"])
    named = await request.named(Kind.SECURITY_GROUP, [params["GroupName"]]) if params.get("GroupName") else []
    if not named:
        raise Ec2Error("InvalidGroup.NotFound", f"The security group '{params.get('GroupName', '')}' does not exist")
    return named[0]


async def create_security_group(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    name, description = params.get("GroupName"), params.get("Description")
    if not name or description is None:
        raise Ec2Error("MissingParameter", "The request must contain the parameters GroupName and GroupDescription")
    if params.get("VpcId") not in (None, request.vpc_id):
        raise Ec2Error("InvalidVpcID.NotFound", f"The vpc ID '{params['VpcId']}' does not exist")
    if await request.named(Kind.SECURITY_GROUP, [name]):
        raise Ec2Error(DUPLICATE[Kind.SECURITY_GROUP], f"The security group '{name}' already exists")
    _name, tags = specified_tags(params, "security-group")
    spec: dict[str, Any] = {"account": request.account_id, "name": name, "description": description}
    if tags:
        spec["tags"] = tags
    record, operation = await request.create(Kind.SECURITY_GROUP, spec)
    await request.settled(operation)  # EC2's group exists when CreateSecurityGroup answers
    return {"GroupId": request.ec2_id(record), "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}


async def describe_security_groups(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    parts = await query_parts(request, Kind.SECURITY_GROUP, params.get("Filters"))
    if parts is None:
        return {"SecurityGroups": []}
    matches, tags = parts
    matches.append(request.in_home(Kind.SECURITY_GROUP))
    ids = params.get("GroupIds") or []
    if ids:
        matches.append(Match("id", tuple(r.id for r in await request.records(Kind.SECURITY_GROUP, ids))))
    names = params.get("GroupNames") or []
    if names:
        found = await request.named(Kind.SECURITY_GROUP, names)
        missing = sorted(set(names) - {r.name for r in found})
        if missing:
            raise Ec2Error("InvalidGroup.NotFound", f"The security group '{missing[0]}' does not exist")
        matches.append(Match("id", tuple(r.id for r in found)))
    records, token = await request.page(
        Kind.SECURITY_GROUP, matches, tags, params.get("MaxResults"), params.get("NextToken")
    )
    return {"SecurityGroups": [render.security_group(request, r) for r in records], "NextToken": token}


async def describe_security_group_rules(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    groups = {str(v) for f in params.get("Filters") or [] if f.get("Name") == "group-id" for v in f.get("Values") or []}
    unknown = sorted({f.get("Name") for f in params.get("Filters") or []} - {"group-id"})
    if unknown:
        raise Ec2Error("InvalidParameterValue", f"The filter '{unknown[0]}' is invalid")
    query = ResourceQuery(kind=Kind.SECURITY_GROUP, matches=(request.in_home(Kind.SECURITY_GROUP),))
    records = await request.records(Kind.SECURITY_GROUP, sorted(groups)) if groups else await request.listing(query)
    rules = [rule for record in records for rule in render.security_group_rules(request, record)]
    wanted = set(params.get("SecurityGroupRuleIds") or [])
    return {"SecurityGroupRules": [rule for rule in rules if not wanted or rule["SecurityGroupRuleId"] in wanted]}


async def _change_rules(request: Ec2Request, params: dict[str, Any], direction: str, add: bool) -> dict[str, Any]:
    group = await _group(request, params)
    current = list(group.attrs.get("rules") or [])
    given = _generic(params.get("IpPermissions") or [], direction)
    for rule_id in params.get("SecurityGroupRuleIds") or []:  # revoking by rule id
        index = next((i for i, _ in enumerate(current) if render.rule_id(group, i) == rule_id), None)
        if index is None:
            raise Ec2Error(
                "InvalidSecurityGroupRuleId.NotFound", f"The security group rule ID '{rule_id}' does not exist"
            )
        given.append(current[index])
    if not given:
        raise Ec2Error("MissingParameter", "The request must contain the parameter IpPermissions")
    keys = {_key(rule) for rule in current}
    if add:
        duplicate = next((rule for rule in given if _key(rule) in keys), None)
        if duplicate is not None:
            raise Ec2Error(
                "InvalidPermission.Duplicate", f"the specified rule ({duplicate.get('cidr')}) already exists"
            )
        rules = current + given
    else:
        missing = next((rule for rule in given if _key(rule) not in keys), None)
        if missing is not None:
            raise Ec2Error("InvalidPermission.NotFound", "The specified rule does not exist in this security group")
        dropped = {_key(rule) for rule in given}
        rules = [rule for rule in current if _key(rule) not in dropped]
    operation = await request.call(
        request.core.operations.edit, request.caller, group.id, {"rules": rules}, Kind.SECURITY_GROUP,
        kind=Kind.SECURITY_GROUP,
    )  # fmt: skip
    await request.settled(operation)
    changed = await request.call(request.core.resources.get, request.caller, group.id, Kind.SECURITY_GROUP)
    shown = render.security_group_rules(request, changed)
    return {
        "Return": True,
        "SecurityGroupRules": [rule for rule in shown if rule["IsEgress"] == (direction == "egress")],
    }


async def authorize_security_group_ingress(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    return await _change_rules(request, params, "ingress", add=True)


async def authorize_security_group_egress(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    return await _change_rules(request, params, "egress", add=True)


async def revoke_security_group_ingress(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    await _change_rules(request, params, "ingress", add=False)
    return {"Return": True}


async def revoke_security_group_egress(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    await _change_rules(request, params, "egress", add=False)
    return {"Return": True}


async def delete_security_group(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    group = await _group(request, params)
    users = await request.listing(ResourceQuery(
        kind=Kind.INSTANCE, matches=(request.in_home(Kind.INSTANCE), Match("state", ("pending", "running", "stopping", "stopped", "rebooting"))),
    ))  # fmt: skip
    if any(group.cloud_id in (user.attrs.get("security_groups") or []) for user in users):
        raise Ec2Error("DependencyViolation", f"resource {request.ec2_id(group)} has a dependent object")
    await request.call(
        request.core.operations.destroy, request.caller, group.id, Kind.SECURITY_GROUP, kind=Kind.SECURITY_GROUP
    )
    return {"Return": True, "GroupId": request.ec2_id(group)}


async def describe_security_group_references(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    await request.records(Kind.SECURITY_GROUP, params.get("GroupId") or [])
    return {"SecurityGroupReferenceSet": []}  # no VPC peering: no group references another VPC's
