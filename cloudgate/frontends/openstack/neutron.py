"""What every neutron collection shares: finding a record by its UUID (a 404 in neutron's own fault type),
reading `{"<resource>": {...}}` bodies as neutron does (unknown attributes refused), answering a collection
with neutron's filters, `fields`, `limit`/`marker` paging and `<collection>_links`, the attributes every
neutron resource carries, and waiting for an operation neutron answers only when it is done."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from starlette.responses import JSONResponse, Response

from cloudgate.frontends.openstack.context import Handler, OsRequest, integer, when
from cloudgate.frontends.openstack.errors import OsError
from cloudgate.model import Kind, ResourceRecord
from cloudgate.query import ResourceQuery

MAX_TEXT = 255  # neutron's limit on names and descriptions
# Query parameters that are no filters: neutron reads them for paging, sorting and field selection.
SORT_DIRECTIONS: dict[str, bool] = {"asc": False, "desc": True}  # sort_dir -> whether to reverse
NOT_FILTERS = frozenset({"fields", "limit", "marker", "page_reverse", "sort_key", "sort_dir"})
# Kind -> (neutron's fault type for an id it does not know, the noun its message names).
NOT_FOUND: dict[Kind, tuple[str, str]] = {
    Kind.SUBNET: ("SubnetNotFound", "Subnet"),
    Kind.SECURITY_GROUP: ("SecurityGroupNotFound", "Security group"),
    Kind.INSTANCE: ("PortNotFound", "Port"),
}
# Resources whose cloud says they are gone, which neutron no longer lists.
GONE_STATES = frozenset({"deleted", "terminated"})


async def present(os: OsRequest, kind: Kind) -> list[ResourceRecord]:
    """Every record of `kind` in the caller's project that its cloud has not deleted."""
    return [record for record in await os.listing(ResourceQuery(kind=kind)) if record.state not in GONE_STATES]


def not_found(kind: Kind, os_id: str) -> OsError:
    neutron_type, noun = NOT_FOUND[kind]
    return OsError(404, f"{noun} {os_id[:100]} could not be found.", neutron_type)


async def find(os: OsRequest, kind: Kind, os_id: str) -> ResourceRecord:
    """The caller's project's record of `kind` a UUID names; neutron's 404 for any other id (another
    project's included: it is not shown to this one)."""
    try:
        record = await os.one(kind, os_id)
    except OsError as exc:
        if exc.status == 404:
            raise not_found(kind, os_id) from None
        raise
    if record.state in GONE_STATES:
        raise not_found(kind, os_id)
    return record


async def resource_body(os: OsRequest, key: str, attributes: frozenset[str]) -> dict[str, Any]:
    """The attributes of `{"<key>": {...}}`; neutron's 400 for another shape or an attribute it does not take."""
    body = await os.body()
    value = body.get(key)
    if not isinstance(value, dict) or set(body) != {key}:
        raise OsError(400, f'Resource body required: a JSON object {{"{key}": {{...}}}}.', "BadRequest")
    unknown = sorted(set(value) - attributes)
    if unknown:
        raise OsError(400, f"Unrecognized attribute(s) '{', '.join(u[:60] for u in unknown)}'", "HTTPBadRequest")
    return value


def text(attributes: Mapping[str, Any], name: str) -> str | None:
    """A name or description of a body (None when absent), refused as neutron refuses a bad one."""
    value = attributes.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT or "\x00" in value:
        raise OsError(400, f"Invalid input for {name}. Reason: a string of at most {MAX_TEXT} characters is "
                           "expected.", "HTTPBadRequest")  # fmt: skip
    return value


def owned(os: OsRequest, attributes: Mapping[str, Any]) -> None:
    """A create names no project but the caller's (neutron lets only an admin create for another)."""
    for key in ("project_id", "tenant_id"):
        if attributes.get(key) not in (None, os.project_id):
            raise OsError(403, f"The token's project {os.project_id} cannot create for another project.",
                          "PolicyNotAuthorized")  # fmt: skip


def standard(record: ResourceRecord) -> dict[str, Any]:
    """The attributes every neutron resource carries (its project, times, revision, tags). A cloud's public
    resource (a shared network's subnet) belongs to no project the gateway knows."""
    return {
        "project_id": record.account_id, "tenant_id": record.account_id, "created_at": when(record.created_at, fraction=False),
        "updated_at": when(record.updated_at, fraction=False), "revision_number": record.revision,
        "tags": [f"{key}={value}" if value else key for key, value in sorted(record.tags.items())],
    }  # fmt: skip


def deletion(kind: Kind) -> Handler:
    """`DELETE /v2.0/<collection>/{os_id}` of a record of `kind`, answered once the cloud deleted it."""

    async def destroy(os: OsRequest) -> Response:
        record = await find(os, kind, os.request.path_params["os_id"])
        await os.done(await os.call(os.core.operations.destroy, os.scoped, record.id, kind))
        return Response(status_code=204)

    return destroy


def _matches(value: Any, wanted: Sequence[str]) -> bool:
    """Whether an attribute holds one of the values a filter names (booleans in any case: True, true)."""
    if isinstance(value, bool):
        return str(value).lower() in {w.lower() for w in wanted}
    return ("" if value is None else str(value)) in wanted


def collection(os: OsRequest, key: str, documents: Sequence[dict[str, Any]]) -> Response:
    """`{"<key>": [...]}` as neutron answers a listing: filtered on any attribute the documents show (other
    parameters are ignored, as neutron ignores them), in `sort_key`/`sort_dir` order, after `marker`, at most
    `limit` with a next link, each cut to `fields` when given."""
    params = os.request.query_params
    shown = _sorted(os, [
        document for document in documents
        if all(_matches(document[name], params.getlist(name)) for name in params
               if name not in NOT_FILTERS and name in document and not isinstance(document[name], list))
    ])  # fmt: skip
    marker = os.param("marker")
    if marker is not None:
        at = next((i for i, document in enumerate(shown) if document["id"] == marker), None)
        if at is None:
            raise OsError(400, f"marker [{marker[:100]}] not found", "BadRequest")
        shown = shown[at + 1 :]
    limit = _limit(os.param("limit"))
    body: dict[str, Any] = {}
    if limit and len(shown) > limit:
        shown = shown[:limit]
        following = [(k, v) for k, v in params.multi_items() if k not in ("limit", "marker")]
        query = urlencode([*following, ("limit", limit), ("marker", shown[-1]["id"])])
        body[f"{key}_links"] = [{"rel": "next", "href": f"{str(os.request.url).split('?')[0]}?{query}"}]
    fields = set(params.getlist("fields"))
    body[key] = [{k: v for k, v in d.items() if k in fields} for d in shown] if fields else list(shown)
    return JSONResponse(body)


def _sorted(os: OsRequest, documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The documents in the order `sort_key` and `sort_dir` (one per key, asc or desc) name; as listed without."""
    keys, directions = os.request.query_params.getlist("sort_key"), os.request.query_params.getlist("sort_dir")
    if len(keys) != len(directions) or set(directions) - SORT_DIRECTIONS.keys():
        raise OsError(400, "The number of sort_keys and sort_dirs must be same, each sort_dir asc or desc",
                      "BadRequest")  # fmt: skip
    unknown = [k for k in keys if documents and (k not in documents[0] or isinstance(documents[0][k], list | dict))]
    if unknown:
        raise OsError(400, f"{unknown[0][:60]} is invalid attribute for sort_key", "BadRequest")
    ordered = list(documents)
    for sort_key, direction in reversed(list(zip(keys, directions, strict=True))):  # stable: the first key last
        ordered.sort(key=lambda d: (d[sort_key] is not None, d[sort_key]), reverse=SORT_DIRECTIONS[direction])
    return ordered


def _limit(given: str | None) -> int:
    """neutron's page size: 0 or none is every item."""
    limit = 0 if given is None else integer(given)
    if limit is None or limit < 0:
        raise OsError(400, f"Limit must be an integer 0 or greater and not '{str(given)[:40]}'", "BadRequest")
    return limit


async def created(os: OsRequest, kind: Kind, spec: dict[str, Any], name: str | None) -> ResourceRecord:
    """A resource of the caller's project, once the cloud made it (neutron answers a create only then);
    unnamed, the gateway names it by its id."""
    named = {"account": os.project_id, **spec, **({"name": name} if name else {})}
    record, operation = await os.call(os.core.operations.create, os.scoped, kind, named)
    await os.done(operation)
    return await os.call(os.core.resources.get, os.scoped, record.id, kind)


async def edited(os: OsRequest, record: ResourceRecord, changes: dict[str, Any]) -> ResourceRecord:
    """The record once the cloud made `changes` (what the cloud cannot change, the core refuses)."""
    await os.done(await os.call(os.core.operations.edit, os.scoped, record.id, changes, record.kind))
    return await os.call(os.core.resources.get, os.scoped, record.id, record.kind)
