"""What every OpenStack handler works with: the core, the caller its token stands for (scoped to a project,
which is an account, and maybe carrying a scope: a listing of a kind reads the account the scope names for
the kind's service), the request, and the ways a handler finds records by OpenStack's ids (UUIDs from the
id codec) and reads its JSON body."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from cloudgate.core import Caller, Core
from cloudgate.core.operations import Operation
from cloudgate.errors import CloudgateError, NotFound
from cloudgate.foreign_ids import from_uuid, to_uuid
from cloudgate.frontends.openstack.errors import Family, OsError, from_code, from_core
from cloudgate.model import Kind, ResourceRecord
from cloudgate.query import MAX_PAGE, Match, ResourceQuery, SortKey

PREFIX = "/openstack"  # where the composition root mounts the front-end
MAX_BODY_BYTES = 1_000_000
SETTLE_SECONDS = 60.0  # how long a request waits for the cloud to take a create, or for a change to be done
DEFAULT_REGION = "RegionOne"  # a region-less account's endpoints are in keystone's default region
NOUNS: dict[Kind, str] = {
    Kind.INSTANCE: "Instance", Kind.VOLUME: "Volume", Kind.SNAPSHOT: "Snapshot", Kind.IMAGE: "Image",
    Kind.FLAVOR: "Flavor", Kind.KEYPAIR: "Keypair", Kind.SECURITY_GROUP: "Security group", Kind.SUBNET: "Subnet",
    Kind.DATACENTER: "Availability zone",
}  # fmt: skip


_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")


def integer(value: Any) -> int | None:
    """An integer as the services read one, from a JSON number or a string of at most 18 digits; None for
    anything else (a bool, "²", thousands of digits)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value)
    return None


def when(moment: float, *, fraction: bool = True) -> str:
    """A time as the OpenStack services write it (UTC, ISO 8601, with a Z)."""
    pattern = "%Y-%m-%dT%H:%M:%S.%f" if fraction else "%Y-%m-%dT%H:%M:%S"
    return datetime.fromtimestamp(moment, UTC).strftime(pattern) + "Z"


@dataclass
class OsRequest:
    core: Core
    caller: Caller | None  # None on the routes that take no token (versions, POST /v3/auth/tokens)
    request: Request
    request_id: str
    family: Family
    microversion: tuple[int, int] = (0, 0)  # negotiated, for the services that have microversions

    @property
    def scoped(self) -> Caller:
        """The caller, whose token is scoped to a project (an account): every service but identity needs one."""
        if self.caller is None or self.caller.account_id is None:
            raise OsError(401, "The request you have made requires authentication (a project-scoped token).")
        return self.caller

    @property
    def project_id(self) -> str:
        return str(self.scoped.account_id)

    def account_of(self, kind: Kind | None) -> str:
        """The account the request reads `kind` from: the one its scope names for the kind's service, else the
        token's project."""
        return (self.scoped.account_for(kind) if kind is not None else None) or self.project_id

    @property
    def root(self) -> str:
        """The front-end's base URL as the client reached it (what the catalog and links name)."""
        host = self.request.headers.get("host") or f"{self.request.url.hostname}:{self.request.url.port}"
        return f"{self.request.url.scheme}://{host}{PREFIX}"

    def param(self, name: str) -> str | None:
        return self.request.query_params.get(name)

    async def json(self) -> Any:
        """The JSON value the request carries; 400 in the service's shape for anything else."""
        raw = await self.request.body()
        if len(raw) > MAX_BODY_BYTES:
            raise OsError(413, f"The request body is larger than {MAX_BODY_BYTES} bytes.")
        try:
            return json.loads(raw or b"null")
        except (ValueError, UnicodeDecodeError, RecursionError):  # nesting too deep is no JSON object either
            raise OsError(400, "Malformed request body: it is not JSON.") from None

    async def body(self) -> dict[str, Any]:
        """The JSON object the request carries; 400 in the service's shape for anything else."""
        value = await self.json()
        if not isinstance(value, dict):
            raise OsError(400, "Malformed request body: a JSON object is expected.")
        return value

    # -- finding --------------------------------------------------------------------------------

    @staticmethod
    def os_id(record: ResourceRecord) -> str:
        return to_uuid(record.id)

    async def one(self, kind: Kind, os_id: str) -> ResourceRecord:
        """The record an OpenStack id (a UUID, or a name where the API allows one) names; 404 otherwise."""
        gateway_id = from_uuid(os_id)
        try:
            if gateway_id is not None:
                return await self.call(self.core.resources.get, self.scoped, gateway_id, kind)
        except OsError as exc:
            if exc.status != 404:
                raise
        raise OsError(404, f"{NOUNS.get(kind, kind.value)} {os_id[:100]} could not be found.")

    async def listing(self, query: ResourceQuery) -> list[ResourceRecord]:
        """Every record of a query in the caller's project, or the account its scope names for the kind (and
        the account's endpoint's public ones), page after page."""
        account = Match("account", (self.account_of(query.kind),))
        query = replace(query, matches=(*query.matches, account), limit=MAX_PAGE)
        found: list[ResourceRecord] = []
        cursor = None
        while True:
            page = await self.call(self.core.resources.query, self.scoped, replace(query, cursor=cursor))
            found += page.records
            cursor = page.next_cursor
            if cursor is None:
                return found

    async def page(self, query: ResourceQuery) -> tuple[list[ResourceRecord], str | None]:
        """A page as the OpenStack services page: `limit` records (at most MAX_PAGE) after the record `marker`
        names, in the caller's project (or its scope's account for the kind); the OpenStack id of the last one
        when more follow."""
        limit_text, marker = self.param("limit"), self.param("marker")
        limit = self._limit(limit_text)
        gateway_marker = None
        if marker is not None:
            gateway_marker = from_uuid(marker)
            if gateway_marker is None:
                raise OsError(400, f"marker [{marker[:100]}] not found")
        account = Match("account", (self.account_of(query.kind),))
        query = replace(query, matches=(*query.matches, account), limit=max(1, min(limit, MAX_PAGE)),
                        marker=gateway_marker, cursor=None)  # fmt: skip
        page = await self.call(self.core.resources.query, self.scoped, query)
        records = page.records[:limit]
        more = page.next_cursor is not None and bool(records)
        return records, (self.os_id(records[-1]) if more else None)

    def paged(self, records: list[ResourceRecord]) -> tuple[list[ResourceRecord], str | None]:
        """A page of records already selected (by a filter the store cannot apply), as `page` pages."""
        limit_text, marker = self.param("limit"), self.param("marker")
        start = 0
        if marker is not None:
            ids = [self.os_id(r) for r in records]
            if marker not in ids:
                raise OsError(400, f"marker [{marker[:100]}] not found")
            start = ids.index(marker) + 1
        limit = min(self._limit(limit_text), MAX_PAGE)
        page = records[start : start + limit]
        more = start + limit < len(records) and bool(page)
        return page, (self.os_id(page[-1]) if more else None)

    @staticmethod
    def _limit(text: str | None) -> int:
        if text is None:
            return MAX_PAGE
        limit = integer(text)
        if limit is None or limit < 0:
            raise OsError(400, f"limit must be an integer 0 or more, not {text[:40]!r}")
        return limit

    async def zones(self) -> list[ResourceRecord]:
        """The availability zones of the project's cloud (its datacenters but its regions), by name: nova and
        cinder list and choose from the same ones."""
        query = ResourceQuery(kind=Kind.DATACENTER, matches=(Match("attrs.type", ("zone",)),), sort=(SortKey("name"),))
        return await self.listing(query)

    def next_link(self, marker: str) -> str:
        """The request's own URL with `marker` set: the link to the next page."""
        return str(self.request.url.include_query_params(marker=marker))

    # -- changing -------------------------------------------------------------------------------

    async def create(self, kind: Kind, spec: dict[str, Any]) -> ResourceRecord:
        """A new resource in the caller's project once the cloud took the request: what the cloud refuses at
        once is refused in the service's fault shape, not left to vanish later."""
        caller = self.scoped
        record, operation = await self.call(self.core.operations.create, caller, kind,
                                            {**spec, "account": self.project_id})  # fmt: skip
        succeeding(await self.call(self.core.operations.submitted, caller, operation.id, SETTLE_SECONDS))
        return record

    async def done(self, operation: Operation) -> Operation:
        """Wait for a change the service answers only once made (a new name shown in the answer); its
        failure in the service's fault shape."""
        finished = succeeding(await self.call(self.core.operations.wait, self.scoped, operation.id, SETTLE_SECONDS))
        if not finished.finished:  # the cloud is slower than the request may wait: say so, claim nothing
            raise OsError(503, f"The change is still under way after {SETTLE_SECONDS:.0f} s (operation {operation.id}); "
                               "look again shortly.")  # fmt: skip
        return finished

    @staticmethod
    async def call(function: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
        """A call of the core, its errors in OpenStack's statuses."""
        try:
            return await function(*args, **kwargs)
        except NotFound as exc:
            raise OsError(404, exc.message) from exc
        except CloudgateError as exc:
            raise from_core(exc) from exc


def succeeding(operation: Operation) -> Operation:
    """The operation, unless it failed: then its error in the services' statuses."""
    if operation.state == "failed":
        error = operation.error or {}
        raise from_code(str(error.get("code", "operation_failed")), str(error.get("message", "the change failed")))
    return operation


Handler = Callable[[OsRequest], Awaitable[Response]]
