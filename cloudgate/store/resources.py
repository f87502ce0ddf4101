"""Resource rows: the poller's index and bulk writes, and the reads the core serves."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, delete, false, func, insert, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudgate.foreign_ids import numeric_id
from cloudgate.model import Kind, ResourceRecord
from cloudgate.query import Match, ResourceQuery, SortKey, TagMatch
from cloudgate.store.schema import resource_aliases, resources

_RECORD_COLUMNS = (
    "id", "cloud_id", "scope", "account_id", "cloud", "kind", "name", "state", "cloud_state",
    "attrs", "cloud_attrs", "tags", "public", "created_at", "updated_at", "revision",
)  # fmt: skip
_RECORD_SELECT = [resources.c[name] for name in _RECORD_COLUMNS]

EVERYTHING = ResourceQuery()  # every record, by id


@dataclass(slots=True)
class IndexEntry:
    """What the poller needs of a stored row to diff it against a listing."""

    id: str
    content_hash: str | None
    missed: int
    protect_until: float | None
    destroying: bool


_KINDS = {kind.value: kind for kind in Kind}
_KIND_AT = _RECORD_COLUMNS.index("kind")


def record_from_row(row: Sequence[Any]) -> ResourceRecord:
    """A record from a row of `_RECORD_SELECT` (positional: listings build thousands of these)."""
    return ResourceRecord(*row[:_KIND_AT], _KINDS[row[_KIND_AT]], *row[_KIND_AT + 1 :])  # type: ignore[call-arg]


def _row(record: ResourceRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "cloud_id": record.cloud_id,
        "scope": record.scope,
        "account_id": record.account_id,
        "cloud": record.cloud,
        "kind": record.kind.value,
        "name": record.name,
        "state": record.state,
        "cloud_state": record.cloud_state,
        "attrs": record.attrs,
        "cloud_attrs": record.cloud_attrs,
        "tags": record.tags,
        "public": record.public,
        "datacenter": record.attrs.get("datacenter"),
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "revision": record.revision,
        "document": record.to_json(),
        "numeric_id": numeric_id(record.id),
    }


async def lock_scope(conn: AsyncConnection, scope: str, kind: Kind) -> None:
    """Serialize writers of one (scope, kind) until the transaction ends. Two accounts on one
    endpoint diff the same public scope; without this both could insert the same new rows.
    SQLite needs nothing: its single writer already serializes transactions."""
    if conn.dialect.name == "postgresql":
        key = int.from_bytes(
            hashlib.blake2b(f"{scope}\x1f{kind.value}".encode(), digest_size=8).digest(), "big", signed=True
        )
        await conn.execute(select(func.pg_advisory_xact_lock(key)))


async def index(conn: AsyncConnection, scope: str, kind: Kind, cloud_id: str | None = None) -> dict[str, IndexEntry]:
    """Stored rows of (scope, kind) that the cloud has named, by cloud id (only `cloud_id`'s, when given)."""
    query = select(
        resources.c.cloud_id, resources.c.id, resources.c.content_hash, resources.c.missed,
        resources.c.protect_until, resources.c.destroying,
    ).where(resources.c.scope == scope, resources.c.kind == kind.value, resources.c.cloud_id.is_not(None))  # fmt: skip
    if cloud_id is not None:
        query = query.where(resources.c.cloud_id == cloud_id)
    result = await conn.execute(query)
    return {row[0]: IndexEntry(row[1], row[2], row[3], row[4], bool(row[5])) for row in result}


async def aliases(conn: AsyncConnection, scope: str, kind: Kind, cloud_id: str | None = None) -> dict[str, str]:
    """Pre-assigned gateway ids of resources the gateway created, by cloud id (only `cloud_id`'s, when given)."""
    query = select(resource_aliases.c.cloud_id, resource_aliases.c.resource_id).where(
        resource_aliases.c.scope == scope, resource_aliases.c.kind == kind.value
    )
    if cloud_id is not None:
        query = query.where(resource_aliases.c.cloud_id == cloud_id)
    return {row[0]: row[1] for row in await conn.execute(query)}


async def add_alias(conn: AsyncConnection, scope: str, kind: Kind, cloud_id: str, resource_id: str) -> None:
    await conn.execute(
        insert(resource_aliases).values(scope=scope, kind=kind.value, cloud_id=cloud_id, resource_id=resource_id)
    )


async def fetch(conn: AsyncConnection, ids: Collection[str]) -> dict[str, ResourceRecord]:
    found: dict[str, ResourceRecord] = {}
    id_list = list(ids)
    for start in range(0, len(id_list), 500):
        chunk = id_list[start : start + 500]
        rows = await conn.execute(select(*_RECORD_SELECT).where(resources.c.id.in_(chunk)))
        found.update((row[0], record_from_row(row)) for row in rows)
    return found


_GET = select(*_RECORD_SELECT).where(resources.c.id == bindparam("resource_id"))  # built once: GETs are hot


async def get(conn: AsyncConnection, resource_id: str) -> ResourceRecord | None:
    row = (await conn.execute(_GET, {"resource_id": resource_id})).first()
    return record_from_row(row) if row else None


_GET_DOCUMENT = select(resources.c.kind, resources.c.scope, resources.c.document).where(
    resources.c.id == bindparam("resource_id")
)


async def get_document(conn: AsyncConnection, resource_id: str) -> tuple[Kind, str, str] | None:
    """(kind, scope, JSON document) of a resource."""
    row = (await conn.execute(_GET_DOCUMENT, {"resource_id": resource_id})).first()
    return (_KINDS[row[0]], row[1], row[2]) if row else None


async def insert_records(
    conn: AsyncConnection, records: Iterable[tuple[ResourceRecord, str | None]], *, protect_until: float | None = None
) -> None:
    """Insert (record, content hash) pairs."""
    rows = [{**_row(record), "content_hash": digest, "missed": 0, "protect_until": protect_until, "destroying": False}
            for record, digest in records]  # fmt: skip
    if rows:
        await conn.execute(insert(resources), rows)


_UPDATE_OBSERVED = (
    update(resources)
    .where(resources.c.id == bindparam("b_id"))
    .values({name: bindparam(f"b_{name}") for name in (
        "cloud_id", "name", "state", "cloud_state", "attrs", "cloud_attrs", "tags", "public", "datacenter",
        "updated_at", "revision", "content_hash", "document",
    )} | {"missed": 0})
)  # fmt: skip


async def update_records(conn: AsyncConnection, records: Iterable[tuple[ResourceRecord, str | None]]) -> None:
    """Rewrite observed fields of existing rows (by id); resets their miss count."""
    rows = [{f"b_{key}": value for key, value in {**_row(record), "content_hash": digest}.items()}
            for record, digest in records]  # fmt: skip
    if rows:
        await conn.execute(_UPDATE_OBSERVED, rows)


async def set_missed(conn: AsyncConnection, missed: Mapping[str, int]) -> None:
    if missed:
        await conn.execute(
            update(resources).where(resources.c.id == bindparam("b_id")).values(missed=bindparam("b_missed")),
            [{"b_id": rid, "b_missed": count} for rid, count in missed.items()],
        )


async def mark_destroying(conn: AsyncConnection, resource_id: str) -> None:
    await conn.execute(update(resources).where(resources.c.id == resource_id).values(destroying=True))


async def delete_records(conn: AsyncConnection, ids: Collection[str]) -> None:
    id_list = list(ids)
    for start in range(0, len(id_list), 500):
        await conn.execute(delete(resources).where(resources.c.id.in_(id_list[start : start + 500])))


# Match field -> column; `attrs.<key>` matches go into the attrs JSON, `account` is the core's (scopes).
_MATCH_COLUMNS = {
    "id": "id", "cloud_id": "cloud_id", "numeric_id": "numeric_id", "name": "name", "state": "state",
    "cloud_state": "cloud_state", "cloud": "cloud", "datacenter": "datacenter", "public": "public",
}  # fmt: skip
_GLOB_SPECIALS = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_", "*": "%", "?": "_"})


def _glob(conn: AsyncConnection, column: Any, pattern: str) -> ColumnElement[bool]:
    """`*` and `?` wildcards, case-sensitive on every backend (SQLite's LIKE ignores case: GLOB does not)."""
    if conn.dialect.name == "sqlite":
        return column.op("GLOB")(pattern.replace("[", "[[]"))
    return column.like(pattern.translate(_GLOB_SPECIALS), escape="\\")


def _json_values(element: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """The JSON element is one of `values`: one IN per JSON type (an OR per value grows the expression
    past SQLite's depth limit at a thousand values)."""
    by_type: dict[str, list[Any]] = {}
    for value in values:
        as_type = "boolean" if isinstance(value, bool) else "integer" if isinstance(value, int) else (
            "float" if isinstance(value, float) else "string")  # fmt: skip
        by_type.setdefault(as_type, []).append(value if as_type != "string" else str(value))
    return or_(*(getattr(element, f"as_{as_type}")().in_(group) for as_type, group in by_type.items()))


def _one_of(conn: AsyncConnection, column: Any, values: Sequence[Any], *, glob: bool) -> ColumnElement[bool]:
    """`column` equals one of `values`, or matches one of them as a pattern when `glob` (exact values
    among them still go into one IN)."""
    patterns = [str(v) for v in values if glob and ("*" in str(v) or "?" in str(v))]
    exact = [v for v in values if not (glob and ("*" in str(v) or "?" in str(v)))]
    return or_(*([column.in_(exact)] if exact else []), *(_glob(conn, column, p) for p in patterns))


def _match(conn: AsyncConnection, match: Match) -> ColumnElement[bool]:
    if not match.values:
        return false()
    if match.field.startswith("attrs."):
        element = resources.c.attrs[match.field[len("attrs.") :]]
        if match.glob:
            return _one_of(conn, element.as_string(), [str(v) for v in match.values], glob=True)
        return _json_values(element, match.values)
    return _one_of(conn, resources.c[_MATCH_COLUMNS[match.field]], match.values, glob=match.glob)


def _tag(conn: AsyncConnection, tag: TagMatch) -> ColumnElement[bool]:
    element = resources.c.tags[tag.key].as_string()
    if not tag.values:
        return element.is_not(None)
    return _one_of(conn, element, tag.values, glob=True)


def _after(order: Sequence[SortKey], after: Sequence[Any]) -> ColumnElement[bool]:
    """Rows past `after` (the sort values of the last row seen) in `order`: a keyset condition
    spelled out per key, so mixed directions work on every backend."""
    alternatives = []
    for at, key in enumerate(order):
        column = resources.c[key.field]
        equal = [resources.c[k.field] == after[i] for i, k in enumerate(order[:at])]
        beyond = column < after[at] if key.descending else column > after[at]
        alternatives.append(and_(*equal, beyond))
    return or_(*alternatives)


def _conditions(
    conn: AsyncConnection, query: ResourceQuery, scopes: Collection[str] | None
) -> list[ColumnElement[bool]] | None:
    """The WHERE of a query; None when no scope is visible (nothing can match)."""
    conditions: list[ColumnElement[bool]] = []
    if query.kind is not None:
        conditions.append(resources.c.kind == query.kind.value)
    if scopes is not None:
        if not scopes:
            return None
        conditions.append(resources.c.scope.in_(list(scopes)))
    conditions += [_match(conn, m) for m in query.matches if m.field != "account"]
    conditions += [_tag(conn, t) for t in query.tags]
    return conditions


def _page(
    conn: AsyncConnection, columns: Sequence[Any], query: ResourceQuery, scopes: Collection[str] | None,
    after: Sequence[Any] | None, limit: int,
) -> Select | None:  # fmt: skip
    """The statement of one page in the query's order; None when nothing can match."""
    conditions = _conditions(conn, query, scopes)
    if conditions is None:
        return None
    order = query.order
    if after is not None:
        conditions.append(_after(order, after))
    ordering = [resources.c[k.field].desc() if k.descending else resources.c[k.field].asc() for k in order]
    statement = select(*columns).where(and_(true(), *conditions)).order_by(*ordering).limit(limit)
    if query.offset:
        statement = statement.offset(query.offset)
    return statement


async def query(
    conn: AsyncConnection, query: ResourceQuery, *, scopes: Collection[str] | None,
    after: Sequence[Any] | None = None, limit: int | None = None,
) -> list[ResourceRecord]:  # fmt: skip
    """A page of records in the query's order (`limit` rows, default the query's); `scopes` None means
    every scope; `after` the sort values (the id last) of the row the page follows."""
    statement = _page(conn, _RECORD_SELECT, query, scopes, after, limit or query.limit)
    return [] if statement is None else [record_from_row(row) for row in (await conn.execute(statement)).all()]


async def query_documents(
    conn: AsyncConnection, query: ResourceQuery, *, scopes: Collection[str] | None,
    after: Sequence[Any] | None = None, limit: int | None = None,
) -> list[tuple[tuple[Any, ...], str]]:  # fmt: skip
    """The same page as `query`, as (sort values with the id last, the record's JSON document)."""
    keys = [resources.c[k.field] for k in query.order]
    statement = _page(conn, [*keys, resources.c.document], query, scopes, after, limit or query.limit)
    if statement is None:
        return []
    return [(tuple(row[:-1]), row[-1]) for row in (await conn.execute(statement)).all()]


async def count(conn: AsyncConnection, query: ResourceQuery, *, scopes: Collection[str] | None) -> int:
    """How many records the query matches over all its pages."""
    conditions = _conditions(conn, query, scopes)
    if conditions is None:
        return 0
    statement = select(func.count()).select_from(resources).where(and_(true(), *conditions))
    return (await conn.execute(statement)).scalar_one()


async def count_by_kind_and_state(
    conn: AsyncConnection, *, scopes: Collection[str] | None
) -> dict[tuple[str, str], int]:
    """How many records of each (kind, state) `scopes` hold (None: every scope), in one grouped read."""
    if scopes is not None and not scopes:
        return {}
    statement = select(resources.c.kind, resources.c.state, func.count()).group_by(resources.c.kind, resources.c.state)
    if scopes is not None:
        statement = statement.where(resources.c.scope.in_(list(scopes)))
    return {(kind, state): n for kind, state, n in (await conn.execute(statement)).all()}


async def sort_values(conn: AsyncConnection, resource_id: str, order: Sequence[SortKey]) -> tuple[Any, ...] | None:
    """The sort values of one row (a marker), or None when it is not stored."""
    row = (
        await conn.execute(select(*(resources.c[k.field] for k in order)).where(resources.c.id == resource_id))
    ).first()
    return tuple(row) if row else None


async def all_records(conn: AsyncConnection) -> list[ResourceRecord]:
    """Every stored record ordered by id (for resync checks and tests)."""
    return [record_from_row(row) for row in await conn.execute(select(*_RECORD_SELECT).order_by(resources.c.id))]


async def wipe(conn: AsyncConnection, scopes: Collection[str] | None = None) -> int:
    """Forget the resource state of `scopes`, every scope with None (not accounts, clients or aliases):
    a resync rebuilds it."""
    statement = delete(resources) if scopes is None else delete(resources).where(resources.c.scope.in_(list(scopes)))
    result = await conn.execute(statement)
    return result.rowcount or 0
