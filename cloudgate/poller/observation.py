"""The one door between the core's operations and observed state.

The poller's package is the only writer of resource rows and their events. The core records
intent through this port (a create's placeholder under its pre-assigned id, a destroy's mark, the
resources an account's removal takes with it), hands it the driver call that names a new resource,
and asks for observation (a targeted refresh); it never takes the poller's locks or writes a
resource row itself. Methods that take a connection write inside the caller's transaction, so an
operation row and the intent it records commit together.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from cloudgate.connections import AccountRef
from cloudgate.errors import OperationFailed
from cloudgate.events.hub import EventHub
from cloudgate.model import CloudResource, Kind, ResourceRecord, changed_fields
from cloudgate.poller.scheduler import Poller, PollResult
from cloudgate.store import Store, outbox
from cloudgate.store import resources as rows
from cloudgate.store.outbox import EventDraft


class Observation:
    def __init__(self, store: Store, poller: Poller, hub: EventHub):
        self._store = store
        self._poller = poller
        self._hub = hub

    # -- intent, written in the caller's transaction ---------------------------------------------

    @staticmethod
    async def expect(
        conn: AsyncConnection, record: ResourceRecord, *, protect_until: float, cause: dict[str, Any] | None = None
    ) -> int | None:
        """Record a resource the gateway is about to create (no cloud id yet) and its `created`
        event (naming its `cause`, the operation); the poller does not delete it for absence before
        `protect_until`. The event's seq."""
        await rows.insert_records(conn, [(record, None)], protect_until=protect_until)
        return await outbox.append(conn, [EventDraft("created", record, [], cause)], record.created_at)

    @staticmethod
    async def destroying(conn: AsyncConnection, resource_id: str) -> None:
        """The gateway asked the cloud to destroy it: the first listing that lacks it deletes it."""
        await rows.mark_destroying(conn, resource_id)

    @staticmethod
    async def withdraw(conn: AsyncConnection, scope: str, now: float) -> int | None:
        """Remove every resource of a scope (an account that is removed), each with a `deleted` event."""
        doomed = await rows.query(conn, rows.EVERYTHING, scopes=[scope], limit=2**62)
        last = await outbox.append(conn, [EventDraft("deleted", record, []) for record in doomed], now)
        await rows.delete_records(conn, [record.id for record in doomed])
        return last

    def published(self, seq: int | None) -> None:
        """Wake event readers after the caller's transaction committed events up to `seq`."""
        self._hub.published(seq)

    # -- creating ---------------------------------------------------------------------------------

    async def name(
        self, ref: AccountRef, kind: Kind, resource_id: str, create: Callable[[], Awaitable[CloudResource]]
    ) -> CloudResource:
        """Run `create` (the driver call) and record the cloud id it returns on the placeholder, with
        its alias and an `updated` event. Both happen under the listing lock of (account, kind): a
        poll must not see the new cloud id before its alias is stored, or it would file the resource
        a second time under a derived id. When `create` fails, the caller `abandon`s the placeholder."""
        async with self._poller.lock(ref.id, kind):
            seen = await create()
            now = time.time()
            try:
                async with self._store.write() as conn:
                    before = await rows.get(conn, resource_id)
                    if before is None:
                        raise OperationFailed("the resource record vanished while it was being created")
                    after = dataclasses.replace(
                        before, cloud_id=seen.cloud_id, name=seen.name or before.name, state=seen.state,
                        cloud_state=seen.cloud_state, attrs=seen.attrs, cloud_attrs=seen.cloud_attrs,
                        tags=seen.tags or before.tags, updated_at=now, revision=before.revision + 1,
                    )  # fmt: skip
                    await rows.update_records(conn, [(after, None)])
                    await rows.add_alias(conn, ref.scope, kind, seen.cloud_id, resource_id)
                    drafts = [EventDraft("updated", after, changed_fields(before, after))]
                    last = await outbox.append(conn, drafts, now)
            except IntegrityError as exc:  # the store already files that cloud id: out of step with the cloud
                raise OperationFailed(
                    f"the cloud named the new {kind.value} {seen.cloud_id}, which the gateway already files under "
                    "another id: resync the account (cloudgate resync --account …)",
                    details={"cloud_id": seen.cloud_id},
                ) from exc
        self._hub.published(last)
        return seen

    async def abandon(self, resource_id: str) -> None:
        """Drop a create's placeholder that never reached the cloud, with a `deleted` event (state error)."""
        async with self._store.write() as conn:
            record = await rows.get(conn, resource_id)
            if record is None or record.cloud_id is not None:
                return
            await rows.delete_records(conn, [resource_id])
            failed = dataclasses.replace(record, state="error")
            last = await outbox.append(conn, [EventDraft("deleted", failed, ["state"])], time.time())
        self._hub.published(last)

    # -- observing --------------------------------------------------------------------------------

    async def refresh(self, account_id: str, kind: Kind) -> PollResult:
        """List (account, kind) now and apply it: the listing starts after the call, so it shows what the
        caller changed before."""
        return await self._poller.poll(account_id, kind, fresh=True)

    async def watch(self, account_id: str) -> None:
        """Start polling a newly registered account."""
        await self._poller.watch(account_id)

    def forget(self, account_id: str) -> None:
        """Stop polling a removed account."""
        self._poller.forget(account_id)

    async def forget_resources(self, scopes: list[str] | None) -> None:
        """Drop the stored resources of `scopes` (every one with None), without events, before they are
        listed again (a rebuild). Ids come back the same: derived from cloud ids, or kept aliases."""
        async with self._store.write() as conn:
            await rows.wipe(conn, scopes)

    async def stored(self, scopes: list[str] | None) -> int:
        """How many resources the store holds in `scopes` (every one with None)."""
        async with self._store.read() as conn:
            return await rows.count(conn, rows.EVERYTHING, scopes=scopes)
