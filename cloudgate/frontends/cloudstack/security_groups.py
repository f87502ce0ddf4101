"""Security groups and their rules: create, list, delete; authorize and revoke ingress and egress rules
(a rule per CIDR, its id derived from the group and what it allows)."""

from __future__ import annotations

from typing import Any

from cloudgate.frontends.cloudstack.context import CsRequest, listed, tag_matches
from cloudgate.frontends.cloudstack.errors import PARAM_ERROR, UNSUPPORTED_ACTION, CsError
from cloudgate.frontends.cloudstack.jobs import started
from cloudgate.frontends.cloudstack.params import invalid
from cloudgate.frontends.cloudstack.render import PROTOCOLS, SUCCESS, rule_id, security_group
from cloudgate.model import Kind, ResourceRecord
from cloudgate.query import Match, ResourceQuery

GENERIC_PROTOCOLS = {native: generic for generic, native in PROTOCOLS.items()}
# Rule commands -> the direction they add or remove.
DIRECTIONS: dict[str, str] = {
    "authorizeSecurityGroupIngress": "ingress", "authorizeSecurityGroupEgress": "egress",
    "revokeSecurityGroupIngress": "ingress", "revokeSecurityGroupEgress": "egress",
}  # fmt: skip
ANYWHERE = "0.0.0.0/0"


async def _group(request: CsRequest, params: dict[str, Any], id_param: str, name_param: str) -> ResourceRecord:
    if id_param in params:
        return await request.one(Kind.SECURITY_GROUP, params[id_param], id_param)
    if name_param not in params:
        raise CsError(PARAM_ERROR, f"Either {id_param} or {name_param} is required")
    records, _count = await request.page(
        ResourceQuery(kind=Kind.SECURITY_GROUP, matches=(Match("name", (params[name_param],)),)), {}
    )
    if not records:
        raise CsError(PARAM_ERROR, f"Unable to find security group {params[name_param][:100]}")
    return records[0]


async def create(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    spec = {"name": params["name"], "description": params.get("description") or params["name"]}
    record, operation = await request.create(Kind.SECURITY_GROUP, spec)
    await request.done(operation)
    record = await request.call(request.core.resources.get, request.caller, record.id, Kind.SECURITY_GROUP)
    return {"securitygroup": security_group(record, request.account)}


async def list_security_groups(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    matches = []
    if "id" in params:
        matches.append(request.id_match(params["id"]))
    if "securitygroupname" in params:
        matches.append(Match("name", (params["securitygroupname"],)))
    if "virtualmachineid" in params:
        machine = await request.one(Kind.INSTANCE, params["virtualmachineid"], "virtualmachineid")
        matches.append(Match("cloud_id", tuple(machine.attrs.get("security_groups") or ["-"])))
    query = ResourceQuery(kind=Kind.SECURITY_GROUP, matches=tuple(matches), tags=tag_matches(params))
    records, count = await request.page(query, params)
    return listed("securitygroup", [security_group(r, request.account) for r in records], count)


async def delete(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    record = await _group(request, params, "id", "name")
    await request.done(
        await request.call(request.core.operations.destroy, request.caller, record.id, Kind.SECURITY_GROUP)
    )
    return SUCCESS


def _new_rules(request: CsRequest, params: dict[str, Any]) -> list[dict[str, Any]]:
    protocol = GENERIC_PROTOCOLS.get(params.get("protocol", "all").lower())
    if protocol is None:
        raise invalid(request.command, "protocol", params["protocol"])
    if params.get("usersecuritygrouplist"):
        raise CsError(UNSUPPORTED_ACTION, "Rules naming other security groups are not available: name CIDRs")
    ports: dict[str, Any] = {"from_port": None, "to_port": None}
    if protocol in ("tcp", "udp"):
        if "startport" not in params:
            raise CsError(PARAM_ERROR, "Start port is required for tcp and udp rules")
        ports = {"from_port": params["startport"], "to_port": params.get("endport", params["startport"])}
        if not 0 <= ports["from_port"] <= ports["to_port"] <= 65535:
            raise CsError(PARAM_ERROR, "Ports must be between 0 and 65535, the start port not above the end port")
    elif protocol == "icmp":  # a type and a code; CloudStack's -1 (every one) is no port in a generic rule
        icmp = {"from_port": params.get("icmptype", -1), "to_port": params.get("icmpcode", -1)}
        ports = {key: None if value == -1 else value for key, value in icmp.items()}
    direction = DIRECTIONS[request.command]
    return [{"direction": direction, "protocol": protocol, **ports, "cidr": cidr}
            for cidr in params.get("cidrlist") or [ANYWHERE]]  # fmt: skip


async def authorize(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    record = await _group(request, params, "securitygroupid", "securitygroupname")
    rules = list(record.attrs.get("rules") or [])
    added = [r for r in _new_rules(request, params) if r not in rules]
    if not added:
        raise CsError(537, "The rule already exists in the security group")  # NETWORK_RULE_CONFLICT_ERROR
    operation = await request.call(request.core.operations.edit, request.caller, record.id, {"rules": rules + added},
                                   Kind.SECURITY_GROUP)  # fmt: skip
    return started(operation)


async def revoke(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    """The rule is found by its id among the account's groups (CloudStack names only the rule)."""
    direction = DIRECTIONS[request.command]
    records, _count = await request.page(ResourceQuery(kind=Kind.SECURITY_GROUP), {"pagesize": 500})
    for record in records:
        rules = list(record.attrs.get("rules") or [])
        kept = [r for r in rules if not (r.get("direction") == direction and rule_id(record, r) == params["id"])]
        if len(kept) < len(rules):
            operation = await request.call(request.core.operations.edit, request.caller, record.id, {"rules": kept},
                                           Kind.SECURITY_GROUP)  # fmt: skip
            return started(operation)
    raise invalid(request.command, "id", params["id"])
