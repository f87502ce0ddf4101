"""Disks (the gateway's volumes) and snapshots: list, aggregatedList, get, insert, delete, resize,
createSnapshot; snapshots list, get, delete."""

from __future__ import annotations

from typing import Any

from cloudgate.frontends.gce import discovery
from cloudgate.frontends.gce.context import GceRequest
from cloudgate.frontends.gce.errors import GceError, invalid
from cloudgate.frontends.gce.listing import aggregated, listed
from cloudgate.frontends.gce.references import reference
from cloudgate.frontends.gce.render import disk, snapshot
from cloudgate.model import Kind, ResourceRecord
from cloudgate.query import Match, ResourceQuery

DEFAULT_SIZE_GB = 10  # GCE's size for a blank disk named without one


def _size(value: Any, field: str) -> int:
    text = str(value)
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 65_536:
        raise invalid(f"Invalid value for field '{field}': '{text[:40]}'. Must be a whole number of GB, 1 to 65536.")
    return int(text)


async def list_disks(gce: GceRequest, zone: str) -> dict[str, Any]:
    place = await gce.zone(zone)
    records, token = await gce.page(
        ResourceQuery(kind=Kind.VOLUME, matches=(Match("attrs.datacenter", (place.cloud_id or "-",)),))
    )
    links = await gce.links(records)
    return listed(gce, "diskList", f"zones/{zone}/disks", [disk(r, links) for r in records], token)


async def aggregated_disks(gce: GceRequest) -> dict[str, Any]:
    records, token = await gce.page(ResourceQuery(kind=Kind.VOLUME))
    links = await gce.links(records)
    return await aggregated(gce, "diskAggregatedList", "disks", records, [disk(r, links) for r in records], token)


async def _one(gce: GceRequest, zone: str, name: str) -> ResourceRecord:
    return await gce.named(Kind.VOLUME, name, f"zones/{zone}/disks/{name}", within=await gce.zone(zone))


async def get(gce: GceRequest, zone: str, name: str) -> dict[str, Any]:
    record = await _one(gce, zone, name)
    return disk(record, await gce.links([record]))


async def insert(gce: GceRequest, zone: str) -> dict[str, Any]:
    body = await gce.body()
    discovery.check("Disk", body)
    if not body.get("name"):
        raise GceError(400, "required", "Required field 'resource.name' not specified")
    spec: dict[str, Any] = {"name": body["name"], "datacenter": (await gce.zone(zone)).id}
    if body.get("sourceSnapshot"):
        spec["snapshot"] = (await reference(gce, Kind.SNAPSHOT, str(body["sourceSnapshot"]))).id
    if body.get("sourceImage"):
        raise GceError(400, "unsupported", "Disks are blank or made from a snapshot here, not from an image")
    spec["size_gb"] = _size(body.get("sizeGb", DEFAULT_SIZE_GB), "sizeGb")
    if body.get("labels"):
        spec["tags"] = body["labels"]
    record, op = await gce.create(Kind.VOLUME, spec)
    return await gce.operation(op, record, ("zones", zone))


async def delete(gce: GceRequest, zone: str, name: str) -> dict[str, Any]:
    record = await _one(gce, zone, name)
    op = await gce.call(gce.core.operations.destroy, gce.caller, record.id, Kind.VOLUME)
    return await gce.operation(op, record, ("zones", zone))


async def resize(gce: GceRequest, zone: str, name: str) -> dict[str, Any]:
    body = await gce.body()
    discovery.check("DisksResizeRequest", body)
    record = await _one(gce, zone, name)
    size = _size(body.get("sizeGb"), "sizeGb")
    if isinstance(record.attrs.get("size_gb"), int) and size < record.attrs["size_gb"]:
        raise invalid(f"Invalid value for field 'sizeGb': '{size}'. Disks can only be resized to a larger size.")
    op = await gce.call(gce.core.operations.edit, gce.caller, record.id, {"size_gb": size}, Kind.VOLUME)
    return await gce.operation(op, record, ("zones", zone))


async def create_snapshot(gce: GceRequest, zone: str, name: str) -> dict[str, Any]:
    body = await gce.body()
    discovery.check("Snapshot", body)
    record = await _one(gce, zone, name)
    if not body.get("name"):
        raise GceError(400, "required", "Required field 'resource.name' not specified")
    spec = {"name": body["name"], "volume": record.id, **({"tags": body["labels"]} if body.get("labels") else {})}
    _made, op = await gce.create(Kind.SNAPSHOT, spec)
    return await gce.operation(op, record, ("zones", zone))  # the operation is the disk's, as GCE's


async def list_snapshots(gce: GceRequest) -> dict[str, Any]:
    records, token = await gce.page(ResourceQuery(kind=Kind.SNAPSHOT))
    links = await gce.links(records)
    return listed(gce, "snapshotList", "global/snapshots", [snapshot(r, links) for r in records], token)


async def get_snapshot(gce: GceRequest, name: str) -> dict[str, Any]:
    record = await gce.named(Kind.SNAPSHOT, name, f"global/snapshots/{name}")
    return snapshot(record, await gce.links([record]))


async def delete_snapshot(gce: GceRequest, name: str) -> dict[str, Any]:
    record = await gce.named(Kind.SNAPSHOT, name, f"global/snapshots/{name}")
    op = await gce.call(gce.core.operations.destroy, gce.caller, record.id, Kind.SNAPSHOT)
    return await gce.operation(op, record)
