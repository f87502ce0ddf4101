"""Apply what the cloud shows to the store, changed rows and their events in one transaction: a complete
listing of (scope, kind) (`apply_listing`), or one resource read after a change hint (`apply_resource`)."""

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


async def apply_resource(
    conn: AsyncConnection, target: ListingTarget, cloud_id: str, seen: Hashed | None, now: float
) -> DiffStats:
    """Make one stored resource of (scope, kind) equal what its cloud shows of it now (`seen`, None: the cloud
    says it is gone), with its event. Under the same lock and aliases as a listing, so it never interleaves
    with one and a resource a gateway create is waiting for is filed under the create's id. Other resources
    are left alone: only a complete listing tells what is missing."""
    stats = DiffStats()
    await rows.lock_scope(conn, target.scope, target.kind)
    entry = (await rows.index(conn, target.scope, target.kind, cloud_id)).get(cloud_id)
    drafts: list[EventDraft] = []
    if seen is None:
        if entry is None or (entry.protect_until is not None and entry.protect_until > now and not entry.destroying):
            return stats  # nothing filed, or the gateway just created it: its cloud may not show it yet
        gone = (await rows.fetch(conn, [entry.id]))[entry.id]
        await rows.delete_records(conn, [entry.id])
        drafts.append(EventDraft("deleted", gone, []))
        stats.deleted = 1
    else:
        resource, digest = seen
        if entry is None:
            aliases = await rows.aliases(conn, target.scope, target.kind, cloud_id)
            resource_id = aliases.get(cloud_id) or gateway_id(target.scope, target.kind, cloud_id)
            record = _record(target, resource_id, resource, now, now, 1)
            await rows.insert_records(conn, [(record, digest)])
            drafts.append(EventDraft("created", record, []))
            stats.created = 1
        elif entry.content_hash != digest:
            before = (await rows.fetch(conn, [entry.id]))[entry.id]
            after = _record(target, entry.id, resource, before.created_at, now, before.revision + 1)
            fields = changed_fields(before, after)
            await rows.update_records(conn, [(after if fields else before, digest)])
            if fields:
                drafts.append(EventDraft("updated", after, fields))
                stats.updated = 1
        if entry is not None and entry.missed:
            await rows.set_missed(conn, {entry.id: 0})
    stats.last_seq = await outbox.append(conn, drafts, now) if drafts else None
    return stats
