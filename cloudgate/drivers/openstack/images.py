"""glance: images, public ones published to every account; new ones are snapshots of nova servers (or
uploads of another cloud's image: image_data.py). Blocking calls, run in the driver's pool."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openstack.connection import Connection

from cloudgate.drivers.openstack.tagging import replace_labels
from cloudgate.drivers.openstack.translate import native, resource
from cloudgate.model import CloudResource, Kind

# Image properties that name the operating system, most precise first.
OS_PROPERTIES = ("os_distro", "os_type")


def list_images(conn: Connection) -> list[CloudResource]:
    return [image_resource(native(image)) for image in conn.image.images()]


def get_image(conn: Connection, image_id: str) -> CloudResource:
    return image_resource(native(conn.image.get_image(image_id)))


def image_resource(raw: dict[str, Any]) -> CloudResource:
    attrs = {
        "os": next((raw[key] for key in OS_PROPERTIES if raw.get(key)), None),
        "min_disk_gb": raw.get("min_disk"),
        "visibility": raw.get("visibility"),
    }
    return resource(Kind.IMAGE, raw, attrs, status=raw.get("status"), tags=raw.get("tags"),
                    public=raw.get("visibility") == "public")  # fmt: skip


def create_image(conn: Connection, spec: Mapping[str, Any]) -> CloudResource:
    """A snapshot of a server, as a private image of the account."""
    image = conn.compute.create_server_image(spec["server_id"], spec["name"])
    for tag in spec.get("tags", ()):
        conn.image.add_tag(image.id, tag)
    return image_resource(native(conn.image.get_image(image.id)))


def destroy_image(conn: Connection, image_id: str) -> None:
    conn.image.delete_image(image_id, ignore_missing=False)


def edit_image(conn: Connection, image_id: str, changes: Mapping[str, Any]) -> None:
    if "name" in changes:
        conn.image.update_image(image_id, name=changes["name"])
    if "tags" in changes:
        current = conn.image.get_image(image_id).tags or []
        replace_labels(current, changes["tags"], lambda tag: conn.image.add_tag(image_id, tag),
                       lambda tag: conn.image.remove_tag(image_id, tag))  # fmt: skip
