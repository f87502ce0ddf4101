"""Firewalls (the gateway's security groups): list, get, insert, patch, delete. A firewall's allowed entries
times its source (or destination) ranges are the group's rules, in the firewall's one direction."""

from __future__ import annotations

from typing import Any

from cloudgate.frontends.gce import discovery
from cloudgate.frontends.gce.context import GceRequest
from cloudgate.frontends.gce.errors import GceError, invalid
from cloudgate.frontends.gce.listing import listed
from cloudgate.frontends.gce.render import DIRECTIONS, PROTOCOLS, RANGES, firewall
from cloudgate.model import Kind, ResourceRecord
from cloudgate.query import ResourceQuery

GENERIC_PROTOCOLS = {native: generic for generic, native in PROTOCOLS.items()}
GENERIC_DIRECTIONS = {native: generic for generic, native in DIRECTIONS.items()}


def rules_of(body: dict[str, Any], current: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """A firewall's fields (patched over `current`'s) as generic rules."""
    merged = {**(current or {}), **body}
    direction = str(merged.get("direction") or "INGRESS")
    if direction not in GENERIC_DIRECTIONS:
        raise invalid(f"Invalid value for field 'resource.direction': '{direction[:20]}'. Must be INGRESS or EGRESS.")
    if merged.get("denied"):
        raise GceError(400, "unsupported", "Deny rules are not available: the clouds behind allow only")
    ranges = merged.get(RANGES[direction]) or ["0.0.0.0/0"]
    rules = []
    for allowed in merged.get("allowed") or []:
        protocol = GENERIC_PROTOCOLS.get(str(allowed.get("IPProtocol", "")).lower())
        if protocol is None:
            raise invalid(
                f"Invalid value for field 'resource.allowed[].IPProtocol': '{str(allowed.get('IPProtocol'))[:20]}'."
            )
        for ports in allowed.get("ports") or [None]:
            low, high = _ports(ports)
            rules += [{"direction": GENERIC_DIRECTIONS[direction], "protocol": protocol, "from_port": low,
                       "to_port": high, "cidr": str(cidr)} for cidr in ranges]  # fmt: skip
    return rules


def _ports(text: Any) -> tuple[int | None, int | None]:
    if text is None:
        return None, None
    low, _, high = str(text).partition("-")
    if not (low.isdigit() and (high or low).isdigit()) or not 0 <= int(low) <= int(high or low) <= 65535:
        raise invalid(f"Invalid value for field 'resource.allowed[].ports': '{str(text)[:20]}'.")
    return int(low), int(high or low)


async def list_firewalls(gce: GceRequest) -> dict[str, Any]:
    records, token = await gce.page(ResourceQuery(kind=Kind.SECURITY_GROUP))
    links = await gce.links(records)
    return listed(gce, "firewallList", "global/firewalls", [firewall(r, links) for r in records], token)


async def _one(gce: GceRequest, name: str) -> ResourceRecord:
    return await gce.named(Kind.SECURITY_GROUP, name, f"global/firewalls/{name}")


async def get(gce: GceRequest, name: str) -> dict[str, Any]:
    record = await _one(gce, name)
    return firewall(record, await gce.links([record]))


async def insert(gce: GceRequest) -> dict[str, Any]:
    body = await gce.body()
    discovery.check("Firewall", body)
    if not body.get("name"):
        raise GceError(400, "required", "Required field 'resource.name' not specified")
    spec = {"name": body["name"], "description": body.get("description") or "", "rules": rules_of(body)}
    record, op = await gce.create(Kind.SECURITY_GROUP, spec)
    return await gce.operation(op, record)


async def patch(gce: GceRequest, name: str) -> dict[str, Any]:
    body = await gce.body()
    discovery.check("Firewall", body)
    record = await _one(gce, name)
    current = firewall(record, await gce.links([record]))
    changes: dict[str, Any] = {"rules": rules_of(body, current)}
    if "description" in body:
        changes["description"] = body["description"] or ""
    op = await gce.call(gce.core.operations.edit, gce.caller, record.id, changes, Kind.SECURITY_GROUP)
    return await gce.operation(op, record)


async def delete(gce: GceRequest, name: str) -> dict[str, Any]:
    record = await _one(gce, name)
    op = await gce.call(gce.core.operations.destroy, gce.caller, record.id, Kind.SECURITY_GROUP)
    return await gce.operation(op, record)
