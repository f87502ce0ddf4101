"""Glance v2 over the gateway's images: the project's own and its endpoint's public ones, listed with glance's
filters, sorting and marker paging, renamed and retagged with JSON-patch, deleted. Images are made from servers
(nova's createImage): the gateway takes no uploads and serves no image data, and says so as glance refuses."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.responses import JSONResponse, Response

from cloudgate.foreign_ids import from_uuid
from cloudgate.frontends.openstack.context import OsRequest, when
from cloudgate.frontends.openstack.errors import Family, OsError
from cloudgate.frontends.openstack.service import Endpoint, Service, delete, get, patch, post, put
from cloudgate.model import Kind, ResourceRecord
from cloudgate.query import Match, ResourceQuery, SortKey, TagMatch

UPDATED = "2023-09-01T00:00:00Z"
VERSIONS = ("2.16", "2.15", "2.14", "2.13", "2.12", "2.11", "2.10", "2.9", "2.8", "2.7", "2.6", "2.5", "2.4",
            "2.3", "2.2", "2.1", "2.0")  # fmt: skip
PATCH_TYPES = ("application/openstack-images-v2.1-json-patch", "application/openstack-images-v2.0-json-patch")

# Normalized image state -> glance status (an image made from a server is saving until it is active).
STATUSES: dict[str, str] = {
    "pending": "saving", "available": "active", "deleting": "pending_delete", "deleted": "deleted",
    "error": "killed",
}  # fmt: skip
# glance status -> the normalized states it stands for; glance's other statuses match no image here.
STATES_OF: dict[str, tuple[str, ...]] = {status: (state,) for state, status in STATUSES.items()} | {
    "queued": (), "uploading": (), "importing": (), "deactivated": (),
}  # fmt: skip
# glance sort key -> the record field the core sorts by.
SORT_KEYS: dict[str, str] = {
    "name": "name", "status": "state", "created_at": "created_at", "updated_at": "updated_at", "id": "id",
}  # fmt: skip
SORT_DIRECTIONS: dict[str, bool] = {"asc": False, "desc": True}  # -> descending
VISIBILITIES = ("public", "private", "shared", "community", "all")
# glance's fields that an OpenStack cloud reports and no other says: shown from the cloud's own image then.
GLANCE_FIELDS = ("disk_format", "container_format", "size", "virtual_size", "checksum", "os_hash_algo",
                 "os_hash_value", "min_ram")  # fmt: skip
# The image properties the gateway knows -> the generic attribute each is (shown, and filtered on, as glance does).
PROPERTIES: dict[str, str] = {"os_type": "os"}
# Query parameters glance reads itself; any other filters on an image property, and one unknown here matches none.
PARAMETERS = frozenset({"limit", "marker", "sort", "sort_key", "sort_dir", "id", "name", "status", "visibility",
                        "owner", "tag", "os_hidden", "member_status", "protected"})  # fmt: skip
# glance's filters on what the gateway does not know of an image (its size) or cannot compare (times): refused.
UNFILTERED = frozenset({"size_min", "size_max", "created_at", "updated_at"})
# The paths of a JSON-patch the gateway changes (an image's other attributes are the cloud's).
PATCHABLE = frozenset({"/name", "/tags"})
UNSUPPORTED = "the gateway stores no image data: images are made from servers (`openstack server image create`)"


# -- versions -------------------------------------------------------------------------------------


def _versions(os: OsRequest) -> list[dict[str, Any]]:
    href = f"{os.root}/image/v2/"
    return [{"id": f"v{number}", "status": "CURRENT" if number == VERSIONS[0] else "SUPPORTED",
             "links": [{"rel": "self", "href": href}]} for number in VERSIONS]  # fmt: skip


async def versions(os: OsRequest) -> Response:
    return JSONResponse({"versions": _versions(os)}, status_code=300)


async def version_list(os: OsRequest) -> Response:
    return JSONResponse({"versions": _versions(os)})


# -- the image document ---------------------------------------------------------------------------


def tags_of(record: ResourceRecord) -> list[str]:
    """The gateway's tags as glance's string tags: a key alone where its value is empty, else key=value."""
    return sorted(key if not value else f"{key}={value}" for key, value in record.tags.items())


def _tag_match(tag: str) -> TagMatch:
    key, _sep, value = tag.partition("=")
    return TagMatch(key, (value,))


def _visibility(record: ResourceRecord) -> str:
    return "public" if record.public else "private"


def image(os: OsRequest, record: ResourceRecord) -> dict[str, Any]:
    uuid = os.os_id(record)
    body: dict[str, Any] = {
        "id": uuid, "name": record.name, "status": STATUSES.get(record.state, "killed"),
        "visibility": _visibility(record), "protected": False, "os_hidden": False,
        "owner": record.account_id, "min_disk": record.attrs.get("min_disk_gb") or 0,
        "min_ram": 0, "size": None, "virtual_size": None, "checksum": None, "os_hash_algo": None,
        "os_hash_value": None, "disk_format": None, "container_format": None, "tags": tags_of(record),
        "created_at": when(record.created_at, fraction=False), "updated_at": when(record.updated_at, fraction=False),
        "self": f"/v2/images/{uuid}", "file": f"/v2/images/{uuid}/file", "schema": "/v2/schemas/image",
    }  # fmt: skip
    if record.cloud == "openstack":
        body |= {key: record.cloud_attrs[key] for key in GLANCE_FIELDS if key in record.cloud_attrs}
    body |= {name: record.attrs[attr] for name, attr in PROPERTIES.items() if record.attrs.get(attr)}
    return body


# -- reading --------------------------------------------------------------------------------------


def _sort(os: OsRequest) -> tuple[SortKey, ...]:
    """glance's `sort=name:asc,status` or `sort_key`/`sort_dir` (repeated); newest first by default."""
    pairs: list[tuple[str, str]] = []
    if os.param("sort") is not None:
        for part in str(os.param("sort")).split(","):
            key, _sep, direction = part.strip().partition(":")
            pairs.append((key, direction or "desc"))
    else:
        keys = os.request.query_params.getlist("sort_key") or ["created_at"]
        directions = os.request.query_params.getlist("sort_dir") or ["desc"]
        pairs = [(key, directions[min(i, len(directions) - 1)]) for i, key in enumerate(keys)]
    order = []
    for key, direction in pairs:
        if key not in SORT_KEYS:
            raise OsError(400, f"Invalid sort key: {key[:60]}. It must be one of: {', '.join(SORT_KEYS)}.")
        if direction not in SORT_DIRECTIONS:
            raise OsError(400, f"Invalid sort direction: {direction[:60]}")
        order.append(SortKey(SORT_KEYS[key], SORT_DIRECTIONS[direction]))
    return tuple(order)


def _filters(os: OsRequest) -> tuple[list[Match], list[TagMatch]] | None:
    """The query glance's filters make; None when they match no image here."""
    params = os.request.query_params
    refused = sorted(UNFILTERED & set(params))
    if refused:
        raise OsError(400, f"Images are not filtered by {refused[0]} here.")
    if set(params) - PARAMETERS - PROPERTIES.keys():
        return None
    matches = [Match(f"attrs.{attr}", (params[name],)) for name, attr in PROPERTIES.items() if name in params]
    if params.get("id") is not None:
        wanted = params["id"].removeprefix("in:").split(",")
        matches.append(Match("id", tuple(found for found in map(from_uuid, wanted) if found is not None)))
        if not matches[-1].values:
            return None
    if params.get("name") is not None:
        matches.append(Match("name", (params["name"],)))
    status = params.get("status")
    if status is not None:
        if status not in STATES_OF:
            raise OsError(400, f"Invalid status value: {status[:60]}")
        if not STATES_OF[status]:
            return None
        matches.append(Match("state", STATES_OF[status]))
    visibility = params.get("visibility")
    if visibility is not None and visibility not in VISIBILITIES:
        raise OsError(400, f"Invalid visibility value: {visibility[:60]}")
    if visibility in ("shared", "community"):
        return None
    if visibility in ("public", "private"):
        matches.append(Match("public", (visibility == "public",)))
    owner = params.get("owner")
    if owner is not None:
        if owner != os.account_of(Kind.IMAGE):
            return None  # public images have no owner project here; others' are not shown
        matches.append(Match("public", (False,)))
    if params.get("os_hidden", "false").lower() == "true" or params.get("protected", "false").lower() == "true":
        return None  # no image here is hidden or protected
    return matches, [_tag_match(tag) for tag in params.getlist("tag")]


def _next(os: OsRequest, marker: str) -> str:
    kept = [(key, value) for key, value in os.request.query_params.multi_items() if key != "marker"]
    return "/v2/images?" + urlencode([*kept, ("marker", marker)])


async def images(os: OsRequest) -> Response:
    order, found = _sort(os), _filters(os)
    body: dict[str, Any] = {"images": [], "first": "/v2/images", "schema": "/v2/schemas/images"}
    if found is None:
        return JSONResponse(body)
    matches, tags = found
    records, marker = await os.page(ResourceQuery(Kind.IMAGE, tuple(matches), tuple(tags), order))
    body["images"] = [image(os, r) for r in records]
    if marker is not None:
        body["next"] = _next(os, marker)
    return JSONResponse(body)


async def _image(os: OsRequest) -> ResourceRecord:
    image_id = os.request.path_params["image_id"]
    try:
        return await os.one(Kind.IMAGE, image_id)
    except OsError as exc:
        if exc.status == 404:
            raise OsError(404, f"No image found with ID {image_id[:100]}") from None
        raise


async def show(os: OsRequest) -> Response:
    return JSONResponse(image(os, await _image(os)))


# -- changing -------------------------------------------------------------------------------------


async def _own(os: OsRequest, action: str) -> ResourceRecord:
    record = await _image(os)
    if record.account_id is None:
        raise OsError(403, f"You are not authorized to complete {action} action: the image is the cloud's own.")
    return record


async def create(os: OsRequest) -> Response:
    await os.body()  # junk is refused as junk first
    raise OsError(403, f"You are not authorized to complete add_image action: {UNSUPPORTED}.")


async def _patch_body(os: OsRequest) -> list[Any]:
    media_type = os.request.headers.get("content-type", "").split(";")[0].strip()
    if media_type not in PATCH_TYPES:
        raise OsError(415, f"Unsupported Content-Type: use {PATCH_TYPES[0]}.")
    changes = await os.json()
    if not isinstance(changes, list) or not all(isinstance(change, dict) for change in changes):
        raise OsError(400, "Request body must be a JSON array of operation objects.")
    return changes


def _edit(record: ResourceRecord, changes: list[Any]) -> dict[str, Any]:
    """The gateway edit a JSON-patch makes: the name replaced, the tags replaced or one added."""
    edit: dict[str, Any] = {}
    tags: list[str] | None = None
    for change in changes:
        op, path, value = change.get("op"), change.get("path"), change.get("value")
        if op not in ("add", "replace", "remove"):
            raise OsError(400, f"Unable to find '{str(op)[:40]}' in JSON Schema change: use add, replace or remove.")
        if not isinstance(path, str) or not path.startswith("/"):
            raise OsError(400, "Unable to find `path` in JSON Schema change.")
        if path == "/name" and op != "remove" and isinstance(value, str) and len(value) <= 255:
            edit["name"] = value
        elif path == "/tags" and op != "remove" and isinstance(value, list) and all(isinstance(t, str) for t in value):
            tags = list(value)
        elif path.startswith("/tags/") and op == "add" and isinstance(value, str):
            tags = [*(tags_of(record) if tags is None else tags), value]
        elif path in PATCHABLE:
            raise OsError(400, f"Invalid value for {path[1:]} in a {op} change.")
        else:
            raise OsError(403, f"Attribute '{path[1:60]}' cannot be changed here: the gateway changes an "
                               "image's name and tags only.")  # fmt: skip
    if tags is not None:
        edit["tags"] = _tags(tags)
    return edit


def _tags(tags: list[str]) -> dict[str, str]:
    return {match.key: match.values[0] for match in map(_tag_match, tags)}


async def _change(os: OsRequest, record: ResourceRecord, edit: dict[str, Any]) -> ResourceRecord:
    if edit:
        await os.done(await os.call(os.core.operations.edit, os.scoped, record.id, edit, Kind.IMAGE))
    return await os.one(Kind.IMAGE, os.os_id(record))


async def update(os: OsRequest) -> Response:
    changes = await _patch_body(os)
    record = await _own(os, "modify_image")
    return JSONResponse(image(os, await _change(os, record, _edit(record, changes))))


async def add_tag(os: OsRequest) -> Response:
    record = await _own(os, "modify_image")
    tag = os.request.path_params["tag"]
    if len(tag) > 255:
        raise OsError(400, "Image tag is longer than 255 characters.")
    await _change(os, record, {"tags": _tags([*tags_of(record), tag])})
    return Response(status_code=204)


async def remove_tag(os: OsRequest) -> Response:
    record = await _own(os, "modify_image")
    tag = os.request.path_params["tag"]
    if tag not in tags_of(record):
        raise OsError(404, f"Tag {tag[:100]} not found.")
    await _change(os, record, {"tags": _tags([t for t in tags_of(record) if t != tag])})
    return Response(status_code=204)


async def destroy(os: OsRequest) -> Response:
    record = await _own(os, "delete_image")
    await os.call(os.core.operations.destroy, os.scoped, record.id, Kind.IMAGE)
    return Response(status_code=204)


async def download(os: OsRequest) -> Response:
    await _image(os)
    raise OsError(403, f"You are not authorized to complete download_image action: {UNSUPPORTED}.")


async def upload(os: OsRequest) -> Response:
    await _image(os)
    raise OsError(403, f"You are not authorized to complete upload_image action: {UNSUPPORTED}.")


ENDPOINTS: tuple[Endpoint, ...] = (
    get("/", versions, public=True),
    get("/versions", version_list, public=True),
    get("/v2/images", images),
    post("/v2/images", create),
    get("/v2/images/{image_id}", show),
    patch("/v2/images/{image_id}", update),
    delete("/v2/images/{image_id}", destroy),
    put("/v2/images/{image_id}/tags/{tag}", add_tag),
    delete("/v2/images/{image_id}/tags/{tag}", remove_tag),
    get("/v2/images/{image_id}/file", download),
    put("/v2/images/{image_id}/file", upload),
)
SERVICE = Service("/image", Family.IMAGE, ENDPOINTS)
