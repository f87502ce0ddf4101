"""cinder: volumes (attached through nova) and their snapshots. Blocking calls, run in the driver's pool."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openstack.connection import Connection

from cloudgate.drivers.openstack.tagging import replace_metadata
from cloudgate.drivers.openstack.translate import native, resource
from cloudgate.errors import Conflict
from cloudgate.model import CloudResource, Kind

WAIT_INTERVAL_SECONDS = 0.5
WAIT_SECONDS = 120


def list_volumes(conn: Connection) -> list[CloudResource]:
    return [_volume(native(volume)) for volume in conn.block_storage.volumes(details=True)]


def get_volume(conn: Connection, volume_id: str) -> CloudResource:
    return _volume(native(conn.block_storage.get_volume(volume_id)))


def _volume(raw: dict[str, Any]) -> CloudResource:
    attachment = (raw.get("attachments") or [None])[0] or {}
    attrs = {
        "size_gb": raw.get("size"),
        "datacenter": raw.get("availability_zone"),
        "attached_to": attachment.get("server_id"),
        "device": attachment.get("device"),
    }
    return resource(Kind.VOLUME, raw, attrs, status=raw.get("status"), tags=raw.get("metadata"))


def create_volume(conn: Connection, spec: Mapping[str, Any]) -> CloudResource:
    return _volume(native(conn.block_storage.create_volume(**spec)))


def destroy_volume(conn: Connection, volume_id: str) -> None:
    conn.block_storage.delete_volume(volume_id, ignore_missing=False)


def edit_volume(conn: Connection, volume_id: str, changes: Mapping[str, Any]) -> None:
    if "name" in changes:
        conn.block_storage.update_volume(volume_id, name=changes["name"])
    if "size" in changes:
        settled = conn.block_storage.get_volume(volume_id).status
        conn.block_storage.extend_volume(volume_id, changes["size"])
        # cinder grows a volume in the background ("extending"): the edit is done when it is back.
        extending = conn.block_storage.get_volume(volume_id)
        conn.block_storage.wait_for_status(extending, status=settled, failures=["error_extending"],
                                           interval=WAIT_INTERVAL_SECONDS, wait=WAIT_SECONDS)  # fmt: skip
    if "metadata" in changes:
        replace_metadata(conn.block_storage, "volume", volume_id, changes["metadata"])


def attach_volume(conn: Connection, volume_id: str, params: Mapping[str, Any]) -> None:
    extra = {"device": params["device"]} if params.get("device") else {}
    conn.compute.create_volume_attachment(params["server_id"], volume_id, **extra)


def detach_volume(conn: Connection, volume_id: str, params: Mapping[str, Any]) -> None:
    attachments = conn.block_storage.get_volume(volume_id).attachments or []
    if not attachments:
        raise Conflict(f"volume {volume_id} is not attached")
    for attachment in attachments:
        conn.compute.delete_volume_attachment(attachment["server_id"], volume_id, ignore_missing=False)


# -- snapshots -----------------------------------------------------------------------------------


def list_snapshots(conn: Connection) -> list[CloudResource]:
    return [_snapshot(native(snapshot)) for snapshot in conn.block_storage.snapshots(details=True)]


def get_snapshot(conn: Connection, snapshot_id: str) -> CloudResource:
    return _snapshot(native(conn.block_storage.get_snapshot(snapshot_id)))


def _snapshot(raw: dict[str, Any]) -> CloudResource:
    attrs = {"volume": raw.get("volume_id"), "size_gb": raw.get("size")}
    return resource(Kind.SNAPSHOT, raw, attrs, status=raw.get("status"), tags=raw.get("metadata"))


def create_snapshot(conn: Connection, spec: Mapping[str, Any]) -> CloudResource:
    # force: a volume in use may be snapshotted too (crash-consistent), as on other clouds.
    return _snapshot(native(conn.block_storage.create_snapshot(force=True, **spec)))


def destroy_snapshot(conn: Connection, snapshot_id: str) -> None:
    conn.block_storage.delete_snapshot(snapshot_id, ignore_missing=False)


def edit_snapshot(conn: Connection, snapshot_id: str, changes: Mapping[str, Any]) -> None:
    if "name" in changes:
        conn.block_storage.update_snapshot(snapshot_id, name=changes["name"])
    if "metadata" in changes:
        replace_metadata(conn.block_storage, "snapshot", snapshot_id, changes["metadata"])
