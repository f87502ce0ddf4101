"""Reads, served from the store only: filtered, cursor-paginated, limited to what the caller may see."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

import orjson

from cloudgate.connections import AccountRef
from cloudgate.core.access import visibility
from cloudgate.core.auth import Principal
from cloudgate.errors import InvalidRequest, NotFound
from cloudgate.model import Kind, ResourceRecord
from cloudgate.store import Store
from cloudgate.store import resources as rows
from cloudgate.store.accounts import get_account

MAX_PAGE = 1000
T = TypeVar("T")


def encode_cursor(kind: Kind, after: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps({"k": kind.value, "a": after})).decode().rstrip("=")


def decode_cursor(kind: Kind, cursor: str) -> str:
    try:
        body = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if body["k"] != kind.value or not isinstance(body["a"], str):
            raise ValueError
        return body["a"]
    except (ValueError, KeyError, TypeError, binascii.Error, orjson.JSONDecodeError) as exc:
        raise InvalidRequest("invalid pagination cursor", details={"field": "cursor"}) from exc


class Resources:
    def __init__(self, store: Store):
        self._store = store

    async def list(
        self, principal: Principal, kind: Kind, *, filters: Mapping[str, str] | None = None,
        cursor: str | None = None, limit: int = 100,
    ) -> tuple[list[ResourceRecord], str | None]:  # fmt: skip
        """One page and the cursor of the next (None at the end)."""
        page = await self._page(rows.query, principal, kind, filters, cursor, limit)
        return page[:limit], encode_cursor(kind, page[limit - 1].id) if len(page) > limit else None

    async def list_documents(
        self, principal: Principal, kind: Kind, *, filters: Mapping[str, str] | None = None,
        cursor: str | None = None, limit: int = 100,
    ) -> tuple[list[str], str | None]:  # fmt: skip
        """`list` as the records' JSON documents, the form the API serves a page in."""
        page = await self._page(rows.query_documents, principal, kind, filters, cursor, limit)
        documents = [document for _id, document in page[:limit]]
        return documents, encode_cursor(kind, page[limit - 1][0]) if len(page) > limit else None

    async def _page(
        self, query: Callable[..., Awaitable[list[T]]], principal: Principal, kind: Kind,
        filters: Mapping[str, str] | None, cursor: str | None, limit: int,
    ) -> list[T]:  # fmt: skip
        """Up to `limit` + 1 rows by `query`: the one past the page says another page follows."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidRequest(f"limit must be between 1 and {MAX_PAGE}", details={"field": "limit"})
        unknown = set(filters or {}) - rows.FILTERS
        if unknown:
            raise InvalidRequest(f"unknown filter(s): {', '.join(sorted(unknown))}", details={"field": "filters"})
        after = decode_cursor(kind, cursor) if cursor else None
        filters = dict(filters or {})
        account_id = filters.pop("account", None)
        async with self._store.read() as conn:
            seen = await visibility(conn, principal)
            scopes = seen.scopes
            if account_id is not None:
                # What the account can use: its own resources and those its endpoint publishes.
                account = await get_account(conn, account_id) if seen.sees_account(account_id) else None
                usable = {account.id, AccountRef.of(account).public_scope} if account else set()
                scopes = usable if scopes is None else usable & scopes
            return await query(conn, kind=kind, scopes=scopes, filters=filters, after=after, limit=limit + 1)

    async def get(self, principal: Principal, resource_id: str, kind: Kind | None = None) -> ResourceRecord:
        async with self._store.read() as conn:
            record = await rows.get(conn, resource_id)
            if record is not None and await self._shows(conn, principal, record.kind, record.scope, kind):
                return record
        raise _not_found(resource_id, kind)

    async def get_document(self, principal: Principal, resource_id: str, kind: Kind | None = None) -> str:
        """`get` as the record's JSON document, the form the API serves it in."""
        async with self._store.read() as conn:
            found = await rows.get_document(conn, resource_id)
            if found is not None and await self._shows(conn, principal, *found[:2], kind):
                return found[2]
        raise _not_found(resource_id, kind)

    @staticmethod
    async def _shows(conn, principal: Principal, kind: Kind, scope: str, wanted: Kind | None) -> bool:
        return (wanted is None or kind == wanted) and (await visibility(conn, principal)).sees_scope(scope)


def _not_found(resource_id: str, kind: Kind | None) -> NotFound:
    return NotFound(f"{(kind or 'resource').replace('_', ' ')} {resource_id} not found")
