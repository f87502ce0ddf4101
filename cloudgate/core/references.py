"""Reference fields of a request (a flavor, an image, a volume to attach): the resource each names, by
gateway id, the cloud's own id or its name, turned into the cloud id the driver needs. Under a scope a
reference is looked up in the account its service names; one that lives in another cloud than the
resource being made is either carried over (an image replicated, a key pair imported: `Foreign`) or
refused, saying why and what would work."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from cloudgate.connections import AccountRef
from cloudgate.core.access import Visibility
from cloudgate.core.caller import Caller
from cloudgate.errors import CrossCloudReference, InvalidRequest, InvalidScope
from cloudgate.fields import GENERIC_FIELDS
from cloudgate.model import SERVICE_OF, Kind, ResourceRecord, kind_of_id
from cloudgate.query import Match, ResourceQuery
from cloudgate.store import accounts as account_rows
from cloudgate.store import resources as rows

# Fields that name another resource, from the field declarations: {"flavor": Kind.FLAVOR, …}.
REFERENCE_FIELDS: dict[str, Kind] = {name: spec.reference for name, spec in GENERIC_FIELDS.items() if spec.reference}

# Kinds a create can take from another cloud: the operation carries them over first.
CARRIED = frozenset({Kind.IMAGE, Kind.KEYPAIR})
# Why the others cannot cross clouds.
STAYS_HOME: dict[Kind, str] = {
    Kind.VOLUME: "a volume attaches only to machines of its own cloud",
    Kind.SNAPSHOT: "a snapshot restores only in its own cloud",
    Kind.SUBNET: "a network does not reach across clouds",
    Kind.SECURITY_GROUP: "a security group filters only its own cloud's network",
    Kind.INSTANCE: "an instance is used only by resources of its own cloud",
    Kind.FLAVOR: "a flavor sizes only its own cloud's machines",
    Kind.DATACENTER: "a datacenter places only its own cloud's resources",
}


@dataclass(frozen=True, slots=True)
class Foreign:
    """A reference to a resource of another account's cloud, to carry over before the create."""

    field: str
    record: ResourceRecord
    account_id: str  # the account it lives in


@dataclass(frozen=True, slots=True)
class Resolved:
    fields: dict[str, Any]  # references as cloud ids (a foreign one keeps what the caller gave until carried)
    foreign: tuple[Foreign, ...] = ()


async def resolve(
    conn: AsyncConnection, caller: Caller, seen: Visibility, ref: AccountRef, fields: Mapping[str, Any]
) -> Resolved:
    """`fields` with each reference replaced by the cloud id of the resource it names, which must be
    usable by the account (its own, or its endpoint's public one; under a scope, the named account's);
    InvalidRequest naming the field else."""
    resolved = dict(fields)
    foreign: list[Foreign] = []
    for field, kind in REFERENCE_FIELDS.items():
        value = fields.get(field)
        if value is None:
            continue
        home = caller.scope.get(SERVICE_OF[kind])
        if home is not None and home != ref.id:
            if isinstance(value, list):
                raise _refused(field, kind, str(value), home, ref)
            record = await _abroad(conn, seen, ref, home, field, kind, value)
            if isinstance(record, str):  # the endpoint's public resource: usable as it is
                resolved[field] = record
                continue
            if kind not in CARRIED:
                raise _refused(field, kind, value, home, ref)
            foreign.append(Foreign(field, record, home))
        elif isinstance(value, list):
            resolved[field] = [await _cloud_id(conn, seen, ref, field, kind, item) for item in value]
        else:
            resolved[field] = await _cloud_id(conn, seen, ref, field, kind, value)
    return Resolved(resolved, tuple(foreign))


async def _abroad(
    conn: AsyncConnection, seen: Visibility, ref: AccountRef, home: str, field: str, kind: Kind, value: Any
) -> ResourceRecord | str:
    """What `value` names in the account `home` (bound by the scope): its record, or the cloud id of a public
    resource that the target account's endpoint publishes as well."""
    if not isinstance(value, str) or not value:
        raise InvalidRequest(f"{field} must name a {kind.value.replace('_', ' ')}", details={"field": field})
    if not seen.sees_account(home):  # a scope a token kept after its client lost the account
        raise InvalidScope(f"scope: {SERVICE_OF[kind]} cloud {home!r} is none of your accounts")
    row = await account_rows.get_account(conn, home)
    source = AccountRef.of(row) if row is not None else ref
    record = await _named(conn, [home, source.public_scope], field, kind, value, f"account {home}")
    if record.cloud_id is None:
        raise InvalidRequest(f"{field}: {record.id} is still being created", details={"field": field})
    if record.scope == ref.public_scope:
        return record.cloud_id
    return record


def _refused(field: str, kind: Kind, value: str, home: str, ref: AccountRef) -> CrossCloudReference:
    noun = kind.value.replace("_", " ")
    return CrossCloudReference(
        f"{field}: the {noun} {value[:100]!r} is in account {home} (the scope's {SERVICE_OF[kind]} cloud) and the "
        f"resource is made in account {ref.id}: {STAYS_HOME.get(kind, 'it cannot cross clouds')}. Name a {noun} "
        f"of account {ref.id}, or make the resource in account {home} (add it to the scope as the compute cloud).",
        details={"field": field, "account": home, "target": ref.id},
    )


async def _cloud_id(
    conn: AsyncConnection, seen: Visibility, ref: AccountRef, field: str, kind: Kind, value: Any
) -> Any:
    if not isinstance(value, str) or not value:
        raise InvalidRequest(f"{field} must name a {kind.value.replace('_', ' ')}", details={"field": field})
    usable = [scope for scope in (ref.scope, ref.public_scope) if seen.sees_scope(scope)]
    record = await _named(conn, usable, field, kind, value, "this account")
    if record.cloud_id is None:
        raise InvalidRequest(f"{field}: {record.id} is still being created", details={"field": field})
    return record.cloud_id


async def _named(
    conn: AsyncConnection, scopes: list[str], field: str, kind: Kind, value: str, where: str
) -> ResourceRecord:
    """The record `value` names in `scopes`: a gateway id, else a cloud id, else a unique name."""
    noun = kind.value.replace("_", " ")
    if kind_of_id(value) == kind:
        record = await rows.get(conn, value)
        if record is None or record.scope not in scopes:
            raise InvalidRequest(f"{field}: {noun} {value} not found in {where}", details={"field": field})
        return record
    for match in (Match("cloud_id", (value,)), Match("name", (value,))):
        found = await rows.query(conn, ResourceQuery(kind=kind, matches=(match,), limit=2), scopes=scopes)
        if len(found) == 1:
            return found[0]
        if found:
            raise InvalidRequest(
                f"{field}: more than one {noun} is named {value!r} in {where}; give its id",
                details={"field": field, "candidates": [r.id for r in found]},
            )
    raise InvalidRequest(f"{field}: no {noun} {value!r} in {where}", details={"field": field})
