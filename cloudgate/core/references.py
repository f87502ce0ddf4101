"""Reference fields of a request (a flavor, an image, a volume to attach): the resource each names, by
gateway id, the cloud's own id or its name, turned into the cloud id the driver needs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from cloudgate.connections import AccountRef
from cloudgate.core.access import Visibility
from cloudgate.errors import InvalidRequest
from cloudgate.fields import GENERIC_FIELDS
from cloudgate.model import Kind, ResourceRecord, kind_of_id
from cloudgate.query import Match, ResourceQuery
from cloudgate.store import resources as rows

# Fields that name another resource, from the field declarations: {"flavor": Kind.FLAVOR, …}.
REFERENCE_FIELDS: dict[str, Kind] = {name: spec.reference for name, spec in GENERIC_FIELDS.items() if spec.reference}


async def resolve(
    conn: AsyncConnection, seen: Visibility, ref: AccountRef, fields: Mapping[str, Any]
) -> dict[str, Any]:
    """`fields` with each reference replaced by the cloud id of the resource it names, which must be
    usable by the account (its own, or its endpoint's public one); InvalidRequest naming the field else."""
    resolved = dict(fields)
    for field, kind in REFERENCE_FIELDS.items():
        value = fields.get(field)
        if isinstance(value, list):
            resolved[field] = [await _cloud_id(conn, seen, ref, field, kind, item) for item in value]
        elif value is not None:
            resolved[field] = await _cloud_id(conn, seen, ref, field, kind, value)
    return resolved


async def _cloud_id(
    conn: AsyncConnection, seen: Visibility, ref: AccountRef, field: str, kind: Kind, value: Any
) -> Any:
    if not isinstance(value, str) or not value:
        raise InvalidRequest(f"{field} must name a {kind.value.replace('_', ' ')}", details={"field": field})
    usable = [scope for scope in (ref.scope, ref.public_scope) if seen.sees_scope(scope)]
    record = await _named(conn, usable, field, kind, value)
    if record.cloud_id is None:
        raise InvalidRequest(f"{field}: {record.id} is still being created", details={"field": field})
    return record.cloud_id


async def _named(conn: AsyncConnection, scopes: list[str], field: str, kind: Kind, value: str) -> ResourceRecord:
    """The record `value` names in `scopes`: a gateway id, else a cloud id, else a unique name."""
    noun = kind.value.replace("_", " ")
    if kind_of_id(value) == kind:
        record = await rows.get(conn, value)
        if record is None or record.scope not in scopes:
            raise InvalidRequest(f"{field}: {noun} {value} not found in this account", details={"field": field})
        return record
    for match in (Match("cloud_id", (value,)), Match("name", (value,))):
        found = await rows.query(conn, ResourceQuery(kind=kind, matches=(match,), limit=2), scopes=scopes)
        if len(found) == 1:
            return found[0]
        if found:
            raise InvalidRequest(
                f"{field}: more than one {noun} is named {value!r} in this account; give its id",
                details={"field": field, "candidates": [r.id for r in found]},
            )
    raise InvalidRequest(f"{field}: no {noun} {value!r} in this account", details={"field": field})
