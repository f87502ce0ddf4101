"""What every GCE handler works with: the core, the caller (its bearer token's client, bound to the account the
URL's project names, in the token's scope), the request, and the ways a handler finds records by GCE's names
within a zone or a region, pages with maxResults/pageToken, reads its JSON body, and links resources
(selfLink). Under a scope the project's resources of a kind are those of the account the scope names for the
kind's service: with `{"image": "CloudTwo"}` the project's images are CloudTwo's."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from starlette.requests import Request

from cloudgate.core import Caller, Core
from cloudgate.core.accounts import AccountView
from cloudgate.core.operations import Operation
from cloudgate.errors import CloudgateError
from cloudgate.frontends.gce.errors import GceError, from_core, invalid, not_found
from cloudgate.frontends.gce.filters import Filter
from cloudgate.frontends.gce.render import COLLECTIONS, SCOPES, Links
from cloudgate.frontends.gce.render import operation as render_operation
from cloudgate.model import STATES, Kind, ResourceRecord
from cloudgate.query import MAX_PAGE, Match, ResourceQuery, SortKey

PREFIX = "/compute/v1"  # where the composition root mounts the front-end
MAX_RESULTS = 500  # GCE's largest page
MAX_BODY_BYTES = 1_000_000
SETTLE_SECONDS = 60.0  # how long `wait` waits, at most, for an operation
# States of resources their cloud has deleted: GCE forgets a resource once its delete is done (no listing
# shows it, a get is a 404), where the gateway keeps the record until its cloud forgets it too.
GONE_STATES = frozenset({"deleted", "terminated"})


def present(kind: Kind | None) -> tuple[Match, ...]:
    """The match keeping the records of `kind` that are not gone (none for kinds that never go that way)."""
    if kind is None or not STATES[kind] & GONE_STATES:
        return ()
    return (Match("state", tuple(sorted(STATES[kind] - GONE_STATES))),)


@dataclass
class GceRequest:
    core: Core
    caller: Caller  # bound to the account (`caller.account_id`)
    account: AccountView
    request: Request
    project: str  # as the URL names it

    @property
    def account_id(self) -> str:
        return self.account.row.id

    def home(self, kind: Kind | None) -> str:
        """The account whose resources of `kind` the project shows: the one the scope names for the kind's
        service, else the project's."""
        return (self.caller.account_for(kind) if kind is not None else None) or self.account_id

    @property
    def base(self) -> str:
        """The front-end's root as the client reached it: what every selfLink starts with."""
        host = self.request.headers.get("host") or f"{self.request.url.hostname}:{self.request.url.port}"
        return f"{self.request.url.scheme}://{host}{PREFIX}"

    def link(self, path: str) -> str:
        """The selfLink of a path within the project (`zones/z/instances/vm`)."""
        return f"{self.base}/projects/{self.project}/{path}"

    def param(self, name: str) -> str | None:
        return self.request.query_params.get(name)

    async def body(self) -> dict[str, Any]:
        """The JSON object the request carries; GCE's 400 for anything else."""
        raw = await self.request.body()
        if len(raw) > MAX_BODY_BYTES:
            raise GceError(413, "badRequest", f"The request body is larger than {MAX_BODY_BYTES} bytes")
        try:
            value = json.loads(raw or b"{}")
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise GceError(400, "parseError", "Parse Error: the request body is not JSON") from None
        if not isinstance(value, dict):
            raise GceError(400, "parseError", "Parse Error: the request body is not a JSON object")
        return value

    # -- finding --------------------------------------------------------------------------------

    async def named(self, kind: Kind, name: str, path: str, *, within: ResourceRecord | None = None) -> ResourceRecord:
        """The record of `kind` a URL names, in the caller's account (and within a zone or region when given)."""
        matches = (Match("name", (name,)), Match("account", (self.home(kind),)), *present(kind))
        zoned = (Match("attrs.datacenter", (within.cloud_id or "-",)),) if within is not None else ()
        query = ResourceQuery(kind=kind, matches=(*matches, *zoned), sort=(SortKey("created_at"),), limit=1)
        found = (await self.call(self.core.resources.query, self.caller, query)).records
        if not found and within is not None:  # one just asked for has no zone until its cloud names it
            query = replace(query, matches=matches, limit=MAX_PAGE)
            found = [
                r
                for r in (await self.call(self.core.resources.query, self.caller, query)).records
                if r.cloud_id is None
            ]
        if not found:
            raise not_found(f"projects/{self.project}/{path}")
        return found[0]

    async def datacenters(self, kind: str) -> list[ResourceRecord]:
        """The account's zones or regions (`kind` "zone" or "region"), by name."""
        query = ResourceQuery(kind=Kind.DATACENTER, matches=(Match("attrs.type", (kind,)),), sort=(SortKey("name"),))
        return await self.listing(query)

    async def zone(self, name: str) -> ResourceRecord:
        return await self.named_datacenter("zone", name, f"zones/{name}")

    async def region(self, name: str) -> ResourceRecord:
        return await self.named_datacenter("region", name, f"regions/{name}")

    async def named_datacenter(self, kind: str, name: str, path: str) -> ResourceRecord:
        found = [r for r in await self.datacenters(kind) if r.name == name]
        if not found:
            raise not_found(f"projects/{self.project}/{path}")
        return found[0]

    async def listing(self, query: ResourceQuery) -> list[ResourceRecord]:
        """Every record of a query in the project's account (and its endpoint's public ones; under a scope, the
        account's it names for the kind), page after page."""
        query = replace(query, matches=(*query.matches, Match("account", (self.home(query.kind),)),
                                        *present(query.kind)), limit=MAX_PAGE)  # fmt: skip
        found: list[ResourceRecord] = []
        cursor = None
        while True:
            page = await self.call(self.core.resources.query, self.caller, replace(query, cursor=cursor))
            found += page.records
            cursor = page.next_cursor
            if cursor is None:
                return found

    async def page(self, query: ResourceQuery) -> tuple[list[ResourceRecord], str | None]:
        """A page as GCE pages: `maxResults` records (at most 500) from `pageToken`, filtered by `filter`; the
        next page's token when more follow. A filter the store cannot apply is applied to what it returns."""
        limit = self.max_results()
        wanted = Filter.parse(self.param("filter") or "")
        query = replace(query, matches=(*query.matches, *wanted.matches, Match("account", (self.home(query.kind),)),
                                        *present(query.kind)),
                        tags=(*query.tags, *wanted.tags), sort=query.sort or (SortKey("name"),))  # fmt: skip
        records: list[ResourceRecord] = []
        cursor = self.param("pageToken")
        while True:  # each store page asks for what is still missing, so the token follows the last one shown
            asked = replace(query, limit=limit - len(records), cursor=cursor)
            page = await self.call(self.core.resources.query, self.caller, asked)
            records += [r for r in page.records if wanted.keeps(r)]
            cursor = page.next_cursor
            if cursor is None or len(records) >= limit:
                return records, cursor

    def max_results(self) -> int:
        text = self.param("maxResults")
        if text is None:
            return MAX_RESULTS
        if not (text.isascii() and text.isdigit()) or not 0 <= int(text) <= MAX_RESULTS:
            raise invalid(
                f"Invalid value for field 'maxResults': '{text[:40]}'. Must be in the range [0, {MAX_RESULTS}]."
            )
        return max(int(text), 1)

    async def links(self, records: list[ResourceRecord]) -> Links:
        """What `records` refer to, with their links."""
        places = {r.cloud_id: r for r in await self.listing(ResourceQuery(kind=Kind.DATACENTER)) if r.cloud_id}
        return Links(
            self.base, self.project, places, await self.call(self.core.resources.related, self.caller, records)
        )

    async def operation(
        self, op: Operation, record: ResourceRecord | None = None, where: tuple[str, str] | None = None
    ) -> dict[str, Any]:
        """A core operation as GCE's Operation, in `where` (("zones", name) or ("regions", name)) when the request
        names it, else in its resource's zone or region (global for the others)."""
        links = await self.links([record] if record is not None else [])
        if where is None and record is not None and record.kind in SCOPES:
            place = links.place(record)
            place = place if SCOPES[record.kind] == "zones" else links.region_of(place)
            where = (SCOPES[record.kind], place.name) if place is not None else None
        target = links.of(record) if record is not None else None
        if record is not None and where is not None and record.kind in SCOPES:  # a new record has no zone yet
            target = links.project_link(f"{where[0]}/{where[1]}/{COLLECTIONS[record.kind]}/{record.name}")
        return render_operation(op, links, where, target, self.caller.principal.name)

    # -- changing -------------------------------------------------------------------------------

    async def create(self, kind: Kind, spec: dict[str, Any]) -> tuple[ResourceRecord, Operation]:
        """A new resource in the caller's account: its operation, refused at once (in GCE's shape) when the
        cloud refuses the request at once."""
        return await self.call(self.core.operations.create, self.caller, kind, {**spec, "account": self.account_id})

    @staticmethod
    async def call(function: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
        """A call of the core, its errors in GCE's shape."""
        try:
            return await function(*args, **kwargs)
        except CloudgateError as exc:
            raise from_core(exc) from exc
