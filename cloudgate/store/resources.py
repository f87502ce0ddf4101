"""Resource rows: the poller's index and bulk writes, and the reads the core serves."""

from __future__ import annotations

import hashlib

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudgate.model import Kind, ResourceRecord
from cloudgate.store.schema import resource_aliases, resources

_RECORD_COLUMNS = (
    "id", "cloud_id", "scope", "account_id", "cloud", "kind", "name", "state", "cloud_state",
    "attrs", "cloud_attrs", "tags", "public", "created_at", "updated_at", "revision",
)  # fmt: skip
_RECORD_SELECT = [resources.c[name] for name in _RECORD_COLUMNS]


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
    return ResourceRecord(*row[:_KIND_AT], _KINDS[row[_KIND_AT]], *row[_KIND_AT + 1:])


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
    }


async def lock_scope(conn: AsyncConnection, scope: str, kind: Kind) -> None:
    """Serialize writers of one (scope, kind) until the transaction ends. Two accounts on one
    endpoint diff the same public scope; without this both could insert the same new rows.
    SQLite needs nothing: its single writer already serializes transactions."""
    if conn.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.blake2b(f"{scope}\x1f{kind.value}".encode(), digest_size=8).digest(), "big", signed=True)
        await conn.execute(select(func.pg_advisory_xact_lock(key)))


async def index(conn: AsyncConnection, scope: str, kind: Kind) -> dict[str, IndexEntry]:
    """Stored rows of (scope, kind) that the cloud has named, by cloud id."""
    query = select(
        resources.c.cloud_id, resources.c.id, resources.c.content_hash, resources.c.missed,
        resources.c.protect_until, resources.c.destroying,
    ).where(resources.c.scope == scope, resources.c.kind == kind.value, resources.c.cloud_id.is_not(None))  # fmt: skip
    result = await conn.execute(query)
    return {row[0]: IndexEntry(row[1], row[2], row[3], row[4], bool(row[5])) for row in result}


async def aliases(conn: AsyncConnection, scope: str, kind: Kind) -> dict[str, str]:
    """Pre-assigned gateway ids of resources the gateway created, by cloud id."""
    query = select(resource_aliases.c.cloud_id, resource_aliases.c.resource_id).where(
        resource_aliases.c.scope == scope, resource_aliases.c.kind == kind.value
    )
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


def _page(
    columns: Sequence[Any], *, kind: Kind | None, scopes: Collection[str] | None, filters: Mapping[str, str] | None,
    after: str | None, limit: int,
) -> Select | None:  # fmt: skip
    """The statement of a page ordered by id; None when no scope is visible (an empty page)."""
    conditions = []
    if kind is not None:
        conditions.append(resources.c.kind == kind.value)
    if scopes is not None:
        if not scopes:
            return None
        conditions.append(resources.c.scope.in_(list(scopes)))
    if after is not None:
        conditions.append(resources.c.id > after)
    for key, value in (filters or {}).items():
        if key == "tag":
            tag_key, _, tag_value = value.partition("=")
            conditions.append(resources.c.tags[tag_key].as_string() == tag_value)
        else:
            conditions.append(resources.c[_FILTER_COLUMNS[key]] == value)
    return select(*columns).where(and_(*conditions)).order_by(resources.c.id).limit(limit)


async def query(
    conn: AsyncConnection, *, kind: Kind | None, scopes: Collection[str] | None,
    filters: Mapping[str, str] | None = None, after: str | None = None, limit: int = 100,
) -> list[ResourceRecord]:  # fmt: skip
    """A page of records ordered by id; `scopes` None means every scope."""
    statement = _page(_RECORD_SELECT, kind=kind, scopes=scopes, filters=filters, after=after, limit=limit)
    return [] if statement is None else [record_from_row(row) for row in (await conn.execute(statement)).all()]


async def query_documents(
    conn: AsyncConnection, *, kind: Kind | None, scopes: Collection[str] | None,
    filters: Mapping[str, str] | None = None, after: str | None = None, limit: int = 100,
) -> list[tuple[str, str]]:  # fmt: skip
    """The same page as `query`, as (id, the record's JSON document) pairs."""
    columns = (resources.c.id, resources.c.document)
    statement = _page(columns, kind=kind, scopes=scopes, filters=filters, after=after, limit=limit)
    return [] if statement is None else [tuple(row) for row in (await conn.execute(statement)).all()]


# Filter name in the API -> column.
_FILTER_COLUMNS = {
    "account": "account_id",
    "cloud": "cloud",
    "datacenter": "datacenter",
    "state": "state",
    "name": "name",
    "cloud_id": "cloud_id",
}
FILTERS = frozenset(_FILTER_COLUMNS) | {"tag"}


async def all_records(conn: AsyncConnection) -> list[ResourceRecord]:
    """Every stored record ordered by id (for resync checks and tests)."""
    return [record_from_row(row) for row in await conn.execute(select(*_RECORD_SELECT).order_by(resources.c.id))]


async def wipe(conn: AsyncConnection) -> int:
    """Forget all resource state (not accounts, clients or aliases): a resync rebuilds it."""
    result = await conn.execute(delete(resources))
    return result.rowcount or 0
