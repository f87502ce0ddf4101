"""Neutron's security groups and their rules over the gateway's security groups, whose rules are generic
(`direction`, `protocol`, `from_port`, `to_port`, `cidr`; a cloud whose rules admit another group's members,
as OpenStack's do, names it in `group`). A rule is no record of its own: its id is a UUID derived from its
group and its content, so the same rule has the same id in every process and after a resync, and adding or
removing one is an edit of the group's rules through the core. Rules are created with address blocks only."""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse, Response

from cloudgate.foreign_ids import to_uuid
from cloudgate.frontends.openstack.context import OsRequest
from cloudgate.frontends.openstack.errors import OsError
from cloudgate.frontends.openstack.neutron import (
    collection,
    created,
    deletion,
    edited,
    find,
    owned,
    present,
    resource_body,
    standard,
    text,
)
from cloudgate.frontends.openstack.service import Endpoint, delete, get, post, put
from cloudgate.model import Kind, ResourceRecord

RULE_NAMESPACE = uuid.UUID("0b6f7c1e-2f43-4d7e-8a55-6c2a9e41d3f7")  # rules' ids: uuid5 of (group, rule)
# neutron's protocol (a name, its number, or none for any) -> the generic protocol.
PROTOCOLS: dict[str | None, str] = {
    "tcp": "tcp", "6": "tcp", "udp": "udp", "17": "udp", "icmp": "icmp", "1": "icmp", None: "any", "any": "any",
}  # fmt: skip
SHOWN_PROTOCOLS: dict[str, str | None] = {"any": None}  # the others as the cloud names them
# The ports a protocol's range takes: (lowest, highest); icmp's "ports" are its type and code.
PORT_BOUNDS: dict[str, tuple[int, int]] = {"tcp": (1, 65535), "udp": (1, 65535), "icmp": (0, 255)}
ETHERTYPES: dict[str, int] = {"IPv4": 4, "IPv6": 6}
ANY_ADDRESS: dict[int, str] = {4: "0.0.0.0/0", 6: "::/0"}
DIRECTIONS = frozenset({"ingress", "egress"})
GROUP_ATTRIBUTES = frozenset({"name", "description", "project_id", "tenant_id", "stateful"})
RULE_ATTRIBUTES = frozenset({
    "security_group_id", "direction", "ethertype", "protocol", "port_range_min", "port_range_max",
    "remote_ip_prefix", "remote_group_id", "remote_address_group_id", "description", "project_id", "tenant_id",
})  # fmt: skip


@dataclass(frozen=True, slots=True)
class Rule:
    """A generic rule in the one form two equal rules share (no ports where the protocol has none, the
    address block normalized), which its id derives from."""

    direction: str
    protocol: str
    from_port: int | None
    to_port: int | None
    cidr: str | None  # None on a rule admitting a group's members
    group: str | None = None  # the cloud's id of that group

    @classmethod
    def of(cls, generic: dict[str, Any]) -> Rule:
        protocol = generic.get("protocol") or "any"
        ports = (generic.get("from_port"), generic.get("to_port")) if protocol in PORT_BOUNDS else (None, None)
        group = generic.get("group")
        cidr = generic.get("cidr") or (None if group else ANY_ADDRESS[4])
        block = str(ipaddress.ip_network(cidr, strict=False)) if cidr else None
        return cls(generic.get("direction") or "ingress", protocol, *_ports(*ports), block, group)

    def generic(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"direction": self.direction, "protocol": self.protocol}
        shown.update({"cidr": self.cidr} if self.group is None else {"group": self.group})
        if self.protocol in PORT_BOUNDS:
            shown["from_port"], shown["to_port"] = self.from_port, self.to_port
        return shown

    def os_id(self, group: ResourceRecord) -> str:
        content = "|".join(str(v) for v in (group.id, self.direction, self.protocol, self.from_port, self.to_port,
                                            self.cidr, self.group))  # fmt: skip
        return str(uuid.uuid5(RULE_NAMESPACE, content))


def _ports(low: Any, high: Any) -> tuple[int | None, int | None]:
    """A range as neutron shows it: -1 (the generic "every") is none."""
    return (None if low in (None, -1) else low), (None if high in (None, -1) else high)


def _rules(group: ResourceRecord) -> list[Rule]:
    return list(dict.fromkeys(Rule.of(rule) for rule in group.attrs.get("rules") or []))


Peers = dict[str, str]  # a project's security groups: cloud id -> UUID (what rules naming a group show)


async def _project_groups(os: OsRequest) -> tuple[list[ResourceRecord], Peers]:
    groups = await present(os, Kind.SECURITY_GROUP)
    return groups, {group.cloud_id: to_uuid(group.id) for group in groups if group.cloud_id}


def rule_document(group: ResourceRecord, rule: Rule, peers: Peers) -> dict[str, Any]:
    # A rule admitting a group's members does not say its IP version (the generic rule keeps none).
    version = ipaddress.ip_network(rule.cidr).version if rule.cidr else None
    return {
        "id": rule.os_id(group), "security_group_id": to_uuid(group.id), "direction": rule.direction,
        "ethertype": f"IPv{version}" if version else None, "protocol": SHOWN_PROTOCOLS.get(rule.protocol, rule.protocol),
        "port_range_min": rule.from_port, "port_range_max": rule.to_port, "remote_ip_prefix": rule.cidr,
        "normalized_cidr": rule.cidr, "remote_group_id": peers.get(rule.group) if rule.group else None,
        "remote_address_group_id": None, "description": "", **standard(group),
    }  # fmt: skip


def _group(group: ResourceRecord, peers: Peers) -> dict[str, Any]:
    return {
        "id": to_uuid(group.id), "name": group.name, "description": group.attrs.get("description") or "",
        "security_group_rules": [rule_document(group, rule, peers) for rule in _rules(group)], "stateful": True,
        "shared": False, **standard(group),
    }  # fmt: skip


# -- groups --------------------------------------------------------------------------------------


async def groups(os: OsRequest) -> Response:
    records, peers = await _project_groups(os)
    return collection(os, "security_groups", [_group(group, peers) for group in records])


async def _shown(os: OsRequest, group: ResourceRecord, status: int = 200) -> Response:
    _records, peers = await _project_groups(os)
    return JSONResponse({"security_group": _group(group, peers)}, status_code=status)


async def one_group(os: OsRequest) -> Response:
    return await _shown(os, await find(os, Kind.SECURITY_GROUP, os.request.path_params["os_id"]))


def _stateful(attributes: dict[str, Any]) -> None:
    if attributes.get("stateful", True) is not True:
        raise OsError(400, "Invalid input for stateful: the gateway's security groups are stateful.", "InvalidInput")


async def create_group(os: OsRequest) -> Response:
    attributes = await resource_body(os, "security_group", GROUP_ATTRIBUTES)
    owned(os, attributes)
    _stateful(attributes)
    spec = {"description": text(attributes, "description") or ""}
    return await _shown(os, await created(os, Kind.SECURITY_GROUP, spec, text(attributes, "name")), 201)


async def update_group(os: OsRequest) -> Response:
    group = await find(os, Kind.SECURITY_GROUP, os.request.path_params["os_id"])
    attributes = await resource_body(os, "security_group", GROUP_ATTRIBUTES - {"project_id", "tenant_id"})
    _stateful(attributes)
    wanted = {"name": text(attributes, "name"), "description": text(attributes, "description")}
    current = {"name": group.name, "description": group.attrs.get("description") or ""}
    changes = {key: value for key, value in wanted.items() if value is not None and value != current[key]}
    if changes:  # what the cloud cannot change (a name, on most) the core refuses
        group = await edited(os, group, changes)
    return await _shown(os, group)


# -- rules ---------------------------------------------------------------------------------------


async def rules(os: OsRequest) -> Response:
    records, peers = await _project_groups(os)
    shown = [rule_document(group, rule, peers) for group in records for rule in _rules(group)]
    return collection(os, "security_group_rules", shown)


async def _find_rule(os: OsRequest, rule_id: str) -> tuple[ResourceRecord, Rule, Peers]:
    records, peers = await _project_groups(os)
    for group in records:
        for rule in _rules(group):
            if rule.os_id(group) == rule_id:
                return group, rule, peers
    raise OsError(404, f"Security group rule {rule_id[:100]} could not be found.", "SecurityGroupRuleNotFound")


async def one_rule(os: OsRequest) -> Response:
    group, rule, peers = await _find_rule(os, os.request.path_params["rule_id"])
    return JSONResponse({"security_group_rule": rule_document(group, rule, peers)})


def _invalid(message: str, neutron_type: str = "InvalidInput") -> OsError:
    return OsError(400, message, neutron_type)


def _given_rule(attributes: dict[str, Any]) -> Rule:
    """neutron's rule attributes as a generic rule, refused as neutron refuses them."""
    direction = attributes.get("direction")
    if not isinstance(direction, str) or direction not in DIRECTIONS:
        raise _invalid(f"Invalid input for direction. Reason: '{str(direction)[:40]}' is not in ['ingress', 'egress'].")
    ethertype = attributes.get("ethertype", "IPv4")
    if not isinstance(ethertype, str) or ethertype not in ETHERTYPES:
        raise _invalid(f"Invalid input for ethertype. Reason: '{str(ethertype)[:40]}' is not in ['IPv4', 'IPv6'].")
    given = attributes.get("protocol")
    protocol = (
        PROTOCOLS.get(given.lower()) if isinstance(given, str) else PROTOCOLS.get(None) if given is None else None
    )
    if protocol is None:
        raise _invalid(f"Security group rule protocol {str(given)[:40]} not supported: the gateway's rules take "
                       "tcp, udp, icmp or any.", "SecurityGroupRuleInvalidProtocol")  # fmt: skip
    for remote in ("remote_group_id", "remote_address_group_id"):
        if attributes.get(remote) is not None:
            raise _invalid(f"Invalid input for {remote}: the gateway's rules name address blocks only "
                           "(remote_ip_prefix).")  # fmt: skip
    if attributes.get("description"):
        raise _invalid("Invalid input for description: the gateway's rules carry none.")
    low, high = _port_range(protocol, attributes.get("port_range_min"), attributes.get("port_range_max"))
    prefix = attributes.get("remote_ip_prefix")
    try:
        block = ipaddress.ip_network(prefix if prefix is not None else ANY_ADDRESS[ETHERTYPES[ethertype]], strict=False)
    except (TypeError, ValueError):
        raise _invalid(f"Invalid input for remote_ip_prefix. Reason: '{str(prefix)[:60]}' is not a valid IP "
                       "prefix.") from None  # fmt: skip
    if block.version != ETHERTYPES[ethertype]:
        raise _invalid(f"Conflicting value ethertype {ethertype} for CIDR {block}",
                       "SecurityGroupRuleParameterConflict")  # fmt: skip
    return Rule(direction, protocol, low, high, str(block))


def _port_range(protocol: str, low: Any, high: Any) -> tuple[int | None, int | None]:
    for value in (low, high):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise _invalid(f"Invalid value for port {str(value)[:40]}", "SecurityGroupInvalidPortValue")
    if protocol not in PORT_BOUNDS:
        if low is not None or high is not None:
            raise _invalid("Must also specify protocol if port range is given.",
                           "SecurityGroupProtocolRequiredWithPorts")  # fmt: skip
        return None, None
    bottom, top = PORT_BOUNDS[protocol]
    for value in (low, high):
        if value is not None and not bottom <= value <= top:
            raise _invalid(f"Invalid value for port {value}: {protocol} takes {bottom} to {top}.",
                           "SecurityGroupInvalidPortValue")  # fmt: skip
    if protocol == "icmp":  # the type, then the code (which needs a type)
        if low is None and high is not None:
            raise _invalid(f"ICMP code (port-range-max) {high} is provided but ICMP type (port-range-min) is "
                           "missing.", "SecurityGroupMissingIcmpType")  # fmt: skip
        return low, high
    if low is None or high is None:
        return (low, low) if high is None else (high, high)
    if low > high:
        raise _invalid("For TCP/UDP protocols, port_range_min must be <= port_range_max",
                       "SecurityGroupInvalidPortRange")  # fmt: skip
    return low, high


async def create_rule(os: OsRequest) -> Response:
    attributes = await resource_body(os, "security_group_rule", RULE_ATTRIBUTES)
    owned(os, attributes)
    group_id = attributes.get("security_group_id")
    if not isinstance(group_id, str):
        raise _invalid("Invalid input for security_group_id: the group's id is required.", "HTTPBadRequest")
    group = await find(os, Kind.SECURITY_GROUP, group_id)
    rule = _given_rule(attributes)
    current = _rules(group)
    if rule in current:
        raise OsError(409, f"Security group rule already exists. Rule id is {rule.os_id(group)}.",
                      "SecurityGroupRuleExists")  # fmt: skip
    changed = await edited(os, group, {"rules": [existing.generic() for existing in current] + [rule.generic()]})
    return JSONResponse({"security_group_rule": rule_document(changed, rule, {})}, status_code=201)  # names no group


async def delete_rule(os: OsRequest) -> Response:
    group, rule, _peers = await _find_rule(os, os.request.path_params["rule_id"])
    await edited(os, group, {"rules": [existing.generic() for existing in _rules(group) if existing != rule]})
    return Response(status_code=204)


ENDPOINTS: tuple[Endpoint, ...] = (
    get("/v2.0/security-groups", groups),
    post("/v2.0/security-groups", create_group),
    get("/v2.0/security-groups/{os_id}", one_group),
    put("/v2.0/security-groups/{os_id}", update_group),
    delete("/v2.0/security-groups/{os_id}", deletion(Kind.SECURITY_GROUP)),
    get("/v2.0/security-group-rules", rules),
    post("/v2.0/security-group-rules", create_rule),
    get("/v2.0/security-group-rules/{rule_id}", one_rule),
    delete("/v2.0/security-group-rules/{rule_id}", delete_rule),
)
