"""What every CloudStack command works with: the core, the caller (bound to one account by its API key or
its session, in the key's scope), the account, and the ways a command finds records by CloudStack's ids
(UUIDs from the id codec), pages a listing, and turns core operations into async jobs. Under a scope a
listing of a kind reads the account the scope names for the kind's service: a key with
`{"image": "CloudTwo"}` lists CloudTwo's templates."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from cloudgate.core import Caller, Core
from cloudgate.core.accounts import AccountView
from cloudgate.core.operations import Operation
from cloudgate.errors import CloudgateError, NotFound
from cloudgate.foreign_ids import from_uuid, to_uuid
from cloudgate.frontends.cloudstack.errors import PARAM_ERROR, CsError, from_code, from_core
from cloudgate.frontends.cloudstack.params import invalid
from cloudgate.model import Kind, ResourceRecord
from cloudgate.query import MAX_PAGE, Match, ResourceQuery, SortKey, TagMatch

DEFAULT_PAGE_SIZE = 500  # CloudStack's default.page.size: also the most a page may hold
SETTLE_SECONDS = 60.0  # how long a synchronous command waits for its change to be made


@dataclass
class CsRequest:
    core: Core
    caller: Caller  # bound to the account (`caller.account_id`)
    account: AccountView
    command: str
    request_id: str

    @property
    def account_id(self) -> str:
        return self.account.row.id

    # -- finding --------------------------------------------------------------------------------

    async def one(self, kind: Kind, cs_id: str, param: str = "id") -> ResourceRecord:
        """The record a CloudStack id names, in the caller's account (or its endpoint's public ones)."""
        gateway_id = from_uuid(cs_id)
        if gateway_id is not None:
            try:
                return await self.core.resources.get(self.caller, gateway_id, kind)
            except NotFound:
                pass
            except CloudgateError as exc:
                raise from_core(exc) from exc
        raise invalid(self.command, param, cs_id)

    async def page(self, query: ResourceQuery, params: dict[str, Any]) -> tuple[list[ResourceRecord], int]:
        """A page as CloudStack pages (`page` from 1, `pagesize` at most DEFAULT_PAGE_SIZE; every record up to
        that bound without them), with the count of every record the listing holds."""
        size = params.get("pagesize", DEFAULT_PAGE_SIZE)
        if "page" in params and "pagesize" not in params:
            raise CsError(PARAM_ERROR, '"page" parameter is required when "pagesize" is specified, and vice versa')
        if size == -1:  # CloudStack's "every record": as many as a page may hold
            size = DEFAULT_PAGE_SIZE
        if not 1 <= size <= DEFAULT_PAGE_SIZE:
            raise CsError(PARAM_ERROR, f"Page size can't exceed max allowed page size value: {DEFAULT_PAGE_SIZE}"
                          if size > 0 else "Page size must be a positive number")  # fmt: skip
        page = params.get("page", 1)
        if page < 1:
            raise CsError(PARAM_ERROR, "Page must be a positive number")
        home = (self.caller.account_for(query.kind) if query.kind is not None else None) or self.account_id
        matches = (*query.matches, Match("account", (home,)))
        if "keyword" in params:
            matches = (*matches, Match("name", (f"*{_glob_literal(params['keyword'])}*",), glob=True))
        query = replace(query, matches=matches, sort=query.sort or (SortKey("created_at"),),
                        limit=min(size, MAX_PAGE), offset=(page - 1) * size, count=True)  # fmt: skip
        found = await self.call(self.core.resources.query, self.caller, query)
        return found.records, found.total or 0

    def id_match(self, *cs_ids: str, param: str = "id") -> Match:
        """A listing's filter by CloudStack ids. An id this gateway never gave out is refused, as CloudStack
        refuses a UUID it has no entity for; one of a removed resource lists nothing, as there."""
        gateway_ids: list[str] = []
        for cs_id in cs_ids:
            gateway_id = from_uuid(cs_id)
            if gateway_id is None:
                raise invalid(self.command, param, cs_id)
            gateway_ids.append(gateway_id)
        return Match("id", tuple(gateway_ids))

    async def related(self, records: list[ResourceRecord]) -> Any:
        return await self.call(self.core.resources.related, self.caller, records)

    # -- changing -------------------------------------------------------------------------------

    async def create(self, kind: Kind, spec: dict[str, Any]) -> tuple[ResourceRecord, Operation]:
        """A new resource in the caller's account once the cloud took the request: what the cloud refuses at
        once is this command's error, as CloudStack refuses a deploy it cannot place."""
        record, operation = await self.call(self.core.operations.create, self.caller, kind,
                                            {**spec, "account": self.account_id})  # fmt: skip
        taken = await self.call(self.core.operations.submitted, self.caller, operation.id, SETTLE_SECONDS)
        return record, succeeding(taken)

    async def done(self, operation: Operation) -> Operation:
        """Wait for a change a synchronous command answers only once made; its failure is the command's."""
        finished = succeeding(await self.call(self.core.operations.wait, self.caller, operation.id, SETTLE_SECONDS))
        if not finished.finished:
            raise CsError(530, f"The change is still under way after {SETTLE_SECONDS:.0f} s (job {job_id(operation)})")
        return finished

    @staticmethod
    async def call(function: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
        """A call of the core, its errors in CloudStack's codes."""
        try:
            return await function(*args, **kwargs)
        except CloudgateError as exc:
            raise from_core(exc) from exc


def listed(key: str, items: list[dict[str, Any]], count: int) -> dict[str, Any]:
    """A listing's answer: `count` is the total; nothing at all is `{}`, a page past the end `{"count": N}`."""
    if not count:
        return {}
    return {"count": count, key: items} if items else {"count": count}


def cs_id(record: ResourceRecord) -> str:
    return to_uuid(record.id)


def job_id(operation: Operation) -> str:
    return to_uuid(operation.id)


def succeeding(operation: Operation) -> Operation:
    """The operation, unless it failed: then its error in CloudStack's codes."""
    if operation.state == "failed":
        error = operation.error or {}
        raise from_code(str(error.get("code", "operation_failed")), str(error.get("message", "the change failed")))
    return operation


def tag_matches(params: dict[str, Any]) -> tuple[TagMatch, ...]:
    """A listing's `tags[i].key`/`tags[i].value` filters."""
    return tuple(TagMatch(t.get("key", ""), (t["value"],) if "value" in t else ()) for t in params.get("tags", []))


def _glob_literal(text: str) -> str:
    """`text` inside a glob: its own `*` and `?` match one character (themselves among others), not a run."""
    return text.replace("*", "?")
