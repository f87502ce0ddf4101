"""Cinder v3 at /volume: the version documents, the routes of a project's API (volumes and snapshots in
`volume.py`), its volume types, availability zones and absolute limits."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from starlette.responses import JSONResponse, Response

from cloudgate.frontends.openstack import volume
from cloudgate.frontends.openstack.cinder import MICROVERSIONS, versioned
from cloudgate.frontends.openstack.context import Handler, OsRequest
from cloudgate.frontends.openstack.errors import Family, OsError
from cloudgate.frontends.openstack.service import Endpoint, Service, delete, get, post, put
from cloudgate.model import Kind
from cloudgate.query import ResourceQuery

UPDATED = "2023-08-31T00:00:00Z"
TYPE_IDS = uuid.UUID("6f1b3c1e-2d7a-4c55-9a5e-0c9e6a1d2b7f")  # the namespace of the volume types' stable ids


# -- versions -------------------------------------------------------------------------------------


def _version(os: OsRequest) -> dict[str, Any]:
    return {
        "id": "v3.0", "status": "CURRENT", "version": MICROVERSIONS.text(MICROVERSIONS.maximum),
        "min_version": MICROVERSIONS.text(MICROVERSIONS.minimum),
        "updated": UPDATED,
        "links": [{"rel": "describedby", "type": "text/html", "href": "https://docs.openstack.org/"},
                  {"rel": "self", "href": f"{os.root}/volume/v3/"}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.volume+json;version=3"}],
    }  # fmt: skip


async def versions(os: OsRequest) -> Response:
    return JSONResponse({"versions": [_version(os)]}, status_code=300)


async def version(os: OsRequest) -> Response:
    return JSONResponse({"versions": [_version(os)]})


# -- volume types ---------------------------------------------------------------------------------


def _type(name: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid5(TYPE_IDS, name)), "name": name, "is_public": True, "extra_specs": {},
        "description": "Default Volume Type" if name == volume.DEFAULT_TYPE else f"The cloud's {name} volumes",
        "os-volume-type-access:is_public": True, "qos_specs_id": None,
    }  # fmt: skip


async def _types(os: OsRequest) -> list[dict[str, Any]]:
    """cinder's default type, and the types the project's cloud reports its volumes to be of."""
    found = await os.listing(ResourceQuery(Kind.VOLUME))
    named = {str(r.attrs["volume_type"]) for r in found if r.attrs.get("volume_type")} - {volume.DEFAULT_TYPE}
    return [_type(name) for name in (volume.DEFAULT_TYPE, *sorted(named))]


async def types(os: OsRequest) -> Response:
    return JSONResponse({"volume_types": await _types(os)})


async def show_type(os: OsRequest) -> Response:
    wanted = os.request.path_params["type_id"]
    for shown in await _types(os):
        if wanted in (shown["id"], shown["name"]):
            return JSONResponse({"volume_type": shown})
    raise OsError(404, f"Volume type {wanted[:100]} could not be found.")


async def default_type(os: OsRequest) -> Response:
    return JSONResponse({"volume_type": _type(volume.DEFAULT_TYPE)})


# -- zones and limits -----------------------------------------------------------------------------


async def availability_zones(os: OsRequest) -> Response:
    shown = [{"zoneName": z.name, "zoneState": {"available": z.state == "available"}} for z in await os.zones()]
    return JSONResponse({"availabilityZoneInfo": shown})


async def limits(os: OsRequest) -> Response:
    """What the project uses; the maxima are the cloud's, which the gateway does not learn, so none are shown."""
    volumes = await os.listing(ResourceQuery(Kind.VOLUME))
    snapshots = await os.listing(ResourceQuery(Kind.SNAPSHOT))
    absolute = {
        "totalVolumesUsed": len(volumes), "totalSnapshotsUsed": len(snapshots),
        "totalGigabytesUsed": sum(int(r.attrs.get("size_gb") or 0) for r in [*volumes, *snapshots]),
    }  # fmt: skip
    return JSONResponse({"limits": {"rate": [], "absolute": absolute}})


# -- the service ----------------------------------------------------------------------------------

PROJECT = "/v3/{project_id}"
ROUTES: tuple[tuple[str, str, Handler], ...] = (
    ("GET", "/volumes", volume.volumes),
    ("GET", "/volumes/detail", volume.volumes_detail),
    ("POST", "/volumes", volume.create_volume),
    ("GET", "/volumes/{volume_id}", volume.show_volume),
    ("PUT", "/volumes/{volume_id}", volume.update_volume),
    ("DELETE", "/volumes/{volume_id}", volume.delete_volume),
    ("POST", "/volumes/{volume_id}/action", volume.volume_action),
    ("GET", "/snapshots", volume.snapshots),
    ("GET", "/snapshots/detail", volume.snapshots),
    ("POST", "/snapshots", volume.create_snapshot),
    ("GET", "/snapshots/{snapshot_id}", volume.show_snapshot),
    ("PUT", "/snapshots/{snapshot_id}", volume.update_snapshot),
    ("DELETE", "/snapshots/{snapshot_id}", volume.delete_snapshot),
    ("GET", "/types", types),
    ("GET", "/types/default", default_type),
    ("GET", "/types/{type_id}", show_type),
    ("GET", "/os-availability-zone", availability_zones),
    ("GET", "/limits", limits),
)
METHODS: dict[str, Callable[[str, Handler], Endpoint]] = {"GET": get, "POST": post, "PUT": put, "DELETE": delete}

ENDPOINTS: tuple[Endpoint, ...] = (
    get("/", versions, public=True),
    get("/v3", version, public=True),
    get("/v3/", version, public=True),
    *(METHODS[method](PROJECT + path, versioned(handler)) for method, path, handler in ROUTES),
)
SERVICE = Service("/volume", Family.COMPUTE, ENDPOINTS, MICROVERSIONS)
