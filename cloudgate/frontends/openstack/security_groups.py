"""Neutron's security groups and their rules over the gateway's security groups, whose rules are generic
(`direction`, `protocol`, `from_port`, `to_port`, `cidr`). A rule is no record of its own: its id is a UUID
derived from its group and its content, so the same rule has the same id in every process and after a
resync, and adding or removing one is an edit of the group's rules through the core."""

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
    reads,
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
SHOWN_PROTOCOLS: dict[str, str | None] = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "any": None}
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
    cidr: str

    @classmethod
    def of(cls, generic: dict[str, Any]) -> Rule:
        protocol = generic.get("protocol") or "any"
        ports = (generic.get("from_port"), generic.get("to_port")) if protocol in PORT_BOUNDS else (None, None)
        cidr = str(ipaddress.ip_network(generic.get("cidr") or ANY_ADDRESS[4], strict=False))
        return cls(generic.get("direction") or "ingress", protocol, *_ports(*ports), cidr)

    def generic(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"direction": self.direction, "protocol": self.protocol, "cidr": self.cidr}
        if self.protocol in PORT_BOUNDS:
            shown["from_port"], shown["to_port"] = self.from_port, self.to_port
        return shown

    def os_id(self, group: ResourceRecord) -> str:
        content = f"{group.id}|{self.direction}|{self.protocol}|{self.from_port}|{self.to_port}|{self.cidr}"
        return str(uuid.uuid5(RULE_NAMESPACE, content))


def _ports(low: Any, high: Any) -> tuple[int | None, int | None]:
    """A range as neutron shows it: -1 (the generic "every") is none."""
    return (None if low in (None, -1) else low), (None if high in (None, -1) else high)


def _rules(group: ResourceRecord) -> list[Rule]:
    return list(dict.fromkeys(Rule.of(rule) for rule in group.attrs.get("rules") or []))


def _rule(os: OsRequest, group: ResourceRecord, rule: Rule) -> dict[str, Any]:
    version = ipaddress.ip_network(rule.cidr).version
    return {
        "id": rule.os_id(group), "security_group_id": to_uuid(group.id), "direction": rule.direction,
        "ethertype": f"IPv{version}", "protocol": SHOWN_PROTOCOLS[rule.protocol], "port_range_min": rule.from_port,
        "port_range_max": rule.to_port, "remote_ip_prefix": rule.cidr, "normalized_cidr": rule.cidr,
        "remote_group_id": None, "remote_address_group_id": None, "description": "", **standard(os, group),
    }  # fmt: skip


def _group(os: OsRequest, group: ResourceRecord) -> dict[str, Any]:
    return {
        "id": to_uuid(group.id), "name": group.name, "description": group.attrs.get("description") or "",
        "security_group_rules": [_rule(os, group, rule) for rule in _rules(group)], "stateful": True,
        "shared": False, **standard(os, group),
    }  # fmt: skip


# -- groups --------------------------------------------------------------------------------------


groups, one_group = reads(Kind.SECURITY_GROUP, "security_group", _group)


def _stateful(attributes: dict[str, Any]) -> None:
    if attributes.get("stateful", True) is not True:
        raise OsError(400, "Invalid input for stateful: the gateway's security groups are stateful.", "InvalidInput")


async def create_group(os: OsRequest) -> Response:
    attributes = await resource_body(os, "security_group", GROUP_ATTRIBUTES)
    owned(os, attributes)
    _stateful(attributes)
    spec = {"description": text(attributes, "description") or ""}
    made = await created(os, Kind.SECURITY_GROUP, spec, text(attributes, "name"))
    return JSONResponse({"security_group": _group(os, made)}, status_code=201)


async def update_group(os: OsRequest) -> Response:
    group = await find(os, Kind.SECURITY_GROUP, os.request.path_params["os_id"])
    attributes = await resource_body(os, "security_group", GROUP_ATTRIBUTES - {"project_id", "tenant_id"})
    _stateful(attributes)
    wanted = {"name": text(attributes, "name"), "description": text(attributes, "description")}
    current = {"name": group.name, "description": group.attrs.get("description") or ""}
    changes = {key: value for key, value in wanted.items() if value is not None and value != current[key]}
    if changes:  # what the cloud cannot change (a name, on most) the core refuses
        group = await edited(os, group, changes)
    return JSONResponse({"security_group": _group(os, group)})


# -- rules ---------------------------------------------------------------------------------------


async def rules(os: OsRequest) -> Response:
    shown = [_rule(os, group, rule) for group in await present(os, Kind.SECURITY_GROUP) for rule in _rules(group)]
    return collection(os, "security_group_rules", shown)


async def _find_rule(os: OsRequest, rule_id: str) -> tuple[ResourceRecord, Rule]:
    for group in await present(os, Kind.SECURITY_GROUP):
        for rule in _rules(group):
            if rule.os_id(group) == rule_id:
                return group, rule
    raise OsError(404, f"Security group rule {rule_id[:100]} could not be found.", "SecurityGroupRuleNotFound")


async def one_rule(os: OsRequest) -> Response:
    group, rule = await _find_rule(os, os.request.path_params["rule_id"])
    return JSONResponse({"security_group_rule": _rule(os, group, rule)})


def _invalid(message: str, neutron_type: str = "InvalidInput") -> OsError:
    return OsError(400, message, neutron_type)


def _given_rule(attributes: dict[str, Any]) -> Rule:
    """neutron's rule attributes as a generic rule, refused as neutron refuses them."""
    direction = attributes.get("direction")
    if direction not in DIRECTIONS:
        raise _invalid(f"Invalid input for direction. Reason: '{str(direction)[:40]}' is not in ['ingress', 'egress'].")
    ethertype = attributes.get("ethertype", "IPv4")
    if ethertype not in ETHERTYPES:
        raise _invalid(f"Invalid input for ethertype. Reason: '{str(ethertype)[:40]}' is not in ['IPv4', 'IPv6'].")
    given = attributes.get("protocol")
    protocol = PROTOCOLS.get(given.lower() if isinstance(given, str) else given)
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
    return JSONResponse({"security_group_rule": _rule(os, changed, rule)}, status_code=201)


async def delete_rule(os: OsRequest) -> Response:
    group, rule = await _find_rule(os, os.request.path_params["rule_id"])
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
