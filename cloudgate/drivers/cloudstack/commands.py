"""Which CloudStack API command does what for each kind, and how generic fields become its parameters."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cloudgate.errors import InvalidRequest
from cloudgate.model import Kind


@dataclass(frozen=True)
class Listing:
    command: str
    params: Mapping[str, Any] = field(default_factory=dict)


# Every listing a kind needs; their results are merged (first seen wins on repeated ids).
LISTINGS: dict[Kind, tuple[Listing, ...]] = {
    Kind.DATACENTER: (Listing("listZones"),),
    Kind.FLAVOR: (Listing("listServiceOfferings"),),
    # Featured (the cloud's), self (the account's own) and executable (any the account may run).
    Kind.IMAGE: tuple(
        Listing("listTemplates", {"templatefilter": which}) for which in ("featured", "self", "executable")
    ),
    Kind.INSTANCE: (Listing("listVirtualMachines", {"listall": True}),),
    Kind.VOLUME: (Listing("listVolumes", {"listall": True}),),
    Kind.SNAPSHOT: (Listing("listSnapshots", {"listall": True}),),
    Kind.SUBNET: (Listing("listNetworks", {"listall": True}),),
    Kind.KEYPAIR: (Listing("listSSHKeyPairs", {"listall": True}),),
    Kind.SECURITY_GROUP: (Listing("listSecurityGroups", {"listall": True}),),
}


@dataclass(frozen=True)
class Creation:
    command: str
    fields: Mapping[str, str]  # generic field -> native parameter
    required: frozenset[str] = frozenset()  # beyond "name"
    copies: Mapping[str, str] = field(default_factory=dict)  # native parameter -> generic field it repeats
    alternate: tuple[str, str] | None = None  # (generic field, command used instead when it is given)
    after: frozenset[str] = frozenset()  # generic fields applied by further commands once the resource exists


CREATIONS: dict[Kind, Creation] = {
    Kind.INSTANCE: Creation(
        "deployVirtualMachine",
        {
            "name": "name",
            "flavor": "serviceofferingid",
            "image": "templateid",
            "datacenter": "zoneid",
            "keypair": "keypair",
            "security_groups": "securitygroupids",
            "subnet": "networkids",
            "user_data": "userdata",
        },
        frozenset({"flavor", "image", "datacenter"}),
        copies={"displayname": "name"},
    ),
    Kind.VOLUME: Creation(
        "createVolume",
        {
            "name": "name",
            "size_gb": "size",
            "datacenter": "zoneid",
            "snapshot": "snapshotid",
            "disk_offering": "diskofferingid",
        },
        frozenset({"size_gb", "datacenter"}),
    ),
    Kind.SNAPSHOT: Creation("createSnapshot", {"name": "name", "volume": "volumeid"}, frozenset({"volume"})),
    Kind.SUBNET: Creation(
        "createNetwork",
        {"name": "name", "datacenter": "zoneid", "network_offering": "networkofferingid", "cidr": "cidr"},
        frozenset({"datacenter", "network_offering"}),
        copies={"displaytext": "name"},
    ),
    Kind.KEYPAIR: Creation(
        "createSSHKeyPair", {"name": "name", "public_key": "publickey"}, alternate=("public_key", "registerSSHKeyPair")
    ),
    Kind.SECURITY_GROUP: Creation(
        "createSecurityGroup", {"name": "name", "description": "description"}, after=frozenset({"rules"})
    ),
}

# Kind -> (command, the parameter naming the resource).
DESTRUCTIONS: dict[Kind, tuple[str, str]] = {
    Kind.INSTANCE: ("destroyVirtualMachine", "id"),
    Kind.VOLUME: ("deleteVolume", "id"),
    Kind.SNAPSHOT: ("deleteSnapshot", "id"),
    Kind.SUBNET: ("deleteNetwork", "id"),
    Kind.KEYPAIR: ("deleteSSHKeyPair", "name"),
    Kind.SECURITY_GROUP: ("deleteSecurityGroup", "id"),
}

# Account option -> the parameter it turns on when destroying a kind.
DESTRUCTION_OPTIONS: dict[Kind, dict[str, str]] = {Kind.INSTANCE: {"expunge": "expunge"}}

# Generic action -> (command, generic params -> native params, required params), per kind.
ACTIONS: dict[Kind, dict[str, tuple[str, dict[str, str], frozenset[str]]]] = {
    Kind.INSTANCE: {
        "start": ("startVirtualMachine", {}, frozenset()),
        "stop": ("stopVirtualMachine", {}, frozenset()),
        "reboot": ("rebootVirtualMachine", {}, frozenset()),
    },
    Kind.VOLUME: {
        "attach": ("attachVolume", {"instance": "virtualmachineid", "device": "deviceid"}, frozenset({"instance"})),
        "detach": ("detachVolume", {}, frozenset()),
    },
}

# Security group rule direction -> the command that adds such a rule.
RULE_COMMANDS: dict[str, str] = {"ingress": "authorizeSecurityGroupIngress", "egress": "authorizeSecurityGroupEgress"}
RULE_PARAMS: dict[str, str] = {
    "protocol": "protocol",
    "from_port": "startport",
    "to_port": "endport",
    "cidr": "cidrlist",
}
RULE_PROTOCOLS: dict[str, str] = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "any": "all"}
# Parameters a protocol's rules always carry: ICMP names a type and code instead of ports (-1: all of them).
PROTOCOL_PARAMS: dict[str, dict[str, Any]] = {"icmp": {"icmptype": -1, "icmpcode": -1}}


def _cidr_params(value: Any) -> dict[str, str]:
    """A network's CIDR as CloudStack takes it: its gateway (the first host) and netmask."""
    try:
        network = ipaddress.ip_network(value)
    except (TypeError, ValueError) as exc:
        raise InvalidRequest(f"cidr {value!r} is not a network") from exc
    return {"gateway": str(next(network.hosts())), "netmask": str(network.netmask)}


def _gib_param(value: Any) -> dict[str, Any]:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidRequest("size_gb must be a positive integer")
    return {"size": value}


# Native parameter -> how its generic value expands into parameters (by default: as it is).
EXPANSIONS: dict[str, Callable[[Any], dict[str, Any]]] = {"cidr": _cidr_params, "size": _gib_param}


def to_native(fields: Mapping[str, str], values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(values) - fields.keys()
    if unknown:
        raise InvalidRequest(f"unknown fields: {', '.join(sorted(unknown))}")
    native: dict[str, Any] = {}
    for generic, value in values.items():
        name = fields[generic]
        native.update(EXPANSIONS[name](value) if name in EXPANSIONS else {name: value})
    return native


def rule_params(rule: Any) -> tuple[str, dict[str, Any]]:
    """(command, parameters) adding one generic security group rule."""
    if not isinstance(rule, Mapping):
        raise InvalidRequest("each rule must be an object")
    unknown = set(rule) - RULE_PARAMS.keys() - {"direction"}
    if unknown:
        raise InvalidRequest(f"unknown rule fields: {', '.join(sorted(unknown))}")
    if rule.get("direction") not in RULE_COMMANDS:
        raise InvalidRequest(f"rule direction must be one of {', '.join(RULE_COMMANDS)}")
    if rule.get("protocol") not in RULE_PROTOCOLS:
        raise InvalidRequest(f"rule protocol must be one of {', '.join(RULE_PROTOCOLS)}")
    params = {RULE_PARAMS[key]: value for key, value in rule.items() if key in RULE_PARAMS and value is not None}
    params["protocol"] = RULE_PROTOCOLS[rule["protocol"]]
    params.update(PROTOCOL_PARAMS.get(params["protocol"], {}))
    return RULE_COMMANDS[rule["direction"]], params
