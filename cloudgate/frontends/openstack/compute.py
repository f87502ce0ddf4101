"""nova v2.1 at /openstack/compute: the version documents and microversions, flavors, availability zones,
limits, volume attachments, and the routes of servers and key pairs (their own modules)."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from cloudgate.frontends.openstack import keypairs, servers
from cloudgate.frontends.openstack.context import OsRequest, integer
from cloudgate.frontends.openstack.errors import Family, OsError
from cloudgate.frontends.openstack.microversions import Microversions
from cloudgate.frontends.openstack.service import Service, delete, get, post, put
from cloudgate.model import ATTACHED_VOLUME_STATES, Kind, ResourceRecord
from cloudgate.query import Match, ResourceQuery

# 2.79 is the newest the gateway renders (flavors embedded in servers, tags, delete_on_termination): the
# openstack CLI and openstacksdk negotiate down to it.
MICROVERSIONS = Microversions("compute", (2, 1), (2, 79), "X-OpenStack-Nova-API-Version")
UPDATED = "2013-07-23T11:33:21Z"
MEDIA_TYPES = [{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}]


def _version(os: OsRequest) -> dict[str, Any]:
    return {"id": "v2.1", "status": "CURRENT", "version": MICROVERSIONS.text(MICROVERSIONS.maximum),
            "min_version": MICROVERSIONS.text(MICROVERSIONS.minimum), "updated": UPDATED, "media-types": MEDIA_TYPES,
            "links": [{"rel": "self", "href": f"{os.root}/compute/v2.1/"}]}  # fmt: skip


async def versions(os: OsRequest) -> Response:
    return JSONResponse({"versions": [_version(os)]})


async def version(os: OsRequest) -> Response:
    return JSONResponse({"version": _version(os)})


# -- flavors ----------------------------------------------------------------------------------------


def _flavor(os: OsRequest, record: ResourceRecord, *, detail: bool) -> dict[str, Any]:
    link = f"{os.root}/compute/v2.1/flavors/{os.os_id(record)}"
    doc: dict[str, Any] = {"id": os.os_id(record), "name": record.name, "description": None,
                           "links": [{"rel": "self", "href": link}, {"rel": "bookmark", "href": link}]}  # fmt: skip
    if detail:
        attrs = record.attrs
        doc.update({"ram": attrs.get("ram_mb"), "vcpus": attrs.get("vcpus"), "disk": attrs.get("disk_gb"),
                    "OS-FLV-EXT-DATA:ephemeral": 0, "OS-FLV-DISABLED:disabled": False, "swap": 0,
                    "rxtx_factor": 1.0, "os-flavor-access:is_public": True, "extra_specs": {}})  # fmt: skip
    return doc


async def _flavors(os: OsRequest) -> tuple[list[ResourceRecord], str | None]:
    records = await os.listing(ResourceQuery(kind=Kind.FLAVOR, matches=(Match("state", ("available",)),)))
    least: dict[str, str] = {"minRam": "ram_mb", "minDisk": "disk_gb"}
    for param, attr in least.items():
        value = os.param(param)
        if value is not None:
            least_value = integer(value)
            if least_value is None:
                raise OsError(400, f"Invalid {param} filter [{value[:40]}]")
            records = [r for r in records if (r.attrs.get(attr) or 0) >= least_value]
    return os.paged(records)


async def list_flavors(os: OsRequest) -> Response:
    records, marker = await _flavors(os)
    links = {"flavors_links": [{"rel": "next", "href": os.next_link(marker)}]} if marker else {}
    return JSONResponse({"flavors": [_flavor(os, r, detail=False) for r in records], **links})


async def list_flavor_details(os: OsRequest) -> Response:
    records, marker = await _flavors(os)
    links = {"flavors_links": [{"rel": "next", "href": os.next_link(marker)}]} if marker else {}
    return JSONResponse({"flavors": [_flavor(os, r, detail=True) for r in records], **links})


async def show_flavor(os: OsRequest) -> Response:
    record = await os.one(Kind.FLAVOR, os.request.path_params["flavor_id"])
    return JSONResponse({"flavor": _flavor(os, record, detail=True)})


async def flavor_extra_specs(os: OsRequest) -> Response:
    await os.one(Kind.FLAVOR, os.request.path_params["flavor_id"])
    return JSONResponse({"extra_specs": {}})


# -- zones and limits ---------------------------------------------------------------------------------


async def zones(os: OsRequest) -> Response:
    info = [{"zoneName": r.name, "zoneState": {"available": r.state == "available"}, "hosts": None}
            for r in await os.zones()]  # fmt: skip
    return JSONResponse({"availabilityZoneInfo": info})


async def limits(os: OsRequest) -> Response:
    """What the project uses (counted from the store); the clouds report no maximums the gateway could show."""
    instances = await os.listing(ResourceQuery(kind=Kind.INSTANCE, matches=(Match("state", servers.LISTED_STATES),)))
    rel = await os.call(os.core.resources.related, os.scoped, instances)
    flavors = [rel.of(r, Kind.FLAVOR, r.attrs.get("flavor")) for r in instances]
    keypairs_used = len(
        [r for r in await os.listing(ResourceQuery(kind=Kind.KEYPAIR)) if r.account_id == os.account_of(Kind.KEYPAIR)]
    )
    groups = [r for r in await os.listing(ResourceQuery(kind=Kind.SECURITY_GROUP))
              if r.account_id == os.account_of(Kind.SECURITY_GROUP)]  # fmt: skip
    absolute = {"totalInstancesUsed": len(instances),
                "totalCoresUsed": sum((f.attrs.get("vcpus") or 0) for f in flavors if f is not None),
                "totalRAMUsed": sum((f.attrs.get("ram_mb") or 0) for f in flavors if f is not None),
                "totalServerGroupsUsed": 0, "totalKeyPairsUsed": keypairs_used,
                "totalSecurityGroupsUsed": len(groups), "totalFloatingIpsUsed": 0}  # fmt: skip
    return JSONResponse({"limits": {"rate": [], "absolute": absolute}})


# -- volume attachments --------------------------------------------------------------------------------


def _attachment(os: OsRequest, server: ResourceRecord, volume: ResourceRecord) -> dict[str, Any]:
    return {"id": os.os_id(volume), "serverId": os.os_id(server), "volumeId": os.os_id(volume),
            "device": volume.attrs.get("device") or "", "tag": None, "delete_on_termination": False,
            "attachment_id": os.os_id(volume), "bdm_uuid": os.os_id(volume)}  # fmt: skip


async def _attached(os: OsRequest, server: ResourceRecord) -> list[ResourceRecord]:
    query = ResourceQuery(kind=Kind.VOLUME, matches=(Match("attrs.attached_to", (server.cloud_id or "",)),))
    return [v for v in await os.listing(query) if v.state in ATTACHED_VOLUME_STATES]


async def list_attachments(os: OsRequest) -> Response:
    record = await servers.server(os)
    return JSONResponse({"volumeAttachments": [_attachment(os, record, v) for v in await _attached(os, record)]})


async def _one_attachment(os: OsRequest) -> tuple[ResourceRecord, ResourceRecord]:
    record = await servers.server(os)
    volume_id = os.request.path_params["volume_id"]
    found = [v for v in await _attached(os, record) if os.os_id(v) == volume_id]
    if not found:
        raise OsError(404, f"Volume {volume_id[:100]} is not attached to server {os.os_id(record)}")
    return record, found[0]


async def show_attachment(os: OsRequest) -> Response:
    record, volume = await _one_attachment(os)
    return JSONResponse({"volumeAttachment": _attachment(os, record, volume)})


async def attach(os: OsRequest) -> Response:
    record = await servers.server(os)
    body = (await os.body()).get("volumeAttachment")
    if not isinstance(body, dict) or not isinstance(body.get("volumeId"), str):
        raise OsError(400, "Invalid input for field/attribute volumeAttachment: volumeId is required.")
    if set(body) - {"volumeId", "device", "tag", "delete_on_termination"}:
        raise OsError(400, "Invalid input for field/attribute volumeAttachment: unexpected fields.")
    volume = await os.one(Kind.VOLUME, body["volumeId"])
    if volume.state != "available":
        state = "in-use" if volume.state in ATTACHED_VOLUME_STATES else volume.state
        raise OsError(400, f"Invalid volume: volume {body['volumeId']} status must be available, but is {state}")
    params: dict[str, Any] = {"instance": record.id}
    if isinstance(body.get("device"), str) and body["device"]:
        params["device"] = body["device"]
    await os.call(os.core.operations.act, os.scoped, volume.id, "attach", params, Kind.VOLUME)
    doc = {**_attachment(os, record, volume), "device": params.get("device", "")}
    return JSONResponse({"volumeAttachment": doc})


async def detach(os: OsRequest) -> Response:
    _record, volume = await _one_attachment(os)
    await os.call(os.core.operations.act, os.scoped, volume.id, "detach", {}, Kind.VOLUME)
    return Response(status_code=202)


ENDPOINTS = (
    get("/", versions, public=True),
    get("/v2.1", version, public=True),
    get("/v2.1/", version, public=True),
    get("/v2.1/servers", servers.list_servers),
    post("/v2.1/servers", servers.create),
    get("/v2.1/servers/detail", servers.list_details),
    get("/v2.1/servers/{server_id}", servers.show),
    put("/v2.1/servers/{server_id}", servers.update),
    delete("/v2.1/servers/{server_id}", servers.delete),
    post("/v2.1/servers/{server_id}/action", servers.action),
    get("/v2.1/servers/{server_id}/metadata", servers.metadata),
    post("/v2.1/servers/{server_id}/metadata", servers.set_metadata),
    put("/v2.1/servers/{server_id}/metadata", servers.set_metadata),
    get("/v2.1/servers/{server_id}/metadata/{key}", servers.metadata_item),
    put("/v2.1/servers/{server_id}/metadata/{key}", servers.set_metadata_item),
    delete("/v2.1/servers/{server_id}/metadata/{key}", servers.delete_metadata_item),
    get("/v2.1/servers/{server_id}/tags", servers.tags),
    put("/v2.1/servers/{server_id}/tags", servers.set_tags),
    delete("/v2.1/servers/{server_id}/tags", servers.set_tags),
    get("/v2.1/servers/{server_id}/tags/{tag}", servers.tag),
    put("/v2.1/servers/{server_id}/tags/{tag}", servers.tag),
    delete("/v2.1/servers/{server_id}/tags/{tag}", servers.tag),
    get("/v2.1/servers/{server_id}/os-volume_attachments", list_attachments),
    post("/v2.1/servers/{server_id}/os-volume_attachments", attach),
    get("/v2.1/servers/{server_id}/os-volume_attachments/{volume_id}", show_attachment),
    delete("/v2.1/servers/{server_id}/os-volume_attachments/{volume_id}", detach),
    get("/v2.1/flavors", list_flavors),
    get("/v2.1/flavors/detail", list_flavor_details),
    get("/v2.1/flavors/{flavor_id}", show_flavor),
    get("/v2.1/flavors/{flavor_id}/os-extra_specs", flavor_extra_specs),
    get("/v2.1/os-keypairs", keypairs.list_keypairs),
    post("/v2.1/os-keypairs", keypairs.create),
    get("/v2.1/os-keypairs/{name}", keypairs.show),
    delete("/v2.1/os-keypairs/{name}", keypairs.delete),
    get("/v2.1/os-availability-zone", zones),
    get("/v2.1/os-availability-zone/detail", zones),
    get("/v2.1/limits", limits),
)
SERVICE = Service("/compute", Family.COMPUTE, ENDPOINTS, MICROVERSIONS)
