"""Volumes and snapshots: create, describe, attach, detach, resize, delete."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cloudgate.frontends.ec2 import render
from cloudgate.frontends.ec2.context import Ec2Request, specified_tags
from cloudgate.frontends.ec2.errors import Ec2Error
from cloudgate.frontends.ec2.filters import query_parts
from cloudgate.model import ATTACHED_VOLUME_STATES, Kind, ResourceRecord
from cloudgate.query import Match


async def _selected(
    request: Ec2Request, kind: Kind, params: dict[str, Any], ids_param: str
) -> tuple[list[ResourceRecord], str | None]:
    parts = await query_parts(request, kind, params.get("Filters"))
    if parts is None:
        return [], None
    matches, tags = parts
    matches.append(request.in_home(kind))
    ids = params.get(ids_param) or []
    if ids:
        matches.append(Match("id", tuple(r.id for r in await request.records(kind, ids))))
    return await request.page(kind, matches, tags, params.get("MaxResults"), params.get("NextToken"))


async def _volumes(request: Ec2Request, records: Sequence[ResourceRecord]) -> list[dict[str, Any]]:
    rel = await request.related(records)
    return [render.volume(request, r, rel) for r in records]


async def create_volume(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    if not params.get("AvailabilityZone"):
        raise Ec2Error("MissingParameter", "The request must contain the parameter AvailabilityZone")
    name, tags = specified_tags(params, "volume")
    spec: dict[str, Any] = {"account": request.account_id, "name": name or "", "datacenter": params["AvailabilityZone"]}
    if params.get("SnapshotId"):
        snapshot = await request.one(Kind.SNAPSHOT, params["SnapshotId"])
        spec["snapshot"] = snapshot.id
        spec["size_gb"] = params.get("Size") or snapshot.attrs.get("size_gb")
    else:
        spec["size_gb"] = params.get("Size")
    if spec["size_gb"] is None:
        raise Ec2Error("MissingParameter", "The request must contain the parameter size or snapshotId")
    if tags:
        spec["tags"] = tags
    caller = request.caller.keyed(f"ec2:{params['ClientToken']}") if params.get("ClientToken") else request.caller
    record, _operation = await request.create(Kind.VOLUME, spec, caller)
    (shown,) = await _volumes(request, [record])
    return {**shown, "Size": spec["size_gb"], "AvailabilityZone": params["AvailabilityZone"]}


async def describe_volumes(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    records, token = await _selected(request, Kind.VOLUME, params, "VolumeIds")
    return {"Volumes": await _volumes(request, records), "NextToken": token}


async def describe_volume_status(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    records, token = await _selected(request, Kind.VOLUME, params, "VolumeIds")
    statuses = []
    for shown, record in zip(await _volumes(request, records), records, strict=True):
        status = "impaired" if record.state == "error" else "ok"
        statuses.append({
            "VolumeId": shown["VolumeId"], "AvailabilityZone": shown["AvailabilityZone"],
            "VolumeStatus": {"Status": status, "Details": [{"Name": "io-enabled", "Status": "passed" if status == "ok" else "failed"}]},
            "Actions": [], "Events": [],
        })  # fmt: skip
    return {"VolumeStatuses": statuses, "NextToken": token}


async def attach_volume(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    volume = await request.one(Kind.VOLUME, params.get("VolumeId", ""))
    instance = await request.one(Kind.INSTANCE, params.get("InstanceId", ""))
    if volume.state in ATTACHED_VOLUME_STATES:
        raise Ec2Error("VolumeInUse", f"{request.ec2_id(volume)} is already attached to an instance")
    if volume.state != "available":
        raise Ec2Error("IncorrectState", f"The volume '{request.ec2_id(volume)}' is not 'available'")
    wanted = {"instance": instance.id, **({"device": params["Device"]} if params.get("Device") else {})}
    await request.call(
        request.core.operations.act, request.caller, volume.id, "attach", wanted, Kind.VOLUME, kind=Kind.VOLUME
    )
    return {"VolumeId": request.ec2_id(volume), "InstanceId": request.ec2_id(instance), "Device": params.get("Device", ""),
            "State": "attaching", "AttachTime": render.when(volume.updated_at)}  # fmt: skip


async def detach_volume(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    volume = await request.one(Kind.VOLUME, params.get("VolumeId", ""))
    if volume.state not in ATTACHED_VOLUME_STATES:
        raise Ec2Error("IncorrectState", f"Volume '{request.ec2_id(volume)}' is in the 'available' state")
    (shown,) = await _volumes(request, [volume])
    attachment = shown["Attachments"][0] if shown["Attachments"] else {}
    if params.get("InstanceId") and params["InstanceId"] != attachment.get("InstanceId"):
        raise Ec2Error("IncorrectState", f"Volume '{shown['VolumeId']}' is not attached to {params['InstanceId']}")
    await request.call(
        request.core.operations.act, request.caller, volume.id, "detach", {}, Kind.VOLUME, kind=Kind.VOLUME
    )
    return {**attachment, "State": "detaching"}


async def modify_volume(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    volume = await request.one(Kind.VOLUME, params.get("VolumeId", ""))
    size = params.get("Size")
    if size is None:
        raise Ec2Error(
            "MissingParameter", "The request must contain the parameter Size (the gateway changes sizes only)"
        )
    original = volume.attrs.get("size_gb")
    if isinstance(original, int) and size < original:
        raise Ec2Error(
            "InvalidParameterValue", f"New size {size} GiB cannot be smaller than the volume's {original} GiB"
        )
    await request.call(
        request.core.operations.edit, request.caller, volume.id, {"size_gb": size}, Kind.VOLUME, kind=Kind.VOLUME
    )
    return {"VolumeModification": {
        "VolumeId": request.ec2_id(volume), "ModificationState": "modifying", "TargetSize": size, "OriginalSize": original,
        "Progress": 0, "StartTime": render.when(volume.updated_at),
    }}  # fmt: skip


async def describe_volumes_modifications(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    return {"VolumesModifications": []}  # a finished resize shows in the volume's size


async def delete_volume(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    volume = await request.one(Kind.VOLUME, params.get("VolumeId", ""))
    if volume.state in ATTACHED_VOLUME_STATES:
        raise Ec2Error("VolumeInUse", f"Volume {request.ec2_id(volume)} is currently attached to an instance")
    await request.call(request.core.operations.destroy, request.caller, volume.id, Kind.VOLUME, kind=Kind.VOLUME)
    return {}


# -- snapshots ----------------------------------------------------------------------------------------


async def _snapshots(request: Ec2Request, records: Sequence[ResourceRecord]) -> list[dict[str, Any]]:
    rel = await request.related(records)
    return [render.snapshot(request, r, rel) for r in records]


async def create_snapshot(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    volume = await request.one(Kind.VOLUME, params.get("VolumeId", ""))
    name, tags = specified_tags(params, "snapshot")
    spec: dict[str, Any] = {
        "account": request.account_id,
        "name": name or params.get("Description") or "",
        "volume": volume.id,
    }
    if tags:
        spec["tags"] = tags
    record, _operation = await request.create(Kind.SNAPSHOT, spec)
    shown = (await _snapshots(request, [record]))[0]
    return {**shown, "VolumeId": request.ec2_id(volume), "VolumeSize": volume.attrs.get("size_gb"),
            "Description": params.get("Description", shown["Description"])}  # fmt: skip


async def describe_snapshots(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    owners = set(params.get("OwnerIds") or [])
    if owners - {"self", request.owner_id}:
        return {"Snapshots": []}  # snapshots are the account's own: no other owner's show
    records, token = await _selected(request, Kind.SNAPSHOT, params, "SnapshotIds")
    return {"Snapshots": await _snapshots(request, records), "NextToken": token}


async def describe_snapshot_attribute(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    record = await request.one(Kind.SNAPSHOT, params.get("SnapshotId", ""))
    if params.get("Attribute") != "createVolumePermission":
        raise Ec2Error("InvalidParameterValue", "The gateway describes the createVolumePermission attribute only")
    return {"SnapshotId": request.ec2_id(record), "CreateVolumePermissions": []}


async def delete_snapshot(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    record = await request.one(Kind.SNAPSHOT, params.get("SnapshotId", ""))
    await request.call(request.core.operations.destroy, request.caller, record.id, Kind.SNAPSHOT, kind=Kind.SNAPSHOT)
    return {}


async def describe_volume_attribute(request: Ec2Request, params: dict[str, Any]) -> dict[str, Any]:
    volume = await request.one(Kind.VOLUME, params.get("VolumeId", ""))
    values: dict[str, dict[str, Any]] = {
        "autoEnableIO": {"AutoEnableIO": {"Value": False}},
        "productCodes": {"ProductCodes": []},
    }
    attribute = params.get("Attribute", "")
    if attribute not in values:
        raise Ec2Error("InvalidParameterValue", f"Value ({attribute[:60]}) for parameter attribute is invalid")
    return {"VolumeId": request.ec2_id(volume), **values[attribute]}
