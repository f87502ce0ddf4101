"""Mutations as operations (async jobs): validate, record intent, call the driver, follow until settled."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError

from cloudgate.connections import AccountRef, DriverPool
from cloudgate.core.access import visibility, visible_account
from cloudgate.core.auth import Principal
from cloudgate.drivers.base import Driver
from cloudgate.errors import (
    CloudgateError, Interrupted, InvalidRequest, NotFound, OperationFailed, OperationTimeout,
)  # fmt: skip
from cloudgate.events.hub import EventHub
from cloudgate.model import INITIAL_STATE, SETTLED_STATES, Kind, ResourceRecord, kind_of_id, new_gateway_id
from cloudgate.poller.diff import changed_fields
from cloudgate.poller.scheduler import Poller
from cloudgate.sealing import Sealer
from cloudgate.settings import Settings
from cloudgate.store import Store, outbox
from cloudgate.store import operations as op_rows
from cloudgate.store import resources as rows
from cloudgate.store.operations import OperationRow
from cloudgate.store.outbox import EventDraft

log = logging.getLogger("cloudgate.operations")

# Spec and parameter fields that name another resource: a gateway id there is turned into the cloud's id.
REFERENCE_FIELDS: dict[str, Kind] = {
    "flavor": Kind.FLAVOR,
    "image": Kind.IMAGE,
    "datacenter": Kind.DATACENTER,
    "volume": Kind.VOLUME,
    "instance": Kind.INSTANCE,
    "snapshot": Kind.SNAPSHOT,
    "subnet": Kind.SUBNET,
    "keypair": Kind.KEYPAIR,
    "security_groups": Kind.SECURITY_GROUP,
}

# The states an action is done in; other operations settle on any SETTLED_STATES of the kind.
ACTION_TARGETS: dict[tuple[Kind, str], frozenset[str]] = {
    (Kind.INSTANCE, "start"): frozenset({"running"}),
    (Kind.INSTANCE, "stop"): frozenset({"stopped"}),
    (Kind.INSTANCE, "reboot"): frozenset({"running"}),
    (Kind.VOLUME, "attach"): frozenset({"in_use"}),
    (Kind.VOLUME, "detach"): frozenset({"available"}),
}
GONE_STATES = frozenset({"deleted", "terminated"})


class Operations:
    def __init__(self, store: Store, pool: DriverPool, poller: Poller, hub: EventHub, sealer: Sealer, settings: Settings):
        self._store = store
        self._pool = pool
        self._poller = poller
        self._hub = hub
        self._sealer = sealer
        self._settings = settings
        self._tasks: set[asyncio.Task] = set()

    # -- reading ---------------------------------------------------------------------------

    async def get(self, principal: Principal, operation_id: str) -> dict[str, Any]:
        async with self._store.read() as conn:
            row = await op_rows.get_operation(conn, operation_id)
            if row is None or not (principal.is_admin or row.client_id == principal.client_id):
                raise NotFound(f"operation {operation_id} not found")
        view = row.to_dict()
        if row.result and "sealed" in row.result:  # secrets the cloud returned once (a generated private key)
            view["result"] = {**{k: v for k, v in row.result.items() if k != "sealed"},
                              **self._sealer.open(row.result["sealed"].encode())}  # fmt: skip
        return view

    # -- requests --------------------------------------------------------------------------

    async def create(
        self, principal: Principal, kind: Kind, spec: Mapping[str, Any], idempotency_key: str | None = None
    ) -> tuple[ResourceRecord, dict[str, Any]]:
        """Record the new resource (pending, with its pre-assigned id) and start creating it."""
        if idempotency_key is not None:
            replay = await self._replay(principal, idempotency_key)
            if replay is not None:
                return replay
        account_id = spec.get("account")
        if not isinstance(account_id, str):
            raise InvalidRequest("'account' (the account id) is required", details={"field": "account"})
        driver, ref = await self._account_driver(principal, account_id)
        driver.capabilities.require(kind, "create")
        fields = {k: v for k, v in spec.items() if k != "account"}
        missing = sorted(set(driver.create_fields.get(kind, ())) - fields.keys())
        if missing:
            raise InvalidRequest(f"missing field(s) for {kind.value}: {', '.join(missing)}", details={"fields": missing})
        name = fields.get("name", "")
        if not isinstance(name, str):
            raise InvalidRequest("'name' must be a string", details={"field": "name"})
        tags = fields.get("tags", {})
        if not isinstance(tags, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items()):
            raise InvalidRequest("'tags' must be an object of strings", details={"field": "tags"})
        cloud_spec = await self._resolve_references(principal, ref, fields)

        now = time.time()
        record = ResourceRecord(
            id=new_gateway_id(kind), cloud_id=None, scope=ref.scope, account_id=ref.id, cloud=ref.cloud, kind=kind,
            name=name, state=INITIAL_STATE[kind], cloud_state=None, attrs={}, cloud_attrs={}, tags=tags, public=False,
            created_at=now, updated_at=now, revision=1,
        )  # fmt: skip
        op = self._new_operation(principal, ref, kind, record.id, "create", dict(spec), idempotency_key, now)
        try:
            async with self._store.write() as conn:
                await rows.insert_records(conn, [(record, None)], protect_until=now + self._settings.consistency_grace_seconds)
                await op_rows.insert_operation(conn, op)
                last = await outbox.append(conn, [EventDraft("created", record, [])], now)
        except IntegrityError:
            replay = await self._replay(principal, idempotency_key) if idempotency_key else None
            if replay is None:
                raise
            return replay
        self._hub.published(last)
        self._launch(op, lambda: self._do_create(op, driver, ref, kind, cloud_spec, record.id))
        return record, op.to_dict()

    async def edit(
        self, principal: Principal, resource_id: str, changes: Mapping[str, Any], kind: Kind | None = None
    ) -> dict[str, Any]:
        record, driver, ref = await self._target(principal, resource_id, kind)
        if not changes:
            raise InvalidRequest("nothing to change")
        for field in changes:
            driver.capabilities.require(record.kind, "edit", field)
        cloud_changes = await self._resolve_references(principal, ref, changes)
        op = await self._record_operation(principal, ref, record, "edit", dict(changes))
        self._launch(op, lambda: self._do_edit(driver, ref, record, cloud_changes))
        return op.to_dict()

    async def destroy(self, principal: Principal, resource_id: str, kind: Kind | None = None) -> dict[str, Any]:
        record, driver, ref = await self._target(principal, resource_id, kind)
        driver.capabilities.require(record.kind, "destroy")
        op = await self._record_operation(principal, ref, record, "destroy", {})
        self._launch(op, lambda: self._do_destroy(driver, ref, record))
        return op.to_dict()

    async def act(
        self, principal: Principal, resource_id: str, action: str, params: Mapping[str, Any], kind: Kind | None = None
    ) -> dict[str, Any]:
        record, driver, ref = await self._target(principal, resource_id, kind)
        driver.capabilities.require(record.kind, "action", action)
        cloud_params = await self._resolve_references(principal, ref, params)
        op = await self._record_operation(principal, ref, record, action, dict(params))
        self._launch(op, lambda: self._do_action(driver, ref, record, action, cloud_params))
        return op.to_dict()

    # -- helpers for requests --------------------------------------------------------------

    async def _replay(self, principal: Principal, key: str) -> tuple[ResourceRecord, dict[str, Any]] | None:
        async with self._store.read() as conn:
            op = await op_rows.by_idempotency_key(conn, principal.client_id, key)
            if op is None:
                return None
            record = await rows.get(conn, op.resource_id)
        if record is None:  # the create failed and its placeholder is gone: show what it was
            record = ResourceRecord(op.resource_id, None, op.account_id, op.account_id, "", Kind(op.kind),
                                    str(op.params.get("name", "")), "error", None, {}, {}, {}, False,
                                    op.created_at, op.updated_at, 0)  # fmt: skip
        return record, op.to_dict()

    async def _account_driver(self, principal: Principal, account_id: str) -> tuple[Driver, AccountRef]:
        async with self._store.read() as conn:
            await visible_account(conn, principal, account_id)
        return await self._pool.get(account_id)

    async def _target(
        self, principal: Principal, resource_id: str, kind: Kind | None
    ) -> tuple[ResourceRecord, Driver, AccountRef]:
        """The resource to change (of `kind`, when given), if the caller may see it."""
        async with self._store.read() as conn:
            record = await rows.get(conn, resource_id)
            if record is None or (kind is not None and record.kind != kind) or not (
                await visibility(conn, principal)
            ).sees_account(record.account_id):
                raise NotFound(f"{(kind or 'resource').replace('_', ' ')} {resource_id} not found")
        if record.account_id is None:
            raise InvalidRequest("public resources belong to the cloud and cannot be changed")
        if record.cloud_id is None:
            raise InvalidRequest("the resource is still being created; retry when its create operation settled")
        driver, ref = await self._pool.get(record.account_id)
        return record, driver, ref

    async def _resolve_references(self, principal: Principal, ref: AccountRef, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Replace gateway ids in reference fields by the cloud ids of resources of the same account."""
        resolved = dict(fields)
        async with self._store.read() as conn:
            seen = await visibility(conn, principal)
            for field, kind in REFERENCE_FIELDS.items():
                value = fields.get(field)
                if isinstance(value, list):
                    resolved[field] = [await self._cloud_id(conn, seen, ref, field, kind, v) for v in value]
                elif value is not None:
                    resolved[field] = await self._cloud_id(conn, seen, ref, field, kind, value)
        return resolved

    @staticmethod
    async def _cloud_id(conn, seen, ref: AccountRef, field: str, kind: Kind, value: Any) -> Any:
        if not isinstance(value, str) or kind_of_id(value) != kind:
            return value  # the cloud's own id (or a value for the driver to judge)
        record = await rows.get(conn, value)
        if record is None or not seen.sees_scope(record.scope) or record.scope not in (ref.scope, ref.public_scope):
            raise InvalidRequest(f"{field}: {kind.value} {value} not found in this account", details={"field": field})
        if record.cloud_id is None:
            raise InvalidRequest(f"{field}: {value} is still being created", details={"field": field})
        return record.cloud_id

    def _new_operation(
        self, principal: Principal, ref: AccountRef, kind: Kind, resource_id: str, action: str,
        params: dict[str, Any], idempotency_key: str | None, now: float,
    ) -> OperationRow:  # fmt: skip
        return OperationRow(f"op-{secrets.token_hex(10)}", principal.client_id, ref.id, kind.value, resource_id,
                            action, params, "pending", None, None, idempotency_key, now, now)  # fmt: skip

    async def _record_operation(
        self, principal: Principal, ref: AccountRef, record: ResourceRecord, action: str, params: dict[str, Any]
    ) -> OperationRow:
        op = self._new_operation(principal, ref, record.kind, record.id, action, params, None, time.time())
        async with self._store.write() as conn:
            await op_rows.insert_operation(conn, op)
            if action == "destroy":
                await rows.mark_destroying(conn, record.id)
        return op

    # -- running ---------------------------------------------------------------------------

    def _launch(self, op: OperationRow, work: Callable[[], Awaitable[dict[str, Any] | None]]) -> None:
        task = asyncio.create_task(self._run(op, work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, op: OperationRow, work: Callable[[], Awaitable[dict[str, Any] | None]]) -> None:
        await self._set_state(op.id, "running")
        try:
            async with asyncio.timeout(self._settings.operation_timeout_seconds):
                result = await work()
        except TimeoutError:
            await self._set_state(op.id, "failed", error=OperationTimeout("the resource did not settle in time").to_dict())
        except CloudgateError as exc:
            await self._set_state(op.id, "failed", error=exc.to_dict())
        except Exception as exc:  # noqa: BLE001 - an operation must end, whatever broke
            log.exception("operation %s failed unexpectedly", op.id)
            await self._set_state(op.id, "failed", error=CloudgateError(f"internal error: {type(exc).__name__}").to_dict())
        else:
            await self._set_state(op.id, "succeeded", result=result)

    async def _set_state(self, operation_id: str, state: str, *, error: dict | None = None, result: dict | None = None) -> None:
        async with self._store.write() as conn:
            await op_rows.set_state(conn, operation_id, state, time.time(), error=error, result=result)

    async def _do_create(
        self, op: OperationRow, driver: Driver, ref: AccountRef, kind: Kind, spec: dict[str, Any], resource_id: str
    ) -> dict[str, Any]:
        # Under the listing lock: the poller must not see the new cloud id before its alias is stored,
        # or it would file the resource a second time under a derived id.
        async with self._poller.lock(ref.id, kind):
            try:
                seen = await driver.create(kind, spec)
            except CloudgateError:
                await self._drop_placeholder(resource_id)
                raise
            secret = seen.attrs.pop("private_key", None)
            now = time.time()
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
                last = await outbox.append(conn, [EventDraft("updated", after, changed_fields(before, after))], now)
            self._hub.published(last)
        result: dict[str, Any] = {"cloud_id": seen.cloud_id}
        if secret:
            result["sealed"] = self._sealer.seal({"private_key": secret}).decode()
        await self._settle(ref, kind, resource_id, SETTLED_STATES[kind])
        return result

    async def _drop_placeholder(self, resource_id: str) -> None:
        async with self._store.write() as conn:
            record = await rows.get(conn, resource_id)
            if record is None:
                return
            await rows.delete_records(conn, [resource_id])
            last = await outbox.append(conn, [EventDraft("deleted", dataclasses.replace(record, state="error"), ["state"])], time.time())
        self._hub.published(last)

    async def _do_edit(self, driver: Driver, ref: AccountRef, record: ResourceRecord, changes: dict[str, Any]) -> None:
        await driver.edit(record.kind, record.cloud_id, changes)
        await self._settle(ref, record.kind, record.id, SETTLED_STATES[record.kind])

    async def _do_destroy(self, driver: Driver, ref: AccountRef, record: ResourceRecord) -> None:
        try:
            await driver.destroy(record.kind, record.cloud_id)
        except NotFound:
            pass  # already gone: the poller removes it on its next listing
        await self._settle(ref, record.kind, record.id, GONE_STATES, gone_ok=True)

    async def _do_action(
        self, driver: Driver, ref: AccountRef, record: ResourceRecord, action: str, params: dict[str, Any]
    ) -> None:
        await driver.action(record.kind, record.cloud_id, action, params)
        await self._settle(ref, record.kind, record.id, ACTION_TARGETS.get((record.kind, action), SETTLED_STATES[record.kind]))

    async def _settle(
        self, ref: AccountRef, kind: Kind, resource_id: str, done: frozenset[str], *, gone_ok: bool = False
    ) -> None:
        """Targeted fast polling of (account, kind) until the resource reaches one of `done`."""
        while True:
            await self._poller.poll(ref.id, kind)
            async with self._store.read() as conn:
                record = await rows.get(conn, resource_id)
            if record is None:
                if gone_ok:
                    return
                raise OperationFailed(f"{kind.value} {resource_id} disappeared from the cloud")
            if record.state in done:
                return
            if record.state == "error":
                raise OperationFailed(f"{kind.value} {resource_id} went into error ({record.cloud_state})")
            await asyncio.sleep(self._settings.fast_poll_interval)  # the pace of targeted polling

    # -- lifecycle -------------------------------------------------------------------------

    async def recover(self) -> int:
        """After a restart: operations that were under way are failed as interrupted (their outcome
        on the cloud is unknown; the poller shows what became of the resource). Returns how many."""
        async with self._store.read() as conn:
            stale = await op_rows.unfinished(conn)
        for op in stale:
            await self._set_state(op.id, "failed", error=Interrupted("the gateway restarted while this ran").to_dict())
            if op.action == "create":
                async with self._store.read() as conn:
                    record = await rows.get(conn, op.resource_id)
                if record is not None and record.cloud_id is None:
                    await self._drop_placeholder(op.resource_id)
        return len(stale)

    async def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no operation runs, at most `timeout` seconds; True if none does."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout)
        return not self._tasks

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
