"""Networks and subnetworks. The gateway has no network kind: a project shows one network, `default`, whose
subnetworks are the account's subnets (as the EC2 front-end shows one VPC); subnetworks list, aggregatedList,
get, insert, delete."""

from __future__ import annotations

from typing import Any

from cloudgate.frontends.gce import discovery
from cloudgate.frontends.gce.context import GceRequest
from cloudgate.frontends.gce.errors import GceError, not_found
from cloudgate.frontends.gce.listing import aggregated, listed
from cloudgate.frontends.gce.render import DEFAULT_NETWORK, network, subnetwork
from cloudgate.model import Kind, ResourceRecord
from cloudgate.query import Match, ResourceQuery

ONE_NETWORK = "A project has one network here, 'default', holding its subnetworks: add subnetworks to it instead"


async def _default(gce: GceRequest) -> dict[str, Any]:
    subnets = await gce.listing(ResourceQuery(kind=Kind.SUBNET))
    return network(await gce.links(subnets), gce.account_id, subnets, gce.account.row.created_at)


async def list_networks(gce: GceRequest) -> dict[str, Any]:
    shown = await _default(gce)
    keep = gce.param("filter") is None or shown["name"] in (gce.param("filter") or "")
    return listed(gce, "networkList", "global/networks", [shown] if keep else [], None)


async def get_network(gce: GceRequest, name: str) -> dict[str, Any]:
    if name != DEFAULT_NETWORK:
        raise not_found(f"projects/{gce.project}/global/networks/{name}")
    return await _default(gce)


async def insert_network(gce: GceRequest) -> dict[str, Any]:
    discovery.check("Network", await gce.body())
    raise GceError(400, "unsupported", ONE_NETWORK)


async def delete_network(gce: GceRequest, name: str) -> dict[str, Any]:
    await get_network(gce, name)
    raise GceError(400, "resourceInUseByAnotherResource", "The project's one network cannot be deleted")


async def _in_region(gce: GceRequest, region: str) -> tuple[ResourceRecord, list[str]]:
    """A region and the cloud ids of the places in it (itself and its zones): where its subnets live."""
    place = await gce.region(region)
    zones = [
        z for z in await gce.datacenters("zone") if (z.attrs.get("parent") or z.attrs.get("region")) == place.cloud_id
    ]
    return place, [p.cloud_id for p in (place, *zones) if p.cloud_id]


async def list_subnetworks(gce: GceRequest, region: str) -> dict[str, Any]:
    _place, places = await _in_region(gce, region)
    records, token = await gce.page(
        ResourceQuery(kind=Kind.SUBNET, matches=(Match("attrs.datacenter", tuple(places)),))
    )
    links = await gce.links(records)
    return listed(
        gce, "subnetworkList", f"regions/{region}/subnetworks", [subnetwork(r, links) for r in records], token
    )


async def aggregated_subnetworks(gce: GceRequest) -> dict[str, Any]:
    records, token = await gce.page(ResourceQuery(kind=Kind.SUBNET))
    links = await gce.links(records)
    shown = [subnetwork(r, links) for r in records]
    return await aggregated(gce, "subnetworkAggregatedList", "subnetworks", records, shown, token)


async def _one(gce: GceRequest, region: str, name: str) -> ResourceRecord:
    _place, places = await _in_region(gce, region)
    found = [r for r in await gce.listing(ResourceQuery(kind=Kind.SUBNET, matches=(Match("name", (name,)),)))
             if r.attrs.get("datacenter") in places]  # fmt: skip
    if not found:
        raise not_found(f"projects/{gce.project}/regions/{region}/subnetworks/{name}")
    return found[0]


async def get_subnetwork(gce: GceRequest, region: str, name: str) -> dict[str, Any]:
    record = await _one(gce, region, name)
    return subnetwork(record, await gce.links([record]))


async def insert_subnetwork(gce: GceRequest, region: str) -> dict[str, Any]:
    """A subnet in the region: in its first zone where the cloud places subnets in zones (the sim, OpenStack,
    EC2), which every zone of the region reaches here."""
    body = await gce.body()
    discovery.check("Subnetwork", body)
    for field in ("name", "ipCidrRange"):
        if not body.get(field):
            raise GceError(400, "required", f"Required field 'resource.{field}' not specified")
    network_link = str(body.get("network") or DEFAULT_NETWORK)
    if network_link.rstrip("/").rsplit("/", 1)[-1] != DEFAULT_NETWORK:
        raise GceError(400, "invalid", ONE_NETWORK)
    place, _places = await _in_region(gce, region)
    zones = sorted((z for z in await gce.datacenters("zone") if (z.attrs.get("parent") or z.attrs.get("region")) ==
                    place.cloud_id), key=lambda z: z.name)  # fmt: skip
    spec = {"name": body["name"], "cidr": body["ipCidrRange"], "datacenter": (zones[0] if zones else place).id}
    record, op = await gce.create(Kind.SUBNET, spec)
    return await gce.operation(op, record, ("regions", region))


async def delete_subnetwork(gce: GceRequest, region: str, name: str) -> dict[str, Any]:
    record = await _one(gce, region, name)
    op = await gce.call(gce.core.operations.destroy, gce.caller, record.id, Kind.SUBNET)
    return await gce.operation(op, record, ("regions", region))
