"""Security group rules: EC2's IpPermissions <-> generic rules, and the change from one rule set to another.

A generic rule is {direction, protocol, from_port, to_port, cidr}: one EC2 permission per
CIDR. Permissions naming other groups or prefix lists have no generic form: they show in
cloud_attrs only, and replacing the rules leaves them alone.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any, NamedTuple

from cloudgate.errors import InvalidRequest

# direction -> the group's permission list
DIRECTIONS: dict[str, str] = {"ingress": "IpPermissions", "egress": "IpPermissionsEgress"}
AUTHORIZE: dict[str, str] = {"ingress": "authorize_security_group_ingress", "egress": "authorize_security_group_egress"}
REVOKE: dict[str, str] = {"ingress": "revoke_security_group_ingress", "egress": "revoke_security_group_egress"}
PROTOCOLS: dict[str, str] = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "any": "-1"}
# EC2 answers with names or IANA numbers
GENERIC_PROTOCOLS: dict[str, str] = {"tcp": "tcp", "6": "tcp", "udp": "udp", "17": "udp", "icmp": "icmp", "1": "icmp",
                                     "-1": "any"}  # fmt: skip
# Protocols whose rules carry ports (ICMP's "ports" are its type and code, -1 meaning all).
PORTED = frozenset({"tcp", "udp"})
ALL_PORTS = (0, 65535)
RULE_FIELDS = frozenset({"direction", "protocol", "from_port", "to_port", "cidr"})
REQUIRED_RULE_FIELDS = frozenset({"direction", "protocol", "cidr"})


class Rule(NamedTuple):
    """A generic rule in canonical form, comparable and hashable."""

    direction: str
    protocol: str
    from_port: int | None
    to_port: int | None
    cidr: str

    def to_generic(self) -> dict[str, Any]:
        return self._asdict()

    def to_permission(self) -> dict[str, Any]:
        permission: dict[str, Any] = {"IpProtocol": PROTOCOLS.get(self.protocol, self.protocol)}
        if self.protocol in PORTED or self.protocol == "icmp":
            permission["FromPort"] = -1 if self.from_port is None else self.from_port
            permission["ToPort"] = -1 if self.to_port is None else self.to_port
        if ipaddress.ip_network(self.cidr).version == 6:
            permission["Ipv6Ranges"] = [{"CidrIpv6": self.cidr}]
        else:
            permission["IpRanges"] = [{"CidrIp": self.cidr}]
        return permission


def rules_of(group: Mapping[str, Any]) -> list[Rule]:
    """The generic rules of a security group as EC2 describes it."""
    rules = []
    for direction, key in DIRECTIONS.items():
        for permission in group.get(key) or []:
            protocol = GENERIC_PROTOCOLS.get(str(permission["IpProtocol"]), str(permission["IpProtocol"]))
            ports = _ports(protocol, permission.get("FromPort"), permission.get("ToPort"))
            cidrs = [r["CidrIp"] for r in permission.get("IpRanges") or []]
            cidrs += [r["CidrIpv6"] for r in permission.get("Ipv6Ranges") or []]
            rules += [Rule(direction, protocol, *ports, cidr) for cidr in cidrs]
    return rules


def _ports(protocol: str, from_port: int | None, to_port: int | None) -> tuple[int | None, int | None]:
    if protocol == "any" or from_port in (None, -1):
        return None, None
    return from_port, to_port


def parse_rules(rules: Any) -> list[Rule]:
    """Generic rules from a request, checked; raises InvalidRequest."""
    if not isinstance(rules, list) or not all(isinstance(rule, Mapping) for rule in rules):
        raise InvalidRequest("rules must be a list of objects")
    return list(dict.fromkeys(_parse_rule(rule) for rule in rules))


def _parse_rule(rule: Mapping[str, Any]) -> Rule:
    unknown = set(rule) - RULE_FIELDS
    if unknown:
        raise InvalidRequest(f"unknown rule fields: {', '.join(sorted(unknown))}")
    missing = sorted(REQUIRED_RULE_FIELDS - rule.keys())
    if missing:
        raise InvalidRequest(f"a rule needs {', '.join(missing)}")
    direction, protocol, cidr = rule["direction"], rule["protocol"], rule["cidr"]
    if direction not in DIRECTIONS:
        raise InvalidRequest(f"rule direction must be one of {', '.join(DIRECTIONS)}")
    if protocol not in PROTOCOLS:
        raise InvalidRequest(f"rule protocol must be one of {', '.join(PROTOCOLS)}")
    try:
        cidr = str(ipaddress.ip_network(cidr)) if isinstance(cidr, str) else None
    except ValueError:
        cidr = None
    if cidr is None:
        raise InvalidRequest(f"rule cidr {rule['cidr']!r} is not a network address (host bits unset)")
    from_port, to_port = rule.get("from_port"), rule.get("to_port")
    if protocol == "any":
        if from_port is not None or to_port is not None:
            raise InvalidRequest("rules for any protocol take no ports")
        return Rule(direction, protocol, None, None, cidr)
    if protocol in PORTED and from_port is None and to_port is None:
        from_port, to_port = ALL_PORTS
    limits = ALL_PORTS if protocol in PORTED else (0, 255)  # ICMP type and code
    for port in (from_port, to_port):
        if port is not None and not (type(port) is int and limits[0] <= port <= limits[1]):
            raise InvalidRequest(f"rule ports must be integers from {limits[0]} to {limits[1]}")
    if protocol in PORTED and (from_port is None or to_port is None or from_port > to_port):
        raise InvalidRequest("a rule's from_port must be at most its to_port")
    return Rule(direction, protocol, from_port, to_port, cidr)


def changes(current: list[Rule], wanted: list[Rule]) -> tuple[dict[str, list[Rule]], dict[str, list[Rule]]]:
    """(to authorize, to revoke), by direction, to go from the current rules to the wanted ones."""
    authorize = {d: [r for r in wanted if r.direction == d and r not in current] for d in DIRECTIONS}
    revoke = {d: [r for r in current if r.direction == d and r not in wanted] for d in DIRECTIONS}
    return authorize, revoke
