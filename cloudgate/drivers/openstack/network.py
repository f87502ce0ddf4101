"""neutron: subnets (each with a network of its own) and security groups with their rules.
Blocking calls, run in the driver's pool."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from openstack.connection import Connection

from cloudgate.drivers.openstack.identity import region_of
from cloudgate.drivers.openstack.translate import native, resource, rule_from_native, rule_sort_key
from cloudgate.errors import InvalidRequest
from cloudgate.model import CloudResource, Kind

# Each subnet gets a network of its own, so every one may take the same range.
DEFAULT_CIDR = "10.0.0.0/24"
# Marks the networks made for a subnet: destroying the subnet takes its network along.
NETWORK_MARKER = "cloudgate-subnet-network"


def list_subnets(conn: Connection) -> list[CloudResource]:
    project = conn.current_project_id
    networks = {network.id: native(network) for network in conn.network.networks()}
    region = region_of(conn)
    return [
        _subnet(native(subnet), networks.get(subnet.network_id, {}), region)
        for subnet in conn.network.subnets()
        # an admin sees every project's: the account's own, and the shared ones it may use
        if subnet.project_id == project or networks.get(subnet.network_id, {}).get("shared")
    ]


def get_subnet(conn: Connection, subnet_id: str) -> CloudResource | None:
    """The subnet, when the listing would show it (the account's own or on a shared network)."""
    subnet = native(conn.network.get_subnet(subnet_id))
    network = native(conn.network.get_network(subnet["network_id"]))
    if subnet.get("project_id") != conn.current_project_id and not network.get("shared"):
        return None
    return _subnet(subnet, network, region_of(conn))


def _subnet(raw: dict[str, Any], network: Mapping[str, Any], region: str) -> CloudResource:
    attrs = {"cidr": raw.get("cidr"), "datacenter": region}
    return resource(Kind.SUBNET, raw, attrs, status=network.get("status"), tags=raw.get("tags"))


def create_subnet(conn: Connection, spec: Mapping[str, Any]) -> CloudResource:
    cidr = spec.get("cidr") or DEFAULT_CIDR
    try:
        version = ipaddress.ip_network(cidr).version
    except (TypeError, ValueError) as exc:
        raise InvalidRequest(f"cidr {cidr!r} is not a network") from exc
    network = conn.network.create_network(name=spec["name"])
    try:
        conn.network.set_tags(network, [NETWORK_MARKER])
        subnet = conn.network.create_subnet(network_id=network.id, name=spec["name"], cidr=cidr, ip_version=version)
        if spec.get("tags"):
            conn.network.set_tags(subnet, spec["tags"])
    except Exception:
        conn.network.delete_network(network.id)  # the pair is made whole or not at all
        raise
    return _subnet(native(conn.network.get_subnet(subnet.id)), native(network), region_of(conn))


def destroy_subnet(conn: Connection, subnet_id: str) -> None:
    network_id = conn.network.get_subnet(subnet_id).network_id
    conn.network.delete_subnet(subnet_id, ignore_missing=False)
    network = conn.network.get_network(network_id)
    if NETWORK_MARKER in (network.tags or []) and not network.subnet_ids:
        conn.network.delete_network(network_id)


def edit_subnet(conn: Connection, subnet_id: str, changes: Mapping[str, Any]) -> None:
    if "name" in changes:
        conn.network.update_subnet(subnet_id, name=changes["name"])
    if "tags" in changes:
        conn.network.set_tags(conn.network.get_subnet(subnet_id), changes["tags"])


# -- security groups ------------------------------------------------------------------------------


def list_security_groups(conn: Connection) -> list[CloudResource]:
    groups = conn.network.security_groups(project_id=conn.current_project_id)
    return [_security_group(native(group)) for group in groups]


def get_security_group(conn: Connection, group_id: str) -> CloudResource | None:
    group = native(conn.network.get_security_group(group_id))
    return _security_group(group) if group.get("project_id") == conn.current_project_id else None


def _security_group(raw: dict[str, Any]) -> CloudResource:
    rules = sorted((rule_from_native(rule) for rule in raw.get("security_group_rules") or ()), key=rule_sort_key)
    return resource(Kind.SECURITY_GROUP, raw, {"description": raw.get("description"), "rules": rules},
                    tags=raw.get("tags"))  # fmt: skip


def create_security_group(conn: Connection, spec: Mapping[str, Any]) -> CloudResource:
    group = conn.network.create_security_group(name=spec["name"], description=spec.get("description") or "")
    edit_security_group(conn, group.id, {key: spec[key] for key in ("rules", "tags") if key in spec})
    return _security_group(native(conn.network.get_security_group(group.id)))


def destroy_security_group(conn: Connection, group_id: str) -> None:
    conn.network.delete_security_group(group_id, ignore_missing=False)


def edit_security_group(conn: Connection, group_id: str, changes: Mapping[str, Any]) -> None:
    fields = {key: changes[key] for key in ("name", "description") if key in changes}
    if fields:
        conn.network.update_security_group(group_id, **fields)
    if "tags" in changes:
        conn.network.set_tags(conn.network.get_security_group(group_id), changes["tags"])
    if "rules" in changes:
        _replace_rules(conn, group_id, changes["rules"])


def _replace_rules(conn: Connection, group_id: str, wanted: list[dict[str, Any]]) -> None:
    """Make the group's rules exactly `wanted` (neutron rules): delete the others, add the missing."""

    def key(rule: Mapping[str, Any]) -> tuple:
        return tuple(sorted(rule_from_native(rule).items()))

    current = {key(rule): rule["id"] for rule in conn.network.get_security_group(group_id).security_group_rules}
    wanted_by_key = {key(rule): rule for rule in wanted}
    for rule_key, rule_id in current.items():
        if rule_key not in wanted_by_key:
            conn.network.delete_security_group_rule(rule_id, ignore_missing=False)
    for rule_key, rule in wanted_by_key.items():
        if rule_key not in current:
            conn.network.create_security_group_rule(security_group_id=group_id, **rule)
