"""Volumes and snapshots: create, list, attach, detach, resize, delete; snapshots of a volume."""

from __future__ import annotations

from typing import Any

from cloudgate.frontends.cloudstack.catalog import DISK_OFFERINGS_BY_ID, MAX_CUSTOM_DISK_GB
from cloudgate.frontends.cloudstack.context import CsRequest, cs_id, listed, tag_matches
from cloudgate.frontends.cloudstack.errors import PARAM_ERROR, CsError
from cloudgate.frontends.cloudstack.jobs import started
from cloudgate.frontends.cloudstack.params import invalid
from cloudgate.frontends.cloudstack.render import SUCCESS, snapshot, volume
from cloudgate.model import Kind
from cloudgate.query import Match, ResourceQuery


def _size(request: CsRequest, params: dict[str, Any]) -> int | None:
    """The size a create or resize asks for: its disk offering's, or `size` with a custom offering."""
    offering = None
    if "diskofferingid" in params:
        offering = DISK_OFFERINGS_BY_ID.get(params["diskofferingid"])
        if offering is None:
            raise invalid(request.command, "diskofferingid", params["diskofferingid"])
    size = params.get("size")
    if offering is not None and not offering["iscustomized"]:
        if size is not None and size != offering["disksize"]:
            raise CsError(PARAM_ERROR, "The disk offering fixes the size: give size only with a custom offering")
        return int(offering["disksize"])
    if size is not None and not 1 <= size <= MAX_CUSTOM_DISK_GB:
        raise CsError(PARAM_ERROR, f"size must be between 1 and {MAX_CUSTOM_DISK_GB} GB")
    return size


async def create_volume(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    size = _size(request, params)
    if "snapshotid" in params:
        spec["snapshot"] = (await request.one(Kind.SNAPSHOT, params["snapshotid"], "snapshotid")).id
    elif size is None:
        raise CsError(PARAM_ERROR, "Either disk offering id or snapshot id must be passed whilst creating volume")
    if size is not None:
        spec["size_gb"] = size
    if "zoneid" in params:
        spec["datacenter"] = (await request.one(Kind.DATACENTER, params["zoneid"], "zoneid")).id
    if params.get("name"):
        spec["name"] = params["name"]
    record, operation = await request.create(Kind.VOLUME, spec)
    return started(operation, cs_id(record))


async def list_volumes(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    matches = []
    if "id" in params:
        matches.append(request.id_match(params["id"]))
    if "name" in params:
        matches.append(Match("name", (params["name"],)))
    if "virtualmachineid" in params:
        machine = await request.one(Kind.INSTANCE, params["virtualmachineid"], "virtualmachineid")
        matches.append(Match("attrs.attached_to", (machine.cloud_id or "-",)))
    if "zoneid" in params:
        found_zone = await request.one(Kind.DATACENTER, params["zoneid"], "zoneid")
        matches.append(Match("attrs.datacenter", (found_zone.cloud_id or "-",)))
    records, count = await request.page(
        ResourceQuery(kind=Kind.VOLUME, matches=tuple(matches), tags=tag_matches(params)), params
    )
    rel = await request.related(records)
    return listed("volume", [volume(r, request.account, rel) for r in records], count)


async def attach_volume(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    record = await request.one(Kind.VOLUME, params["id"])
    machine = await request.one(Kind.INSTANCE, params["virtualmachineid"], "virtualmachineid")
    action: dict[str, Any] = {"instance": machine.id}
    if "deviceid" in params:
        action["device"] = f"/dev/vd{chr(ord('a') + params['deviceid'])}" if 0 < params["deviceid"] < 26 else None
        if action["device"] is None:
            raise invalid(request.command, "deviceid", str(params["deviceid"]))
    operation = await request.call(
        request.core.operations.act, request.caller, record.id, "attach", action, Kind.VOLUME
    )
    return started(operation)


async def detach_volume(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    if "id" not in params:
        raise CsError(PARAM_ERROR, "Please specify the volume id")  # detaching by machine and slot: not here
    record = await request.one(Kind.VOLUME, params["id"])
    operation = await request.call(request.core.operations.act, request.caller, record.id, "detach", {}, Kind.VOLUME)
    return started(operation)


async def resize_volume(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    record = await request.one(Kind.VOLUME, params["id"])
    size = _size(request, params)
    if size is None:
        raise CsError(PARAM_ERROR, "Give the new size (size, with a custom offering) or a disk offering")
    if isinstance(record.attrs.get("size_gb"), int) and size < record.attrs["size_gb"] and not params.get("shrinkok"):
        raise CsError(PARAM_ERROR, "Going from existing size of "
                                   f"{record.attrs['size_gb']} GB to size of {size} GB would shrink the volume")  # fmt: skip
    operation = await request.call(
        request.core.operations.edit, request.caller, record.id, {"size_gb": size}, Kind.VOLUME
    )
    return started(operation)


async def delete_volume(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    record = await request.one(Kind.VOLUME, params["id"])
    await request.done(await request.call(request.core.operations.destroy, request.caller, record.id, Kind.VOLUME))
    return SUCCESS


async def create_snapshot(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    source = await request.one(Kind.VOLUME, params["volumeid"], "volumeid")
    spec: dict[str, Any] = {"volume": source.id}
    if params.get("name"):
        spec["name"] = params["name"]
    record, operation = await request.create(Kind.SNAPSHOT, spec)
    return started(operation, cs_id(record))


async def list_snapshots(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    matches = []
    if "id" in params:
        matches.append(request.id_match(params["id"]))
    if "name" in params:
        matches.append(Match("name", (params["name"],)))
    if "volumeid" in params:
        source = await request.one(Kind.VOLUME, params["volumeid"], "volumeid")
        matches.append(Match("attrs.volume", (source.cloud_id or "-",)))
    records, count = await request.page(
        ResourceQuery(kind=Kind.SNAPSHOT, matches=tuple(matches), tags=tag_matches(params)), params
    )
    rel = await request.related(records)
    return listed("snapshot", [snapshot(r, request.account, rel) for r in records], count)


async def delete_snapshot(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    record = await request.one(Kind.SNAPSHOT, params["id"])
    return started(await request.call(request.core.operations.destroy, request.caller, record.id, Kind.SNAPSHOT))
