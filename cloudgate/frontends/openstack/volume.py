"""Cinder v3 volumes and snapshots over the gateway's: listed with cinder's filters and paging, shown with their
attachments (the server by its nova id), created (empty, or from a snapshot), renamed, extended, attached and
detached (cinder's own actions; nova's os-volume_attachments does the same), deleted. Status is what the cloud was
last seen in, or what a change under way makes of it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse, Response

from cloudgate.core.resources import Related
from cloudgate.frontends.openstack.cinder import links, listing
from cloudgate.frontends.openstack.context import OsRequest, integer, when
from cloudgate.frontends.openstack.errors import OsError
from cloudgate.model import ATTACHED_VOLUME_STATES, Kind, ResourceRecord
from cloudgate.query import Match

# Normalized volume state -> cinder status.
VOLUME_STATUSES: dict[str, str] = {
    "creating": "creating", "available": "available", "attaching": "attaching", "in_use": "in-use",
    "detaching": "detaching", "deleting": "deleting", "deleted": "deleted", "error": "error",
}  # fmt: skip
# Normalized snapshot state -> cinder status.
SNAPSHOT_STATUSES: dict[str, str] = {
    "pending": "creating", "available": "available", "deleting": "deleting", "deleted": "deleted", "error": "error",
}  # fmt: skip
# A change under way on a volume -> the status cinder shows meanwhile (the cloud may not show it yet).
UNDER_WAY: dict[str, str] = {"destroy": "deleting", "attach": "attaching", "detach": "detaching"}
DEFAULT_TYPE = "__DEFAULT__"  # cinder's type of a volume created without one
# cinder's fields that an OpenStack cloud reports and no other says: shown from the cloud's own volume then.
CINDER_FIELDS = ("description", "bootable", "encrypted", "multiattach", "volume_type")

# Fields of a create, and the sources of a new volume the gateway cannot make one from.
VOLUME_FIELDS = frozenset({"size", "name", "display_name", "description", "display_description", "availability_zone",
                           "volume_type", "metadata", "snapshot_id", "imageRef", "source_volid", "backup_id",
                           "consistencygroup_id", "group_id", "multiattach", "scheduler_hints"})  # fmt: skip
UNSUPPORTED_SOURCES: dict[str, str] = {
    "imageRef": "an image", "source_volid": "another volume", "backup_id": "a backup",
    "consistencygroup_id": "a consistency group", "group_id": "a group",
}  # fmt: skip
SNAPSHOT_FIELDS = frozenset({"volume_id", "name", "display_name", "description", "display_description", "force",
                             "metadata"})  # fmt: skip
# Fields of an update (PUT) -> the gateway edit field.
UPDATE_FIELDS: dict[str, str] = {
    "name": "name", "display_name": "name", "description": "description", "display_description": "description",
    "metadata": "tags",
}  # fmt: skip


# -- input ----------------------------------------------------------------------------------------


async def _section(os: OsRequest, key: str, fields: frozenset[str]) -> dict[str, Any]:
    """The object under `key` of the body, with none but `fields`."""
    value = (await os.body()).get(key)
    if not isinstance(value, dict):
        raise OsError(400, f"Missing required element '{key}' in request body.")
    unknown = sorted(set(value) - fields)
    if unknown:
        raise OsError(400, f"Invalid input for field/attribute {key}. Additional properties are not allowed "
                           f"({', '.join(repr(name[:40]) for name in unknown[:5])} unexpected).")  # fmt: skip
    return value


def _size(value: Any, field: str) -> int:
    """A size in GB as cinder reads one: an integer, or a string of digits, of at least 1."""
    size = integer(value)
    if size is None:
        raise OsError(400, f"Invalid input for field/attribute {field}. Value: {str(value)[:40]}. "
                           "It is not an integer.")  # fmt: skip
    if size < 1:
        raise OsError(400, f"Invalid input for field/attribute {field}. Value: {size}. {size} is less than the "
                           "minimum of 1.")  # fmt: skip
    return size


def _text(section: Mapping[str, Any], *names: str) -> str | None:
    value = next((section[name] for name in names if section.get(name) is not None), None)
    if value is not None and (not isinstance(value, str) or len(value) > 255):
        raise OsError(400, f"Invalid input for field/attribute {names[0]}: a string of at most 255 characters.")
    return value


def _metadata(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise OsError(400, "Invalid input for field/attribute metadata: an object of strings.")
    return value


def _changes(section: Mapping[str, Any]) -> dict[str, Any]:
    """A PUT's fields as a gateway edit."""
    edit: dict[str, Any] = {}
    for field, target in UPDATE_FIELDS.items():
        if field in section:
            edit[target] = _metadata(section[field]) if target == "tags" else _text(section, field) or ""
    return edit


# -- volumes --------------------------------------------------------------------------------------


def volume(os: OsRequest, record: ResourceRecord, rel: Related, doing: str | None = None) -> dict[str, Any]:
    attrs = record.attrs
    zone = rel.of(record, Kind.DATACENTER, attrs.get("datacenter"))
    server = rel.of(record, Kind.INSTANCE, attrs.get("attached_to"))
    uuid = os.os_id(record)
    attachments = []
    if server is not None and record.state in ATTACHED_VOLUME_STATES:
        attachments.append({
            "id": uuid, "attachment_id": uuid, "volume_id": uuid, "server_id": os.os_id(server),
            "host_name": None, "device": attrs.get("device"), "attached_at": when(record.updated_at, fraction=False),
        })  # fmt: skip
    body = {
        "id": uuid, "name": record.name, "description": attrs.get("description"),
        "status": UNDER_WAY.get(doing or "") or VOLUME_STATUSES.get(record.state, "error"),
        "size": attrs.get("size_gb"), "availability_zone": zone.name if zone else attrs.get("datacenter"),
        "created_at": when(record.created_at), "updated_at": when(record.updated_at),
        "attachments": attachments, "volume_type": attrs.get("volume_type") or DEFAULT_TYPE,
        "snapshot_id": None, "source_volid": None, "metadata": dict(record.tags), "bootable": "false",
        "encrypted": False, "multiattach": False, "replication_status": None, "consistencygroup_id": None,
        "group_id": None, "migration_status": None, "user_id": os.scoped.client_id,
        "os-vol-tenant-attr:tenant_id": os.project_id, "volume_image_metadata": {},
        "links": links(os, "volumes", record),
    }  # fmt: skip
    if record.cloud == "openstack":
        body |= {key: record.cloud_attrs[key] for key in CINDER_FIELDS if key in record.cloud_attrs}
    return body


async def _shown(os: OsRequest, records: list[ResourceRecord]) -> list[dict[str, Any]]:
    rel = await os.call(os.core.resources.related, os.scoped, records)
    doing = await os.call(os.core.operations.under_way, os.scoped, records)
    return [volume(os, record, rel, doing.get(record.id)) for record in records]


async def _volume(os: OsRequest) -> ResourceRecord:
    return await os.one(Kind.VOLUME, os.request.path_params["volume_id"])


async def volumes(os: OsRequest) -> Response:
    records, more = await listing(os, Kind.VOLUME, VOLUME_STATUSES, _volume_filters(os))
    brief = [{"id": os.os_id(r), "name": r.name, "links": links(os, "volumes", r)} for r in records]
    return JSONResponse({"volumes": brief, **({"volumes_links": more} if more else {})})


async def volumes_detail(os: OsRequest) -> Response:
    records, more = await listing(os, Kind.VOLUME, VOLUME_STATUSES, _volume_filters(os))
    return JSONResponse({"volumes": await _shown(os, records), **({"volumes_links": more} if more else {})})


def _volume_filters(os: OsRequest) -> dict[str, Match | None]:
    return {"availability_zone": Match("datacenter", (str(os.param("availability_zone")),))}


async def show_volume(os: OsRequest) -> Response:
    (shown,) = await _shown(os, [await _volume(os)])
    return JSONResponse({"volume": shown})


async def _default_zone(os: OsRequest) -> str:
    """The zone of a volume created without one: cinder's default zone is the first of the cloud's here."""
    found = [zone for zone in await os.zones() if zone.state == "available"]
    if not found:
        raise OsError(400, "Invalid input received: the project's cloud has no availability zone.")
    return found[0].name


async def _zone_of(os: OsRequest, snapshot: ResourceRecord) -> str | None:
    """The zone of the volume a snapshot is of: cinder restores a snapshot there unless told otherwise."""
    rel = await os.call(os.core.resources.related, os.scoped, [snapshot])
    source = rel.of(snapshot, Kind.VOLUME, snapshot.attrs.get("volume"))
    return (await _shown(os, [source]))[0]["availability_zone"] if source else None


async def create_volume(os: OsRequest) -> Response:
    section = await _section(os, "volume", VOLUME_FIELDS)
    given = sorted(field for field in UNSUPPORTED_SOURCES if section.get(field) is not None)
    if given:
        raise OsError(400, f"Invalid input received: the gateway creates volumes empty or from a snapshot, not from "
                           f"{UNSUPPORTED_SOURCES[given[0]]} ({given[0]}).")  # fmt: skip
    if section.get("multiattach") not in (None, False):
        raise OsError(400, "Invalid input received: multiattach volumes are not supported here.")
    spec: dict[str, Any] = {"name": _text(section, "name", "display_name") or ""}
    zone = _text(section, "availability_zone")
    if section.get("snapshot_id") is not None:
        snapshot = await os.one(Kind.SNAPSHOT, str(section["snapshot_id"]))
        spec["snapshot"] = snapshot.id
        spec["size_gb"] = snapshot.attrs.get("size_gb")
        zone = zone or await _zone_of(os, snapshot)
    if section.get("size") is not None or "size_gb" not in spec:
        spec["size_gb"] = _size(section.get("size"), "size")
    spec["datacenter"] = zone or await _default_zone(os)
    description = _text(section, "description", "display_description")
    if description:
        spec["description"] = description
    volume_type = _text(section, "volume_type")
    if volume_type not in (None, DEFAULT_TYPE):
        spec["volume_type"] = volume_type
    tags = _metadata(section.get("metadata"))
    if tags:
        spec["tags"] = tags
    (shown,) = await _shown(os, [await os.create(Kind.VOLUME, spec)])
    # The cloud has not been seen to hold the new volume yet: what it was asked for is what cinder shows.
    return JSONResponse({"volume": {**shown, "size": spec["size_gb"], "availability_zone": spec["datacenter"]}},
                        status_code=202)  # fmt: skip


async def _updated(os: OsRequest, kind: Kind, record: ResourceRecord, edit: dict[str, Any]) -> ResourceRecord:
    """The record once the edit is made (cinder answers a PUT with the changed resource)."""
    if edit:
        await os.done(await os.call(os.core.operations.edit, os.scoped, record.id, edit, kind))
    return await os.one(kind, os.os_id(record))


async def update_volume(os: OsRequest) -> Response:
    section = await _section(os, "volume", frozenset(UPDATE_FIELDS))
    record = await _volume(os)
    (shown,) = await _shown(os, [await _updated(os, Kind.VOLUME, record, _changes(section))])
    return JSONResponse({"volume": shown})


async def delete_volume(os: OsRequest) -> Response:
    record = await _volume(os)
    if record.state in ATTACHED_VOLUME_STATES:
        raise OsError(400, "Invalid volume: Volume status must be available or error and must not be attached "
                           f"(it is {VOLUME_STATUSES[record.state]}).")  # fmt: skip
    await os.call(os.core.operations.destroy, os.scoped, record.id, Kind.VOLUME)
    return Response(status_code=202)


# -- volume actions -------------------------------------------------------------------------------


async def _extend(os: OsRequest, record: ResourceRecord, params: dict[str, Any]) -> None:
    size = _size(params.get("new_size"), "new_size")
    current = record.attrs.get("size_gb")
    if isinstance(current, int) and size <= current:
        raise OsError(400, f"Invalid input received: New size for extend must be greater than current size. "
                           f"(current: {current}, extended: {size}).")  # fmt: skip
    await os.call(os.core.operations.edit, os.scoped, record.id, {"size_gb": size}, Kind.VOLUME)


async def _attach(os: OsRequest, record: ResourceRecord, params: dict[str, Any]) -> None:
    server = await os.one(Kind.INSTANCE, str(params.get("instance_uuid") or ""))
    wanted = {"instance": server.id}
    if isinstance(params.get("mountpoint"), str):
        wanted["device"] = params["mountpoint"]
    await os.call(os.core.operations.act, os.scoped, record.id, "attach", wanted, Kind.VOLUME)


async def _detach(os: OsRequest, record: ResourceRecord, _params: dict[str, Any]) -> None:
    if record.state not in ATTACHED_VOLUME_STATES:
        raise OsError(400, "Invalid volume: Unable to detach volume. Volume status must be 'in-use'.")
    await os.call(os.core.operations.act, os.scoped, record.id, "detach", {}, Kind.VOLUME)


async def _refused(os: OsRequest, record: ResourceRecord, _params: dict[str, Any]) -> None:
    raise OsError(403, "Policy doesn't allow this action to be performed: a volume's status here is what its cloud "
                       "reports, and no one sets it.")  # fmt: skip


ACTIONS = {"os-extend": _extend, "os-attach": _attach, "os-detach": _detach, "os-force_detach": _detach,
           "os-reset_status": _refused, "os-force_delete": _refused}  # fmt: skip


async def volume_action(os: OsRequest) -> Response:
    body = await os.body()
    if len(body) != 1:
        raise OsError(400, "Invalid request body: one action is expected.")
    ((name, params),) = body.items()
    if name not in ACTIONS:
        raise OsError(400, f"There is no such action: {name[:60]}")
    if not isinstance(params, dict):
        params = {}
    await ACTIONS[name](os, await _volume(os), params)
    return Response(status_code=202)


# -- snapshots ------------------------------------------------------------------------------------


def snapshot(os: OsRequest, record: ResourceRecord, rel: Related) -> dict[str, Any]:
    source = rel.of(record, Kind.VOLUME, record.attrs.get("volume"))
    status = SNAPSHOT_STATUSES.get(record.state, "error")
    progress = "100%" if status == "available" else "0%"
    return {
        "id": os.os_id(record), "name": record.name, "description": record.attrs.get("description"),
        "status": status, "size": record.attrs.get("size_gb"), "volume_id": os.os_id(source) if source else None,
        "created_at": when(record.created_at), "updated_at": when(record.updated_at), "metadata": dict(record.tags),
        "os-extended-snapshot-attributes:project_id": os.project_id,
        "os-extended-snapshot-attributes:progress": progress, "group_snapshot_id": None, "user_id": os.scoped.client_id,
        "links": links(os, "snapshots", record),
    }  # fmt: skip


async def _snapshots_shown(os: OsRequest, records: list[ResourceRecord]) -> list[dict[str, Any]]:
    rel = await os.call(os.core.resources.related, os.scoped, records)
    return [snapshot(os, record, rel) for record in records]


async def _snapshot(os: OsRequest) -> ResourceRecord:
    return await os.one(Kind.SNAPSHOT, os.request.path_params["snapshot_id"])


async def snapshots(os: OsRequest) -> Response:
    source = os.param("volume_id")
    filters: dict[str, Match | None] = {"volume_id": None}
    if source is not None:
        try:
            record = await os.one(Kind.VOLUME, source)
            filters["volume_id"] = Match("attrs.volume", (record.cloud_id or "",))
        except OsError as exc:
            if exc.status != 404:
                raise
    records, more = await listing(os, Kind.SNAPSHOT, SNAPSHOT_STATUSES, filters)
    return JSONResponse({"snapshots": await _snapshots_shown(os, records),
                         **({"snapshots_links": more} if more else {})})  # fmt: skip


async def show_snapshot(os: OsRequest) -> Response:
    (shown,) = await _snapshots_shown(os, [await _snapshot(os)])
    return JSONResponse({"snapshot": shown})


async def create_snapshot(os: OsRequest) -> Response:
    section = await _section(os, "snapshot", SNAPSHOT_FIELDS)
    if section.get("force") not in (None, True, False, "true", "false", "True", "False"):
        raise OsError(400, "Invalid input for field/attribute force: a boolean.")
    # A snapshot of an attached volume is taken without `force` too, as cinder does from 3.66.
    source = await os.one(Kind.VOLUME, str(section.get("volume_id") or ""))
    spec: dict[str, Any] = {"name": _text(section, "name", "display_name") or "", "volume": source.id}
    description = _text(section, "description", "display_description")
    if description:
        spec["description"] = description
    tags = _metadata(section.get("metadata"))
    if tags:
        spec["tags"] = tags
    (shown,) = await _snapshots_shown(os, [await os.create(Kind.SNAPSHOT, spec)])
    # The cloud has not been seen to hold the new snapshot yet: it is of the volume it was asked of.
    return JSONResponse({"snapshot": {**shown, "size": source.attrs.get("size_gb"), "volume_id": os.os_id(source)}},
                        status_code=202)  # fmt: skip


async def update_snapshot(os: OsRequest) -> Response:
    section = await _section(os, "snapshot", frozenset(UPDATE_FIELDS))
    record = await _snapshot(os)
    (shown,) = await _snapshots_shown(os, [await _updated(os, Kind.SNAPSHOT, record, _changes(section))])
    return JSONResponse({"snapshot": shown})


async def delete_snapshot(os: OsRequest) -> Response:
    record = await _snapshot(os)
    await os.call(os.core.operations.destroy, os.scoped, record.id, Kind.SNAPSHOT)
    return Response(status_code=202)
