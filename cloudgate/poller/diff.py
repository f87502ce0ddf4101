"""Apply one complete listing of (scope, kind) to the store: changed rows and their events, one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from cloudgate.model import CloudResource, Kind, ResourceRecord, changed_fields, gateway_id
from cloudgate.store import outbox
from cloudgate.store import resources as rows
from cloudgate.store.outbox import EventDraft

# Complete listings in a row that must lack a resource before it is deleted: one listing can
# miss a resource that exists (eventual consistency), two in a row are taken as the truth.
MISSES_BEFORE_DELETE = 2


@dataclass(slots=True)
class ListingTarget:
    """Where one listing's resources are stored."""

    scope: str
    account_id: str | None
    cloud: str
    kind: Kind


@dataclass(slots=True)
class DiffStats:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    last_seq: int | None = None


def _record(
    target: ListingTarget, resource_id: str, seen: CloudResource, created_at: float, now: float, revision: int
) -> ResourceRecord:
    return ResourceRecord(
        id=resource_id, cloud_id=seen.cloud_id, scope=target.scope, account_id=target.account_id,
        cloud=target.cloud, kind=target.kind, name=seen.name, state=seen.state, cloud_state=seen.cloud_state,
        attrs=seen.attrs, cloud_attrs=seen.cloud_attrs, tags=seen.tags, public=seen.public,
        created_at=created_at, updated_at=now, revision=revision,
    )  # fmt: skip


Hashed = tuple[CloudResource, str]  # a listed resource with its content hash


def hashed(listing: Sequence[CloudResource]) -> list[Hashed]:
    """Hash a listing; done before the write transaction so no other writer waits on it."""
    return [(resource, resource.content_hash()) for resource in listing]


async def apply_listing(
    conn: AsyncConnection, target: ListingTarget, listing: Sequence[Hashed], now: float
) -> DiffStats:
    """Make the stored (scope, kind) equal a complete listing, emitting one event per change."""
    stats = DiffStats()
    await rows.lock_scope(conn, target.scope, target.kind)
    index = await rows.index(conn, target.scope, target.kind)
    aliases: dict[str, str] | None = None
    inserts: list[tuple[ResourceRecord, str]] = []
    changed: dict[str, tuple[CloudResource, str]] = {}
    reset_missed: dict[str, int] = {}
    for seen, digest in listing:
        entry = index.pop(seen.cloud_id, None)
        if entry is None:
            if aliases is None:
                aliases = await rows.aliases(conn, target.scope, target.kind)
            resource_id = aliases.get(seen.cloud_id) or gateway_id(target.scope, target.kind, seen.cloud_id)
            inserts.append((_record(target, resource_id, seen, now, now, 1), digest))
        elif entry.content_hash != digest:
            changed[entry.id] = (seen, digest)
        elif entry.missed:
            reset_missed[entry.id] = 0

    doomed: list[str] = []
    missed: dict[str, int] = {}
    for entry in index.values():  # what the listing lacked
        if entry.destroying:
            doomed.append(entry.id)
        elif entry.protect_until is not None and entry.protect_until > now:
            continue  # the gateway just created it: the cloud may not list it yet
        elif entry.missed + 1 >= MISSES_BEFORE_DELETE:
            doomed.append(entry.id)
        else:
            missed[entry.id] = entry.missed + 1

    old = await rows.fetch(conn, [*changed, *doomed]) if changed or doomed else {}
    drafts: list[EventDraft] = [EventDraft("created", record, []) for record, _ in inserts]
    updates: list[tuple[ResourceRecord, str]] = []
    for resource_id, (seen, digest) in changed.items():
        before = old[resource_id]
        after = _record(target, resource_id, seen, before.created_at, now, before.revision + 1)
        fields = changed_fields(before, after)
        if fields:
            updates.append((after, digest))
            drafts.append(EventDraft("updated", after, fields))
            stats.updated += 1
        else:  # same content under a different digest (a placeholder now seen): store the digest quietly
            updates.append((before, digest))
    for resource_id in doomed:
        drafts.append(EventDraft("deleted", old[resource_id], []))

    await rows.insert_records(conn, inserts)
    await rows.update_records(conn, updates)
    await rows.delete_records(conn, doomed)
    await rows.set_missed(conn, {**reset_missed, **missed})
    stats.last_seq = await outbox.append(conn, drafts, now)
    stats.created, stats.deleted = len(inserts), len(doomed)
    return stats
