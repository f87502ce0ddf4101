"""Reads, served from the store only: typed queries, paged by cursor, offset or marker, limited to what
the caller may see."""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudgate.connections import AccountRef
from cloudgate.core.access import Visibility, visibility
from cloudgate.core.caller import Caller
from cloudgate.errors import InvalidRequest, NotFound
from cloudgate.model import ATTR_REFERENCES, STATES, Kind, ResourceRecord, kind_of_id
from cloudgate.query import DocumentPage, Match, Page, ResourceQuery, SortKey, Value
from cloudgate.store import Store
from cloudgate.store import resources as rows
from cloudgate.store.accounts import AccountRow, list_accounts, list_grants


@dataclass(frozen=True, slots=True)
class Related:
    """Referenced records, by (scope, kind, cloud id), with the scopes each account's references live in."""

    by_scope: dict[tuple[str, Kind, str], ResourceRecord]
    usable: dict[str, tuple[str, str]]  # account id -> (its scope, its endpoint's public scope)

    def of(self, record: ResourceRecord, kind: Kind, cloud_id: str | None) -> ResourceRecord | None:
        """The record of `kind` with `cloud_id` that `record` refers to, if the store has it."""
        if not cloud_id:
            return None
        for scope in self.usable.get(record.account_id or "", (record.scope,)):
            found = self.by_scope.get((scope, kind, cloud_id))
            if found is not None:
                return found
        return None


def encode_cursor(query: ResourceQuery, last: Sequence[Any]) -> str:
    """The opaque cursor of the page after the row whose sort values (the id last) are `last`."""
    body: dict[str, Any] = {"k": query.kind.value if query.kind else None, "a": last[-1]}
    if len(query.order) > 1 or query.order[0].descending:
        body["o"] = [[key.field, key.descending] for key in query.order]
        body["v"] = list(last)
    return base64.urlsafe_b64encode(orjson.dumps(body)).decode().rstrip("=")


def decode_cursor(query: ResourceQuery, cursor: str) -> tuple[Any, ...]:
    """The sort values a cursor of the same query (kind and order) stands for."""
    try:
        body = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        kind = query.kind.value if query.kind else None
        order = [[key.field, key.descending] for key in query.order]
        if body["k"] != kind or not isinstance(body["a"], str) or body.get("o", [["id", False]]) != order:
            raise ValueError
        values = body.get("v", [body["a"]])
        if not isinstance(values, list) or len(values) != len(order):
            raise ValueError
        return tuple(values)
    except (ValueError, KeyError, TypeError, binascii.Error, orjson.JSONDecodeError) as exc:
        raise InvalidRequest("invalid pagination cursor", details={"field": "cursor"}) from exc


def sort_values(record: ResourceRecord, order: Sequence[SortKey]) -> tuple[Any, ...]:
    return tuple(getattr(record, key.field) for key in order)


class Resources:
    def __init__(self, store: Store):
        self._store = store

    async def query(self, caller: Caller, query: ResourceQuery) -> Page:
        """One page of the records the query matches, the cursor of the next (None at the end) and,
        when asked for, how many match in all."""
        async with self._store.read() as conn:
            resolved, scopes, after = await self._bounds(conn, caller, query)
            found = await rows.query(conn, resolved, scopes=scopes, after=after, limit=query.limit + 1)
            total = await rows.count(conn, resolved, scopes=scopes) if query.count else None
        records = found[: query.limit]
        more = len(found) > query.limit and query.offset is None
        return Page(records, encode_cursor(query, sort_values(records[-1], query.order)) if more else None, total)

    async def documents(self, caller: Caller, query: ResourceQuery) -> DocumentPage:
        """`query` as the records' stored JSON documents, the form /v1 serves a page in."""
        async with self._store.read() as conn:
            resolved, scopes, after = await self._bounds(conn, caller, query)
            found = await rows.query_documents(conn, resolved, scopes=scopes, after=after, limit=query.limit + 1)
        page = found[: query.limit]
        more = len(found) > query.limit and query.offset is None
        return DocumentPage([document for _keys, document in page], encode_cursor(query, page[-1][0]) if more else None)

    async def _bounds(
        self, conn: AsyncConnection, caller: Caller, query: ResourceQuery
    ) -> tuple[ResourceQuery, frozenset[str] | None, tuple[Any, ...] | None]:
        """The query with its values checked and names resolved, the scopes it may read, and the
        sort values its page starts after."""
        seen = await visibility(conn, caller, query.kind)  # a listing of one kind reads where the scope says
        scopes = seen.scopes
        _check_states(query)
        accounts = query.matching("account")
        if accounts is not None:
            # What the accounts can use: their own resources and those their endpoints publish.
            usable: set[str] = set()
            for account in await _named_accounts(conn, caller, seen, accounts):
                usable |= {account.id, AccountRef.of(account).public_scope}
            scopes = frozenset(usable) if scopes is None else frozenset(usable) & scopes
        datacenters = query.matching("datacenter")
        if datacenters is not None:
            query = _replaced(query, Match("datacenter", await _datacenter_ids(conn, scopes, datacenters)))
        after = None
        if query.cursor is not None:
            after = decode_cursor(query, query.cursor)
        elif query.marker is not None:
            after = await self._marker(conn, seen, query)
        return query, scopes, after

    @staticmethod
    async def _marker(conn: AsyncConnection, seen: Visibility, query: ResourceQuery) -> tuple[Any, ...]:
        record = await rows.get(conn, query.marker or "")
        if (
            record is None
            or not seen.sees_scope(record.scope)
            or (query.kind is not None and record.kind != query.kind)
        ):
            raise InvalidRequest(f"marker {query.marker} not found", details={"field": "marker"})
        return sort_values(record, query.order)

    async def counts(self, caller: Caller) -> dict[Kind, dict[str, int]]:
        """How many records of each kind, by state, the caller sees (public ones of its endpoints included)."""
        async with self._store.read() as conn:
            found = await rows.count_by_kind_and_state(conn, scopes=(await visibility(conn, caller)).scopes)
        counted: dict[Kind, dict[str, int]] = {}
        for (kind, state), n in sorted(found.items()):
            counted.setdefault(Kind(kind), {})[state] = n
        return counted

    async def get(self, caller: Caller, resource_id: str, kind: Kind | None = None) -> ResourceRecord:
        async with self._store.read() as conn:
            record = await rows.get(conn, resource_id)
            if record is not None and await self._shows(conn, caller, record.kind, record.scope, kind):
                return record
        raise _not_found(resource_id, kind)

    async def get_document(self, caller: Caller, resource_id: str, kind: Kind | None = None) -> str:
        """`get` as the record's JSON document, the form /v1 serves it in."""
        async with self._store.read() as conn:
            found = await rows.get_document(conn, resource_id)
            if found is not None and await self._shows(conn, caller, *found[:2], kind):
                return found[2]
        raise _not_found(resource_id, kind)

    async def find(self, caller: Caller, query: ResourceQuery) -> ResourceRecord:
        """The one record a query names (by a foreign id, say); NotFound when none, or more than one."""
        page = await self.query(caller, dataclasses.replace(query, limit=2, cursor=None, offset=None, marker=None))
        if len(page.records) != 1:
            raise NotFound(f"{(query.kind or 'resource').replace('_', ' ')} not found")
        return page.records[0]

    async def related(self, caller: Caller, records: Sequence[ResourceRecord]) -> Related:
        """The records that `records` name in their reference attributes (flavor, image, zone, key pair,
        security groups, subnet, attached instance, volume), found by cloud id within each one's account
        and its endpoint's public scope: a front-end shows them by name or by its own id."""
        wanted: dict[Kind, set[str]] = {}
        for record in records:
            for field, kind in ATTR_REFERENCES.items():
                value = record.attrs.get(field)
                for cloud_id in value if isinstance(value, list) else [value]:
                    if isinstance(cloud_id, str) and cloud_id:
                        wanted.setdefault(kind, set()).add(cloud_id)
        found: list[ResourceRecord] = []
        async with self._store.read() as conn:
            seen = await visibility(conn, caller)
            accounts = {a.id: a for a in await list_accounts(conn) if a.id in {r.account_id for r in records}}
            for kind, cloud_ids in wanted.items():
                query = ResourceQuery(kind=kind, matches=(Match("cloud_id", tuple(cloud_ids)),))
                found += await rows.query(conn, query, scopes=seen.scopes, limit=10 * len(cloud_ids))
        usable = {account_id: (account_id, AccountRef.of(a).public_scope) for account_id, a in accounts.items()}
        return Related({(r.scope, r.kind, r.cloud_id or ""): r for r in found}, usable)

    async def _shows(self, conn: AsyncConnection, caller: Caller, kind: Kind, scope: str, wanted: Kind | None) -> bool:
        return (wanted is None or kind == wanted) and (await visibility(conn, caller)).sees_scope(scope)


def _check_states(query: ResourceQuery) -> None:
    """A state the kind does not have is a mistake in the query, not an empty answer."""
    states = query.matching("state")
    if states is None or query.kind is None:
        return
    unknown = sorted(str(state) for state in states if state not in STATES[query.kind])
    if unknown:
        noun = query.kind.value.replace("_", " ")
        raise InvalidRequest(
            f"{'an' if noun[0] in 'aeiou' else 'a'} {noun} has no state {unknown[0]!r} "
            f"(its states: {', '.join(sorted(STATES[query.kind]))})",
            details={"field": "state"},
        )


async def _named_accounts(
    conn: AsyncConnection, caller: Caller, seen: Visibility, named: Sequence[Value]
) -> list[AccountRow]:
    """The accounts named (by id, by the alias the caller's client gave it, or by a name unique among those
    the caller may use); NotFound for any other, so an account the caller cannot see is told from none."""
    visible = await list_accounts(conn, None if caller.principal.is_admin else caller.client_id)
    visible = [account for account in visible if seen.sees_account(account.id)]
    aliases = {account.id: alias for account, alias in await list_grants(conn, caller.client_id)}
    found = []
    for value in named:
        matching = (
            [a for a in visible if a.id == value]
            or [a for a in visible if aliases.get(a.id) == value]
            or [a for a in visible if a.name == value]
        )
        if len(matching) != 1:
            why = "names more than one account; give its id" if matching else "not found"
            raise NotFound(f"account {value} {why}", details={"field": "account"})
        found.append(matching[0])
    return found


async def _datacenter_ids(
    conn: AsyncConnection, scopes: frozenset[str] | None, named: Sequence[Value]
) -> tuple[Value, ...]:
    """The cloud ids of the datacenters named by gateway id, cloud id or name among `scopes`."""
    ids: list[Value] = []
    for value in named:
        text = str(value)
        match = Match("id", (text,)) if kind_of_id(text) == Kind.DATACENTER else None
        for by in (match, Match("cloud_id", (text,)), Match("name", (text,))):
            if by is None:
                continue
            found = await rows.query(conn, ResourceQuery(kind=Kind.DATACENTER, matches=(by,)), scopes=scopes)
            if found:
                ids += [record.cloud_id for record in found if record.cloud_id is not None]
                break
        else:
            raise InvalidRequest(f"no datacenter {text!r} is visible to you", details={"field": "datacenter"})
    return tuple(ids)


def _replaced(query: ResourceQuery, match: Match) -> ResourceQuery:
    """The query with `match` in place of its match on the same field."""
    return dataclasses.replace(query, matches=tuple(match if m.field == match.field else m for m in query.matches))


def _not_found(resource_id: str, kind: Kind | None) -> NotFound:
    return NotFound(f"{(kind or 'resource').replace('_', ' ')} {resource_id} not found")
