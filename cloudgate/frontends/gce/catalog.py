"""The project and where things run: projects.get (its metadata's `ssh-keys` are the account's key pairs) and
setCommonInstanceMetadata, zones, regions, machine types (every flavor in every zone)."""

from __future__ import annotations

from typing import Any

from cloudgate.core.operations import Operation
from cloudgate.foreign_ids import to_gce_id
from cloudgate.frontends.gce import discovery
from cloudgate.frontends.gce.context import GceRequest
from cloudgate.frontends.gce.errors import GceError, not_found
from cloudgate.frontends.gce.listing import listed
from cloudgate.frontends.gce.render import fingerprint, machine_type, region, when, zone
from cloudgate.model import Kind, ResourceRecord
from cloudgate.query import Match, ResourceQuery, SortKey

SSH_KEYS = "ssh-keys"


async def _key_pairs(gce: GceRequest) -> list[ResourceRecord]:
    return await gce.listing(ResourceQuery(kind=Kind.KEYPAIR, sort=(SortKey("name"),)))


def _metadata(pairs: list[ResourceRecord]) -> dict[str, Any]:
    lines = [f"{p.name}:{p.attrs['public_key']}" for p in pairs if p.attrs.get("public_key")]
    items = [{"key": SSH_KEYS, "value": "\n".join(lines)}] if lines else []
    return {"kind": "compute#metadata", "fingerprint": fingerprint(items), "items": items or None}


async def get_project(gce: GceRequest) -> dict[str, Any]:
    row = gce.account.row
    return {"kind": "compute#project", "id": to_gce_id(f"prj-{row.id}"), "name": gce.project,
            "creationTimestamp": when(row.created_at), "description": f"{row.cloud} account at {row.endpoint}",
            "commonInstanceMetadata": _metadata(await _key_pairs(gce)), "selfLink": f"{gce.base}/projects/{gce.project}",
            "xpnProjectStatus": "UNSPECIFIED_XPN_PROJECT_STATUS", "defaultNetworkTier": "PREMIUM"}  # fmt: skip


async def set_common_instance_metadata(gce: GceRequest) -> dict[str, Any]:
    """The project's `ssh-keys` lines become the account's key pairs: new lines are created, missing ones
    deleted (under the metadata's fingerprint). The answer is the last of those operations."""
    body = await gce.body()
    discovery.check("Metadata", body)
    pairs = await _key_pairs(gce)
    current = _metadata(pairs)
    if body.get("fingerprint") != current["fingerprint"]:
        raise GceError(412, "conditionNotMet", "Supplied fingerprint does not match current metadata fingerprint.")
    wanted: dict[str, str] = {}
    for item in body.get("items") or []:
        if item.get("key") != SSH_KEYS:
            raise GceError(400, "unsupported", f"Project metadata holds only {SSH_KEYS} here (the key pairs)")
        for line in str(item.get("value") or "").splitlines():
            user, _, key = line.strip().partition(":")
            if user and key:
                wanted[user] = " ".join(key.split()[:2])
    shown = {p.name: " ".join(str(p.attrs.get("public_key") or "").split()[:2]) for p in pairs}
    operations: list[Operation] = []
    for pair in pairs:
        if wanted.get(pair.name) != shown[pair.name]:
            operations.append(await gce.call(gce.core.operations.destroy, gce.caller, pair.id, Kind.KEYPAIR))
    for user, key in wanted.items():
        if shown.get(user) != key:
            operations.append((await gce.create(Kind.KEYPAIR, {"name": user, "public_key": key}))[1])
    if not operations:
        raise GceError(400, "invalid", "The metadata is unchanged")
    for op in operations[:-1]:
        await gce.call(gce.core.operations.wait, gce.caller, op.id, 60.0)
    return await gce.operation(operations[-1])


async def list_zones(gce: GceRequest) -> dict[str, Any]:
    records, token = await gce.page(ResourceQuery(kind=Kind.DATACENTER, matches=(Match("attrs.type", ("zone",)),)))
    links = await gce.links(records)
    return listed(gce, "zoneList", "zones", [zone(r, links) for r in records], token)


async def get_zone(gce: GceRequest, name: str) -> dict[str, Any]:
    record = await gce.zone(name)
    return zone(record, await gce.links([record]))


async def list_regions(gce: GceRequest) -> dict[str, Any]:
    records, token = await gce.page(ResourceQuery(kind=Kind.DATACENTER, matches=(Match("attrs.type", ("region",)),)))
    links = await gce.links(records)
    return listed(gce, "regionList", "regions", [region(r, links) for r in records], token)


async def get_region(gce: GceRequest, name: str) -> dict[str, Any]:
    record = await gce.region(name)
    return region(record, await gce.links([record]))


async def list_machine_types(gce: GceRequest, name: str) -> dict[str, Any]:
    place = await gce.zone(name)
    records, token = await gce.page(ResourceQuery(kind=Kind.FLAVOR))
    links = await gce.links(records)
    return listed(gce, "machineTypeList", f"zones/{name}/machineTypes", [machine_type(r, links, place) for r in records],
                  token)  # fmt: skip


async def aggregated_machine_types(gce: GceRequest) -> dict[str, Any]:
    records, token = await gce.page(ResourceQuery(kind=Kind.FLAVOR))
    links = await gce.links(records)
    items = {f"zones/{z.name}": {"machineTypes": [machine_type(r, links, z) for r in records]}
             for z in await gce.datacenters("zone")}  # fmt: skip
    return {"kind": "compute#machineTypeAggregatedList", "id": f"projects/{gce.project}/aggregated/machineTypes",
            "items": items if records else None, "nextPageToken": token,
            "selfLink": gce.link("aggregated/machineTypes")}  # fmt: skip


async def get_machine_type(gce: GceRequest, zone_name: str, name: str) -> dict[str, Any]:
    place = await gce.zone(zone_name)
    found = await gce.listing(ResourceQuery(kind=Kind.FLAVOR, matches=(Match("name", (name,)),)))
    if not found:
        raise not_found(f"projects/{gce.project}/zones/{zone_name}/machineTypes/{name}")
    return machine_type(found[0], await gce.links(found), place)
