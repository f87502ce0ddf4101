"""Resources: one list per kind with the CLI's filters and cursor paging (never a whole table), a resource's
detail (its attributes, tags and event history) and the actions its cloud's capabilities allow, each an operation
started through the core as /v1 starts it."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from cloudgate.core import Caller, Core
from cloudgate.core.accounts import AccountView
from cloudgate.core.resources import Related
from cloudgate.errors import CloudgateError, InvalidRequest, NotFound, UnknownKind, Unsupported
from cloudgate.model import COLLECTIONS, STATES, Kind, ResourceRecord
from cloudgate.query import Match, ResourceQuery, SortKey, TagMatch
from cloudgate.serving.event_stream import is_number
from cloudgate.web.context import posted, signed_in, web_state
from cloudgate.web.presentation import COLLECTION_OF, LIST_ATTRS, NOUNS, REFERENCE_ATTRS, as_text, label
from cloudgate.web.render import ui_root

PAGE_SIZES = (25, 50, 100, 200)  # offered; any size up to the largest is taken from a URL
DEFAULT_PAGE_SIZE = 50
MAX_FILTER_CHARS = 500
HISTORY_SHOWN = 50
DATACENTERS_OFFERED = 200  # names offered to the datacenter filter (any other still works typed in full)
# The filters of `cloudgate <kind> list`, each repeatable in the URL (any of the values matches).
FILTERS = ("cloud", "account", "datacenter", "state", "name", "tag")


@dataclass(frozen=True, slots=True)
class Cell:
    """One shown value: its text, and the page of the record it names, if it names one the caller sees."""

    text: str
    href: str | None = None


def _kind(collection: str) -> Kind:
    kind = COLLECTIONS.get(collection)
    if kind is None:
        raise UnknownKind(f"there is no resource list named {collection!r}")
    return kind


def _values(params: QueryParams, name: str) -> tuple[str, ...]:
    values = tuple(value.strip() for value in params.getlist(name) if value.strip())
    if any(len(value) > MAX_FILTER_CHARS for value in values):
        raise InvalidRequest(f"a {name} filter is at most {MAX_FILTER_CHARS} characters", details={"field": name})
    return values


def list_query(kind: Kind, params: QueryParams) -> ResourceQuery:
    """The core's query for a list page's URL: each filter any of its values, names with `*` or `?` as
    wildcards, tags as `key=value` (or `key`: has the tag), by name, one page after `cursor`."""
    matches = [
        Match(name, values) for name in ("cloud", "account", "datacenter", "state") if (values := _values(params, name))
    ]
    names = _values(params, "name")
    if names:
        matches.append(Match("name", names, glob=any("*" in name or "?" in name for name in names)))
    tags = []
    for tag in _values(params, "tag"):
        key, equals, value = tag.partition("=")
        if not key.strip():
            raise InvalidRequest("a tag filter is key=value, or key alone", details={"field": "tag"})
        tags.append(TagMatch(key.strip(), (value.strip(),) if equals else ()))
    size = params.get("limit", str(DEFAULT_PAGE_SIZE))
    if not is_number(size) or not 1 <= int(size) <= PAGE_SIZES[-1]:
        raise InvalidRequest(f"a page holds 1 to {PAGE_SIZES[-1]} resources", details={"field": "limit"})
    cursor = params.get("cursor") or None
    if cursor is not None and len(cursor) > 1000:
        raise InvalidRequest("invalid pagination cursor", details={"field": "cursor"})
    return ResourceQuery(kind=kind, matches=tuple(matches), tags=tuple(tags), sort=(SortKey("name"),),
                         limit=int(size), cursor=cursor, count=True)  # fmt: skip


def page_url(request: Request, **changes: str | None) -> str:
    """This list's URL with some parameters changed (None: removed)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    params += [(k, v) for k, v in changes.items() if v is not None]
    return request.url.path + (f"?{urlencode(params)}" if params else "")


def detail_url(ui: str, record: ResourceRecord) -> str:
    return f"{ui}/{COLLECTION_OF[record.kind]}/{record.id}"


def cell(ui: str, record: ResourceRecord, name: str, related: Related) -> Cell:
    """An attribute of `record` as shown: a reference by the name of the record it names (and a link to it)."""
    value = record.attrs.get(name)
    kind = REFERENCE_ATTRS.get(name)
    if kind is None or not value:
        return Cell(as_text(value))
    cloud_ids = [str(cloud_id) for cloud_id in (value if isinstance(value, list) else [value])]
    named = [(related.of(record, kind, cloud_id), cloud_id) for cloud_id in cloud_ids]
    text = ", ".join(found.name or found.id if found else cloud_id for found, cloud_id in named)
    only = named[0][0] if len(named) == 1 else None
    return Cell(text, detail_url(ui, only) if only else None)


def account_names(accounts: list[AccountView]) -> dict[str, str]:
    return {view.row.id: view.alias or view.row.name for view in accounts}


async def _filter_choices(core: Core, caller: Caller, accounts: list[AccountView]) -> dict[str, Any]:
    datacenters = await core.resources.query(caller, ResourceQuery(kind=Kind.DATACENTER, sort=(SortKey("name"),),
                                                                   limit=DATACENTERS_OFFERED))  # fmt: skip
    return {
        "clouds": [(cloud, cloud) for cloud in sorted({view.row.cloud for view in accounts})],
        "accounts": [(view.row.id, view.alias or view.row.name) for view in accounts],
        "datacenters": sorted({record.name for record in datacenters.records if record.name}),
    }


async def resource_list(request: Request) -> Response:
    core, session = await signed_in(request)
    caller, ui = session.caller, ui_root(request)
    kind = _kind(request.path_params["collection"])
    after = await core.events.head()
    accounts = await core.accounts.list(caller)
    context: dict[str, Any] = {
        "kind": kind, "states_of_kind": [(state, state) for state in sorted(STATES[kind])], "one": NOUNS[kind][0], "many": NOUNS[kind][1], "current": kind.value, "filters": {name: request.query_params.getlist(name) for name in FILTERS},
        "limit": request.query_params.get("limit", str(DEFAULT_PAGE_SIZE)), "page_sizes": PAGE_SIZES,
        "columns": [label(name) for name in LIST_ATTRS[kind]], "rows": [], "total": None, "next_url": None,
        "first_url": None, "error": None, **await _filter_choices(core, caller, accounts),
        "new_url": f"{ui}/{COLLECTION_OF[kind]}/new" if kind in creatable_kinds() else None,
    }  # fmt: skip
    status = 200
    try:
        page = await core.resources.query(caller, list_query(kind, request.query_params))
    except CloudgateError as exc:  # a filter the core refuses: the page says which, with the form to fix it
        if exc.status >= 500:
            raise
        context["error"], status = exc.message, exc.status
    else:
        related = await core.resources.related(caller, page.records)
        names = account_names(accounts)
        context["rows"] = [
            {"record": record, "href": detail_url(ui, record), "account": names.get(record.account_id or "", "public"),
             "datacenter": cell(ui, record, "datacenter", related), "cells": [cell(ui, record, name, related) for name in LIST_ATTRS[kind]]}
            for record in page.records
        ]  # fmt: skip
        context["total"] = page.total
        if page.next_cursor:
            context["next_url"] = page_url(request, cursor=page.next_cursor)
        if request.query_params.get("cursor"):
            context["first_url"] = page_url(request, cursor=None)
    return web_state(request).pages.render(
        request, "resource_list.html", session=session, status=status, after=after,
        watch={"kind": kind.value}, **context,
    )  # fmt: skip


async def _record(request: Request, core: Core, caller: Caller) -> tuple[Kind, ResourceRecord]:
    kind = _kind(request.path_params["collection"])
    resource_id = request.path_params["resource_id"]
    if len(resource_id) > 200:
        raise NotFound(f"{NOUNS[kind][0]} not found")
    return kind, await core.resources.get(caller, resource_id, kind)


def _allowed(record: ResourceRecord) -> tuple[list[str], bool]:
    """The actions, and whether a destroy, the record's cloud declares for its kind (none on public records)."""
    if record.public or record.account_id is None:
        return [], False
    try:
        capabilities = Core.capabilities(record.cloud)
    except Unsupported:  # a cloud type no longer installed: its records still show, without actions
        return [], False
    return list(capabilities["actions"].get(record.kind.value, [])), record.kind.value in capabilities["destroy"]


@cache
def creatable_kinds() -> frozenset[Kind]:
    """The kinds some installed cloud type can create (the installed drivers do not change while running)."""
    return frozenset(Kind(kind) for cloud in Core.clouds().values() for kind in cloud["capabilities"]["create"])


def can_create(cloud: str, kind: Kind) -> bool:
    try:
        Core.create_fields(cloud, kind)
    except Unsupported:
        return False
    return True


async def resource_detail(request: Request) -> Response:
    core, session = await signed_in(request)
    caller, ui = session.caller, ui_root(request)
    since, after = time.time(), await core.events.head()
    kind, record = await _record(request, core, caller)
    related = await core.resources.related(caller, [record])
    actions, destroyable = _allowed(record)
    operation = None
    wanted = request.query_params.get("operation", "")
    if wanted and len(wanted) <= 200:
        try:
            operation = await core.operations.get(caller, wanted)
        except NotFound:
            operation = None  # not the caller's, or gone: nothing to say about it
    names = account_names(await core.accounts.list(caller))
    watch: dict[str, Any] = {"kind": kind.value, "resource": record.id}
    if operation is not None:  # the page follows the operation it shows as well
        watch.update(operation=operation.id, since=since)
    return web_state(request).pages.render(
        request, "resource_detail.html", session=session, after=after,
        watch=watch, kind=kind, record=record, current=kind.value,
        account=names.get(record.account_id or "", "public"),
        attrs=[(label(name), cell(ui, record, name, related)) for name in sorted(record.attrs)],
        history=await core.events.recent(caller, limit=HISTORY_SHOWN, resource_id=record.id),
        actions=actions, destroyable=destroyable, under_way=(await core.operations.under_way(caller, [record])).get(record.id),
        operation=operation, nonce=secrets.token_urlsafe(16), href=detail_url(ui, record),
    )  # fmt: skip


async def act(request: Request) -> Response:
    form = await posted(request)
    core, session = await signed_in(request)
    kind, record = await _record(request, core, session.caller)
    caller = session.caller.keyed(form.one("request")[:200] or None)  # a double submit starts one operation
    operation = await core.operations.act(caller, record.id, request.path_params["action"], {}, kind)
    return RedirectResponse(f"{detail_url(ui_root(request), record)}?operation={operation.id}", status_code=303)


async def delete_page(request: Request) -> Response:
    core, session = await signed_in(request)
    kind, record = await _record(request, core, session.caller)
    return web_state(request).pages.render(
        request, "confirm_delete.html", session=session, kind=kind, record=record,
        href=detail_url(ui_root(request), record), nonce=secrets.token_urlsafe(16),
    )  # fmt: skip


async def delete(request: Request) -> Response:
    form = await posted(request)
    core, session = await signed_in(request)
    kind, record = await _record(request, core, session.caller)
    operation = await core.operations.destroy(session.caller.keyed(form.one("request")[:200] or None), record.id, kind)
    return RedirectResponse(f"{detail_url(ui_root(request), record)}?operation={operation.id}", status_code=303)


ROUTES: list[BaseRoute] = [
    Route("/{collection}", resource_list, methods=["GET"]),
    Route("/{collection}/{resource_id}", resource_detail, methods=["GET"]),
    Route("/{collection}/{resource_id}/actions/{action}", act, methods=["POST"]),
    Route("/{collection}/{resource_id}/delete", delete_page, methods=["GET"]),
    Route("/{collection}/{resource_id}/delete", delete, methods=["POST"]),
]
