"""Checking request parameters the way the sim cloud's API does; failures are InvalidParameter."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from ipaddress import IPv4Network, ip_network
from typing import Any

from cloudgate.drivers.sim.native import SimApiError
from cloudgate.drivers.sim.rows import Rule

MAX_TAGS = 50
DIRECTIONS = frozenset({"in", "out"})
PROTOCOLS = frozenset({"tcp", "udp", "icmp", "all"})
RULE_FIELDS = frozenset({"direction", "ip_protocol", "port_min", "port_max", "remote_cidr"})


def invalid(message: str) -> SimApiError:
    return SimApiError("InvalidParameter", message)


def check_fields(params: Mapping[str, Any], required: Collection[str], optional: Collection[str]) -> None:
    unknown = set(params) - set(required) - set(optional)
    if unknown:
        raise invalid(f"unknown parameters: {', '.join(sorted(unknown))}")
    missing = [name for name in required if params.get(name) is None]
    if missing:
        raise invalid(f"missing parameters: {', '.join(missing)}")


def text(value: object, field: str, *, max_length: int = 255, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or len(value) > max_length or not (value or allow_empty):
        raise invalid(f"{field} must be a string of 1 to {max_length} characters")
    return value


def integer(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise invalid(f"{field} must be an integer from {low} to {high}")
    return value


def flag(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise invalid(f"{field} must be true or false")
    return value


def choice(value: object, field: str, choices: Collection[str]) -> str:
    if value not in choices or not isinstance(value, str):
        raise invalid(f"{field} must be one of {', '.join(sorted(choices))}")
    return value


def tags(value: object) -> dict[str, str] | None:
    """Tags as stored: None when there are none."""
    if not isinstance(value, Mapping) or len(value) > MAX_TAGS:
        raise invalid(f"tags must be a mapping of at most {MAX_TAGS} entries")
    for key, item in value.items():
        text(key, "tag key", max_length=128)
        text(item, f"tag {key}", max_length=256, allow_empty=True)
    return dict(value) or None


def id_list(value: object, field: str) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        raise invalid(f"{field} must be a list of ids")
    return tuple(dict.fromkeys(value))


def rules(value: object) -> tuple[Rule, ...]:
    if not isinstance(value, (list, tuple)):
        raise invalid("rules must be a list")
    return tuple(_rule(item) for item in value)


def _rule(item: object) -> Rule:
    if not isinstance(item, Mapping) or set(item) - RULE_FIELDS:
        raise invalid(f"a rule has the fields {', '.join(sorted(RULE_FIELDS))}")
    direction, protocol = item.get("direction"), item.get("ip_protocol")
    if direction not in DIRECTIONS or protocol not in PROTOCOLS:
        raise invalid(f"rule direction must be one of {sorted(DIRECTIONS)}, ip_protocol one of {sorted(PROTOCOLS)}")
    low, high = item.get("port_min"), item.get("port_max")
    if (low is None) != (high is None):
        raise invalid("a rule gives both port_min and port_max, or neither")
    if low is not None:
        integer(low, "port_min", 0, 65535)
        integer(high, "port_max", low, 65535)
    cidr = item.get("remote_cidr", "0.0.0.0/0")
    return (direction, protocol, low, high, str(ipv4_network(cidr)))


def ipv4_network(value: object) -> IPv4Network:
    """An IPv4 network written with its network address ("10.0.0.0/24", not "10.0.0.1/24")."""
    try:
        network = ip_network(value, strict=True) if isinstance(value, str) else None
    except ValueError:
        network = None
    if not isinstance(network, IPv4Network):
        raise invalid(f"not an IPv4 network: {value!r}")
    return network
