"""What every cinder v3 route shares: its microversions, the project the URL names (the token's own), and
listings as cinder filters, sorts and pages them, with the `<collection>_links` to the next page."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import Response

from cloudgate.frontends.openstack.context import Handler, OsRequest
from cloudgate.frontends.openstack.errors import OsError
from cloudgate.frontends.openstack.microversions import Microversions
from cloudgate.model import Kind, ResourceRecord
from cloudgate.query import Match, ResourceQuery, SortKey

# The 3.x microversions served: rendering is the same in all of them.
MICROVERSIONS = Microversions("volume", (3, 0), (3, 70), "OpenStack-Volume-microversion")

# cinder sort key -> the record field the core sorts by.
SORT_KEYS: dict[str, str] = {
    "name": "name", "display_name": "name", "status": "state", "created_at": "created_at",
    "updated_at": "updated_at", "id": "id",
}  # fmt: skip
SORT_DIRECTIONS: dict[str, bool] = {"asc": False, "desc": True}  # -> descending
# Query parameters every listing reads; `all_tenants` and `project_id` are the admin's (a token sees its own).
LISTING = frozenset({"limit", "marker", "sort", "sort_key", "sort_dir", "name", "status", "all_tenants",
                     "project_id"})  # fmt: skip


def versioned(handler: Handler) -> Handler:
    """A route of the project's API: the URL's project must be the token's."""

    async def run(os: OsRequest) -> Response:
        if os.request.path_params.get("project_id") != os.project_id:
            raise OsError(403, "The project in the URL is not the one the token is scoped to.")
        return await handler(os)

    return run


def _sort(os: OsRequest) -> tuple[SortKey, ...]:
    """cinder's `sort=name:asc,status` or `sort_key`/`sort_dir`; newest first by default."""
    pairs: list[tuple[str, str]] = []
    for part in (os.param("sort") or "").split(","):
        key, _sep, direction = part.strip().partition(":")
        if key:
            pairs.append((key, direction or "desc"))
    if not pairs:
        pairs = [(os.param("sort_key") or "created_at", os.param("sort_dir") or "desc")]
    order = []
    for key, direction in pairs:
        if key not in SORT_KEYS or direction not in SORT_DIRECTIONS:
            raise OsError(400, f"Invalid sort: {key[:40]}:{direction[:10]} (keys: {', '.join(SORT_KEYS)}; asc or desc)")
        order.append(SortKey(SORT_KEYS[key], SORT_DIRECTIONS[direction]))
    return tuple(order)


async def listing(
    os: OsRequest, kind: Kind, statuses: Mapping[str, str], filters: Mapping[str, Match | None]
) -> tuple[list[ResourceRecord], list[dict[str, str]]]:
    """A page of a listing with cinder's name and status filters, the route's own `filters` (None for one that
    matches nothing), its order, and the links to the next page. A filter cinder does not take is a 400; a
    status no record can have, or another project, matches nothing."""
    unknown = sorted(set(os.request.query_params) - LISTING - set(filters))
    if unknown:
        raise OsError(
            400, f"Invalid filters {', '.join(name[:40] for name in unknown[:5])} are found in query options."
        )
    order = _sort(os)
    matches = [match for name, match in filters.items() if match is not None and os.param(name) is not None]
    if os.param("name") is not None:
        matches.append(Match("name", (str(os.param("name")),)))
    if os.param("status") is not None:
        matches.append(
            Match("state", tuple(state for state, status in statuses.items() if status == os.param("status")))
        )
    nothing = any(os.param(name) is not None and match is None for name, match in filters.items())
    if nothing or any(not match.values for match in matches) or os.param("project_id") not in (None, os.project_id):
        return [], []
    records, marker = await os.page(ResourceQuery(kind, tuple(matches), sort=order))
    return records, [{"href": os.next_link(marker), "rel": "next"}] if marker is not None else []


def links(os: OsRequest, collection: str, record: ResourceRecord) -> list[dict[str, str]]:
    base = f"{os.root}/volume/v3/{os.project_id}/{collection}/{os.os_id(record)}"
    bookmark = f"{os.root}/volume/{os.project_id}/{collection}/{os.os_id(record)}"
    return [{"href": base, "rel": "self"}, {"href": bookmark, "rel": "bookmark"}]
