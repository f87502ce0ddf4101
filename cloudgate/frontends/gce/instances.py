"""Instances: list, aggregatedList, get, insert, delete, start, stop, reset, setLabels and setMetadata (each under
its fingerprint), attachDisk and detachDisk."""

from __future__ import annotations

from typing import Any

from cloudgate.frontends.gce import discovery
from cloudgate.frontends.gce.context import GceRequest
from cloudgate.frontends.gce.errors import GceError, invalid
from cloudgate.frontends.gce.images import source_image
from cloudgate.frontends.gce.listing import aggregated, listed
from cloudgate.frontends.gce.references import last, reference
from cloudgate.frontends.gce.render import METADATA_PREFIX, fingerprint, instance, labels_of, metadata_of
from cloudgate.model import Kind, ResourceRecord
from cloudgate.query import Match, ResourceQuery

# Instance methods -> the core's action.
ACTIONS: dict[str, str] = {"start": "start", "stop": "stop", "reset": "reboot"}


async def _shown(gce: GceRequest, records: list[ResourceRecord]) -> list[dict[str, Any]]:
    links = await gce.links(records)
    ids = [r.cloud_id for r in records if r.cloud_id]
    disks = await gce.listing(ResourceQuery(kind=Kind.VOLUME, matches=(Match("attrs.attached_to", tuple(ids)),))) \
        if ids else []  # fmt: skip
    return [instance(r, links, [d for d in disks if d.attrs.get("attached_to") == r.cloud_id]) for r in records]


async def list_instances(gce: GceRequest, zone: str) -> dict[str, Any]:
    place = await gce.zone(zone)
    records, token = await gce.page(
        ResourceQuery(kind=Kind.INSTANCE, matches=(Match("attrs.datacenter", (place.cloud_id or "-",)),))
    )
    return listed(gce, "instanceList", f"zones/{zone}/instances", await _shown(gce, records), token)


async def aggregated_instances(gce: GceRequest) -> dict[str, Any]:
    records, token = await gce.page(ResourceQuery(kind=Kind.INSTANCE))
    return await aggregated(gce, "instanceAggregatedList", "instances", records, await _shown(gce, records), token)


async def _one(gce: GceRequest, zone: str, name: str) -> ResourceRecord:
    return await gce.named(Kind.INSTANCE, name, f"zones/{zone}/instances/{name}", within=await gce.zone(zone))


async def get(gce: GceRequest, zone: str, name: str) -> dict[str, Any]:
    return (await _shown(gce, [await _one(gce, zone, name)]))[0]


async def insert(gce: GceRequest, zone: str) -> dict[str, Any]:
    body = await gce.body()
    discovery.check("Instance", body)
    place = await gce.zone(zone)
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise GceError(400, "required", "Required field 'resource.name' not specified")
    if not body.get("machineType"):
        raise GceError(400, "required", "Required field 'resource.machineType' not specified")
    flavor = await reference(gce, Kind.FLAVOR, str(body["machineType"]))
    boot = next((d for d in body.get("disks") or [] if d.get("boot")), None) or next(
        iter(body.get("disks") or []), None
    )
    source = ((boot or {}).get("initializeParams") or {}).get("sourceImage")
    if not source:
        raise GceError(400, "required", "Required field 'resource.disks[0].initializeParams.sourceImage' not specified")
    image, booting = await source_image(gce, str(source))  # `booting`: in the scope of the image's project
    spec: dict[str, Any] = {"name": name, "flavor": flavor.id, "image": image.id, "datacenter": place.id}
    nic: dict[str, Any] = next(iter(body.get("networkInterfaces") or []), {})
    if nic.get("subnetwork"):
        spec["subnet"] = (await reference(gce, Kind.SUBNET, str(nic["subnetwork"]))).id
    tags = {**(body.get("labels") or {}), **_metadata_tags(body.get("metadata") or {})}
    if tags:
        spec["tags"] = tags
    record, op = await booting.create(Kind.INSTANCE, spec)
    return await gce.operation(op, record, ("zones", zone))


def _metadata_tags(metadata: dict[str, Any]) -> dict[str, str]:
    items = metadata.get("items") or []
    return {f"{METADATA_PREFIX}{item.get('key')}": str(item.get("value", "")) for item in items if item.get("key")}


async def delete(gce: GceRequest, zone: str, name: str) -> dict[str, Any]:
    record = await _one(gce, zone, name)
    op = await gce.call(gce.core.operations.destroy, gce.caller, record.id, Kind.INSTANCE)
    return await gce.operation(op, record, ("zones", zone))


async def act(gce: GceRequest, zone: str, name: str, method: str) -> dict[str, Any]:
    record = await _one(gce, zone, name)
    op = await gce.call(gce.core.operations.act, gce.caller, record.id, ACTIONS[method], {}, Kind.INSTANCE)
    return await gce.operation(op, record, ("zones", zone))


async def _retag(gce: GceRequest, zone: str, record: ResourceRecord, tags: dict[str, str]) -> dict[str, Any]:
    op = await gce.call(gce.core.operations.edit, gce.caller, record.id, {"tags": tags}, Kind.INSTANCE)
    return await gce.operation(op, record, ("zones", zone))


async def set_labels(gce: GceRequest, zone: str, name: str) -> dict[str, Any]:
    body = await gce.body()
    discovery.check("InstancesSetLabelsRequest", body)
    record = await _one(gce, zone, name)
    _same(body.get("labelFingerprint"), fingerprint(labels_of(record)), "labelFingerprint")
    labels = {str(k): str(v) for k, v in (body.get("labels") or {}).items()}
    kept = {k: v for k, v in record.tags.items() if k.startswith(METADATA_PREFIX)}
    return await _retag(gce, zone, record, {**kept, **labels})


async def set_metadata(gce: GceRequest, zone: str, name: str) -> dict[str, Any]:
    body = await gce.body()
    discovery.check("Metadata", body)
    record = await _one(gce, zone, name)
    _same(body.get("fingerprint"), fingerprint(metadata_of(record)), "fingerprint")
    return await _retag(gce, zone, record, {**labels_of(record), **_metadata_tags(body)})


def _same(given: Any, current: str, field: str) -> None:
    """A change names the fingerprint of what it changes: another one means someone changed it since."""
    if given is None:
        raise GceError(400, "required", f"Required field '{field}' not specified")
    if given != current:
        raise GceError(412, "conditionNotMet", f"Supplied fingerprint does not match current {field}.")


async def attach_disk(gce: GceRequest, zone: str, name: str) -> dict[str, Any]:
    body = await gce.body()
    discovery.check("AttachedDisk", body)
    record = await _one(gce, zone, name)
    if not body.get("source"):
        raise GceError(400, "required", "Required field 'resource.source' not specified")
    disk = await reference(gce, Kind.VOLUME, str(body["source"]))
    params: dict[str, Any] = {"instance": record.id}
    if body.get("deviceName"):
        params["device"] = str(body["deviceName"])
    op = await gce.call(gce.core.operations.act, gce.caller, disk.id, "attach", params, Kind.VOLUME)
    return await gce.operation(op, record, ("zones", zone))


async def detach_disk(gce: GceRequest, zone: str, name: str) -> dict[str, Any]:
    record = await _one(gce, zone, name)
    device = gce.param("deviceName")
    if not device:
        raise GceError(400, "required", "Required field 'deviceName' not specified")
    attached = await gce.listing(
        ResourceQuery(kind=Kind.VOLUME, matches=(Match("attrs.attached_to", (record.cloud_id or "-",)),))
    )
    disk = next((d for d in attached if last(str(d.attrs.get("device") or "")) == device or d.name == device), None)
    if disk is None:
        raise invalid(
            f"Invalid value for field 'deviceName': '{device[:60]}'. No disk with that device name is attached."
        )
    op = await gce.call(gce.core.operations.act, gce.caller, disk.id, "detach", {}, Kind.VOLUME)
    return await gce.operation(op, record, ("zones", zone))
