"""Networks (the gateway's subnets): create from a gateway and netmask, list, delete."""

from __future__ import annotations

import ipaddress
from typing import Any

from cloudgate.frontends.cloudstack.context import CsRequest, listed, tag_matches
from cloudgate.frontends.cloudstack.errors import PARAM_ERROR, CsError
from cloudgate.frontends.cloudstack.jobs import started
from cloudgate.frontends.cloudstack.params import invalid
from cloudgate.frontends.cloudstack.render import NETWORK_OFFERING, network
from cloudgate.model import Kind
from cloudgate.query import Match, ResourceQuery


def _cidr(params: dict[str, Any]) -> str | None:
    """The address block a gateway and a netmask make (10.1.1.1 + 255.255.255.0: 10.1.1.0/24); None without
    both, as CloudStack then picks the block (the cloud behind does here)."""
    if "gateway" not in params and "netmask" not in params:
        return None
    if "gateway" not in params or "netmask" not in params:
        raise CsError(PARAM_ERROR, "gateway and netmask go together: give both, or neither for a block picked for you")
    try:
        return str(ipaddress.ip_network(f"{params['gateway']}/{params['netmask']}", strict=False))
    except ValueError:
        raise CsError(
            PARAM_ERROR, f"Invalid gateway {params['gateway'][:40]} or netmask {params['netmask'][:40]}"
        ) from None


async def create(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    if params["networkofferingid"] != NETWORK_OFFERING["id"]:
        raise invalid(request.command, "networkofferingid", params["networkofferingid"])
    found_zone = await request.one(Kind.DATACENTER, params["zoneid"], "zoneid")
    spec = {"name": params["name"], "datacenter": found_zone.id}
    cidr = _cidr(params)
    if cidr is not None:
        spec["cidr"] = cidr
    record, operation = await request.create(Kind.SUBNET, spec)
    await request.done(operation)
    record = await request.call(request.core.resources.get, request.caller, record.id, Kind.SUBNET)
    return {"network": network(record, request.account, await request.related([record]))}


async def list_networks(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    matches = []
    if "id" in params:
        matches.append(request.id_match(params["id"]))
    if "zoneid" in params:
        found_zone = await request.one(Kind.DATACENTER, params["zoneid"], "zoneid")
        matches.append(Match("attrs.datacenter", (found_zone.cloud_id or "-",)))
    query = ResourceQuery(kind=Kind.SUBNET, matches=tuple(matches), tags=tag_matches(params))
    records, count = await request.page(query, params)
    rel = await request.related(records)
    return listed("network", [network(r, request.account, rel) for r in records], count)


async def delete(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    record = await request.one(Kind.SUBNET, params["id"])
    return started(await request.call(request.core.operations.destroy, request.caller, record.id, Kind.SUBNET))
