"""Mutations as operations (async jobs): check the request, record intent, call the driver, follow the
resource until it settles. Intent and observation go through the poller's `Observation` port."""

from __future__ import annotations

import asyncio
import base64
import binascii
import builtins
import hashlib
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
from sqlalchemy.exc import IntegrityError

from cloudgate.connections import AccountRef, DriverPool
from cloudgate.core.access import visibility, visible_account
from cloudgate.core.caller import Caller
from cloudgate.core.references import Foreign, Resolved, resolve
from cloudgate.core.replication import Carrier
from cloudgate.drivers.base import Capabilities, Driver
from cloudgate.errors import (
    CloudgateError,
    CrossCloudReference,
    Forbidden,
    IdempotencyKeyReused,
    Interrupted,
    InvalidRequest,
    InvalidScope,
    NotFound,
    OperationFailed,
    OperationTimeout,
    Throttled,
)
from cloudgate.fields import GENERIC_FIELDS, check
from cloudgate.model import (
    INITIAL_STATE,
    SERVICE_OF,
    SETTLED_STATES,
    Kind,
    ResourceRecord,
    new_gateway_id,
    with_gateway_names,
)
from cloudgate.poller.observation import Observation
from cloudgate.query import MAX_PAGE
from cloudgate.sealing import Sealer
from cloudgate.settings import Settings
from cloudgate.store import Store
from cloudgate.store import accounts as account_rows
from cloudgate.store import operations as op_rows
from cloudgate.store import resources as rows
from cloudgate.store.operations import OperationRow

log = logging.getLogger("cloudgate.operations")
T = TypeVar("T")

# The states an action is done in; other operations settle on any SETTLED_STATES of the kind.
ACTION_TARGETS: dict[tuple[Kind, str], frozenset[str]] = {
    (Kind.INSTANCE, "start"): frozenset({"running"}),
    (Kind.INSTANCE, "stop"): frozenset({"stopped"}),
    (Kind.INSTANCE, "reboot"): frozenset({"running"}),
    (Kind.VOLUME, "attach"): frozenset({"in_use"}),
    (Kind.VOLUME, "detach"): frozenset({"available"}),
}
GONE_STATES = frozenset({"deleted", "terminated"})

# The work of an operation on an existing resource: (driver, account, record, params with cloud ids).
Change = Callable[[Driver, AccountRef, ResourceRecord, dict[str, Any]], Awaitable[None]]


RESYNC_KIND = "account"  # the kind column of an operation on accounts, not on one resource
EVERY_ACCOUNT = "*"  # the resource of a resync of every account
OPERATION_STATES = frozenset({"pending", "running", "succeeded", "failed"})


@dataclass(frozen=True, slots=True)
class Operation:
    """An operation as its client sees it: on one resource (`kind` a resource kind), or on accounts
    (`kind` "account", a resync)."""

    id: str
    account_id: str
    kind: str
    resource_id: str
    action: str  # create | edit | destroy | an action name
    state: str  # pending | running | succeeded | failed
    error: dict[str, Any] | None
    result: dict[str, Any] | None
    created_at: float
    updated_at: float
    request_id: str | None
    progress: dict[str, Any] | None = None  # {"done", "total", "unit"} of a long operation
    scope: dict[str, str] | None = None  # the bound scope of the request that started it
    params: dict[str, Any] | None = None  # what it was asked (a create's fields as given), for pages that show it

    @classmethod
    def of(cls, row: OperationRow, result: dict[str, Any] | None = None) -> Operation:
        return cls(row.id, row.account_id, row.kind, row.resource_id, row.action, row.state, row.error,
                   result if result is not None else row.result, row.created_at, row.updated_at, row.request_id,
                   row.progress, row.scope, row.params)  # fmt: skip

    @property
    def finished(self) -> bool:
        return self.state in ("succeeded", "failed")

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "account": self.account_id or None, "kind": self.kind, "resource_id": self.resource_id,
                "action": self.action, "state": self.state, "error": self.error, "result": self.result,
                "progress": self.progress, "scope": self.scope, "created_at": self.created_at,
                "updated_at": self.updated_at, "request_id": self.request_id}  # fmt: skip


@dataclass(frozen=True, slots=True)
class OperationPage:
    operations: list[Operation]
    next_cursor: str | None


def _operation_cursor(row: OperationRow) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([row.created_at, row.id])).decode().rstrip("=")


def _decode_operation_cursor(cursor: str) -> tuple[float, str]:
    try:
        at, last_id = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(at, int | float) or not isinstance(last_id, str):
            raise TypeError(cursor)
        return float(at), last_id
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError) as exc:
        raise InvalidRequest("invalid pagination cursor", details={"field": "cursor"}) from exc


def fingerprint(caller: Caller, route: str, body: Mapping[str, Any]) -> str | None:
    """What the caller's idempotency key is used for (the route and the body, as a digest); None
    without a key. The standard library serializes what nests deeper than orjson goes."""
    if caller.idempotency_key is None:
        return None
    try:
        blob = orjson.dumps(
            [route, body, caller.idempotency_subject], option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
        )
    except TypeError:
        blob = json.dumps([route, body, caller.idempotency_subject], sort_keys=True, default=str).encode()
    return hashlib.blake2b(blob, digest_size=16).hexdigest()


class Operations:
    def __init__(self, store: Store, pool: DriverPool, observation: Observation, sealer: Sealer, settings: Settings):
        self._store = store
        self._pool = pool
        self._observation = observation
        self._sealer = sealer
        self._settings = settings
        self._tasks: set[asyncio.Task[None]] = set()
        self._running: dict[str, asyncio.Task[None]] = {}  # by operation id
        self._named: dict[str, asyncio.Event] = {}  # create operations' "the cloud took it", by operation id
        self._changes = asyncio.Event()  # set (and replaced) each time this process changes an operation
        self._carrier = Carrier(store, pool, observation, self._changed)

    # -- reading ---------------------------------------------------------------------------

    async def get(self, caller: Caller, operation_id: str) -> Operation:
        async with self._store.read() as conn:
            row = await op_rows.get_operation(conn, operation_id)
        if (
            row is None
            or not (caller.is_admin or row.client_id == caller.client_id)
            or (caller.account_id not in (None, row.account_id))
        ):
            raise NotFound(f"operation {operation_id} not found")
        if row.result and "sealed" in row.result:  # secrets the cloud returned once (a generated private key)
            opened = {k: v for k, v in row.result.items() if k != "sealed"}
            return Operation.of(row, {**opened, **self._sealer.open(row.result["sealed"].encode())})
        return Operation.of(row)

    async def list(
        self, caller: Caller, *, account_id: str | None = None, states: Sequence[str] = (), limit: int = 100,
        cursor: str | None = None,
    ) -> OperationPage:  # fmt: skip
        """The caller's operations (every client's, for an admin), newest first."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidRequest(f"limit must be between 1 and {MAX_PAGE}", details={"field": "limit"})
        unknown = sorted(set(states) - OPERATION_STATES)
        if unknown:
            raise InvalidRequest(
                f"no operation state {unknown[0]!r} (states: {', '.join(sorted(OPERATION_STATES))})",
                details={"field": "state"},
            )
        account_id = account_id or caller.account_id
        async with self._store.read() as conn:
            if account_id is not None:
                await visible_account(conn, caller, account_id)
            found = await op_rows.list_operations(
                conn, client_id=None if caller.is_admin else caller.client_id, account_id=account_id,
                states=list(states), before=_decode_operation_cursor(cursor) if cursor else None, limit=limit + 1,
            )  # fmt: skip
        page = found[:limit]
        more = len(found) > limit
        return OperationPage([Operation.of(row) for row in page], _operation_cursor(page[-1]) if more else None)

    async def changed(self, caller: Caller, since: float, *, limit: int = 100) -> builtins.list[Operation]:
        """The caller's operations (every client's, for an admin) that changed after `since` (their
        `updated_at`), the oldest change first: what a live page follows."""
        async with self._store.read() as conn:
            found = await op_rows.changed_since(
                conn, client_id=None if caller.is_admin else caller.client_id, account_id=caller.account_id,
                since=since, limit=limit,
            )  # fmt: skip
        return [Operation.of(row) for row in found]

    async def next_change(self, timeout: float) -> bool:
        """Wait until this process changes an operation (its state or progress), at most `timeout` seconds;
        True if it did. Other processes' changes are seen by reading again (`changed`) after the timeout."""
        changes = self._changes
        try:
            async with asyncio.timeout(timeout):
                await changes.wait()
        except TimeoutError:
            return False
        return True

    def _changed(self) -> None:
        changes, self._changes = self._changes, asyncio.Event()
        changes.set()

    async def under_way(self, caller: Caller, records: Sequence[ResourceRecord]) -> dict[str, str]:
        """The action under way on each of the caller's `records` that has one, whoever started it (a
        front-end shows a resource being destroyed as such)."""
        async with self._store.read() as conn:
            seen = await visibility(conn, caller)
            return await op_rows.under_way(conn, [r.id for r in records if seen.sees_scope(r.scope)])

    async def destroyed(self, caller: Caller, account_id: str, kind: Kind, within: float) -> builtins.list[Operation]:
        """The destroy operations that removed resources of `kind` from the account in the last `within` seconds:
        a front-end whose cloud shows a terminated resource for a while (EC2 an hour) shows it from these."""
        async with self._store.read() as conn:
            await visible_account(conn, caller, account_id)
            rows = await op_rows.destroyed(conn, account_id, kind.value, time.time() - within)
        return [Operation.of(row) for row in rows]

    # -- requests --------------------------------------------------------------------------

    async def create(self, caller: Caller, kind: Kind, spec: Mapping[str, Any]) -> tuple[ResourceRecord, Operation]:
        """Check the request against the cloud's create fields, record the new resource (pending, with
        its pre-assigned id) and start creating it. A request repeated with the caller's idempotency
        key returns the first one's resource and operation. Under a scope the resource is made in the
        account the scope names for its kind's service, and references of other clouds are carried over
        (an image replicated, a key pair imported) as the operation's first steps."""
        digest = fingerprint(caller, f"create {kind.value}", spec)
        replay = await self._replay_create(caller, digest)
        if replay is not None:
            return replay
        account_id = _target_account(caller, kind, spec.get("account"))
        driver, ref = await self._account_driver(caller, account_id)
        driver.capabilities.require(kind, "create")
        fields = {k: v for k, v in spec.items() if k != "account"}
        check(kind, driver.create_fields.get(kind, {}), fields)
        resolved = await self._resolve(caller, ref, fields)
        for foreign in resolved.foreign:
            await self._carrier.check(foreign, driver)
        cloud_spec = resolved.fields
        resource_id = new_gateway_id(kind)
        if not fields.get("name"):  # every cloud names what it makes: an unnamed resource is named by its id
            cloud_spec["name"] = resource_id

        now = time.time()
        record = ResourceRecord(
            id=resource_id, cloud_id=None, scope=ref.scope, account_id=ref.id, cloud=ref.cloud, kind=kind,
            name=cloud_spec["name"], state=INITIAL_STATE[kind], cloud_state=None, attrs={}, cloud_attrs={},
            tags=dict(fields.get("tags") or {}), public=False, created_at=now, updated_at=now, revision=1,
        )  # fmt: skip
        op = self._new_row(caller, ref, record, "create", dict(spec), digest, now)
        try:
            async with self._store.write() as conn:
                await op_rows.insert_operation(conn, op)
                last = await self._observation.expect(
                    conn, record, protect_until=now + self._settings.consistency_grace_seconds,
                    cause={"operation": op.id, "request_id": caller.request_id, "scope": dict(caller.scope) or None},
                )  # fmt: skip
        except IntegrityError:
            replay = await self._replay_create(caller, digest)
            if replay is None:
                raise
            return replay
        self._observation.published(last)
        named = self._named[op.id] = asyncio.Event()
        # The cloud's refusal names the references by its ids: the caller gave names or gateway ids.
        aliases = {
            cloud_spec[k]: v for k, v in fields.items() if isinstance(v, str) and isinstance(cloud_spec.get(k), str)
        }
        self._launch(
            op,
            lambda: self._do_create(op.id, driver, ref, kind, cloud_spec, record.id, named, aliases, resolved.foreign),
        )
        return record, Operation.of(op)

    async def edit(
        self, caller: Caller, resource_id: str, changes: Mapping[str, Any], kind: Kind | None = None
    ) -> Operation:
        def allowed(capabilities: Capabilities, of_kind: Kind) -> None:
            if not changes:
                raise InvalidRequest("nothing to change")
            for field in changes:
                capabilities.require(of_kind, "edit", field)

        return await self._change(caller, resource_id, kind, "edit", changes, allowed, self._do_edit)

    async def destroy(self, caller: Caller, resource_id: str, kind: Kind | None = None) -> Operation:
        def allowed(capabilities: Capabilities, of_kind: Kind) -> None:
            capabilities.require(of_kind, "destroy")

        return await self._change(caller, resource_id, kind, "destroy", {}, allowed, self._do_destroy)

    async def act(
        self, caller: Caller, resource_id: str, action: str, params: Mapping[str, Any], kind: Kind | None = None
    ) -> Operation:
        def allowed(capabilities: Capabilities, of_kind: Kind) -> None:
            capabilities.require(of_kind, "action", action)

        async def work(driver: Driver, ref: AccountRef, record: ResourceRecord, cloud_params: dict[str, Any]) -> None:
            await self._do_action(driver, ref, record, action, cloud_params)

        return await self._change(caller, resource_id, kind, action, params, allowed, work)

    async def _change(
        self, caller: Caller, resource_id: str, kind: Kind | None, action: str, params: Mapping[str, Any],
        allowed: Callable[[Capabilities, Kind], None], work: Change,
    ) -> Operation:  # fmt: skip
        """An edit, a destroy or an action on an existing resource: replayed for a repeated idempotency
        key; else checked (the cloud allows it, the generic fields hold good values, the references
        resolve), recorded and started."""
        digest = fingerprint(caller, f"{action} {resource_id}", params)
        replay = await self._replay(caller, digest)
        if replay is not None:
            return replay
        record, driver, ref = await self._target(caller, resource_id, kind, action)
        allowed(driver.capabilities, record.kind)
        known = {name: GENERIC_FIELDS[name] for name in params if name in GENERIC_FIELDS}
        check(record.kind, known, {name: value for name, value in params.items() if name in known})
        resolved = await self._resolve(caller, ref, params)
        if resolved.foreign:
            crossing = resolved.foreign[0]
            raise CrossCloudReference(
                f"{crossing.field}: {crossing.record.id} is in account {crossing.account_id}, not in the account of "
                f"{record.id} ({ref.id}); a change uses only resources of its own cloud",
                details={"field": crossing.field, "account": crossing.account_id},
            )
        cloud_params = resolved.fields
        op = await self._record_operation(caller, ref, record, action, dict(params), digest)
        self._launch(op, lambda: work(driver, ref, record, cloud_params))
        return Operation.of(op)

    async def resync(self, caller: Caller, account_id: str | None = None, *, rebuild: bool = False) -> Operation:
        """List every kind of one account (every account, with None) again now, as an operation whose
        progress counts the listings: what the store lost comes back at once, not after the longest
        poll interval. `rebuild` forgets the stored resources first (ids come back the same). Admin only."""
        if not caller.is_admin:
            raise Forbidden("only an admin client can resync")
        async with self._store.read() as conn:
            if account_id is not None:
                await visible_account(conn, caller, account_id)
                account_ids = [account_id]
            else:
                account_ids = [row.id for row in await account_rows.list_accounts(conn)]
        now = time.time()
        op = OperationRow(
            f"op-{secrets.token_hex(10)}", caller.client_id, account_id or "", RESYNC_KIND,
            account_id or EVERY_ACCOUNT, "resync", {"rebuild": rebuild}, "pending", None, None, None, now, now,
            request_id=caller.request_id,
        )  # fmt: skip
        async with self._store.write() as conn:
            await op_rows.insert_operation(conn, op)
        self._launch(op, lambda: self._do_resync(op.id, account_ids, rebuild, whole=account_id is None))
        return Operation.of(op)

    async def _do_resync(
        self, operation_id: str, account_ids: builtins.list[str], rebuild: bool, *, whole: bool
    ) -> dict[str, Any]:
        pairs = [(account_id, kind) for account_id in account_ids
                 for kind in sorted((await self._pool.get(account_id))[0].capabilities.kinds)]  # fmt: skip
        if rebuild:
            await self._observation.forget_resources(None if whole else account_ids)
        failed: dict[str, Any] = {}
        for done, (account_id, kind) in enumerate(pairs, start=1):
            result = await self._observation.refresh(account_id, kind)
            if result.error is not None:
                failed[f"{account_id}/{kind.value}"] = result.error.to_dict()
            progress = {"done": done, "total": len(pairs), "unit": "listings"}
            async with self._store.write() as conn:
                await op_rows.set_progress(conn, operation_id, progress, time.time())
            self._changed()
        if failed:
            raise OperationFailed(f"{len(failed)} of {len(pairs)} listings failed", details={"failed": failed})
        return {"records": await self._observation.stored(None if whole else account_ids), "listings": len(pairs)}

    # -- helpers for requests --------------------------------------------------------------

    async def _replay(self, caller: Caller, digest: str | None) -> Operation | None:
        """The operation the caller's idempotency key started before, if it was used for this very
        request; IdempotencyKeyReused if it was used for another."""
        if caller.idempotency_key is None:
            return None
        async with self._store.read() as conn:
            op = await op_rows.by_idempotency_key(conn, caller.client_id, caller.idempotency_key)
        if op is None:
            return None
        if op.fingerprint is not None and op.fingerprint != digest:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was already used for a different request", details={"operation": op.id}
            )
        return Operation.of(op)

    async def _replay_create(self, caller: Caller, digest: str | None) -> tuple[ResourceRecord, Operation] | None:
        operation = await self._replay(caller, digest)
        if operation is None:
            return None
        async with self._store.read() as conn:
            record = await rows.get(conn, operation.resource_id)
            row = await op_rows.get_operation(conn, operation.id)
        if record is None and row is not None:  # the create failed and its placeholder is gone: show what it was
            record = ResourceRecord(row.resource_id, None, row.account_id, row.account_id, "", Kind(row.kind),
                                    str(row.params.get("name", "")), "error", None, {}, {}, {}, False,
                                    row.created_at, row.updated_at, 0)  # fmt: skip
        assert record is not None
        return record, operation

    async def _account_driver(self, caller: Caller, account_id: str) -> tuple[Driver, AccountRef]:
        async with self._store.read() as conn:
            await visible_account(conn, caller, account_id)
        return await self._pool.get(account_id)

    async def _target(
        self, caller: Caller, resource_id: str, kind: Kind | None, action: str
    ) -> tuple[ResourceRecord, Driver, AccountRef]:
        """The resource to change (of `kind`, when given), if the caller may see it. One whose create
        never reached the cloud (failed, or cut short by a restart) can only be destroyed."""
        async with self._store.read() as conn:
            record = await rows.get(conn, resource_id)
            if (
                record is None
                or (kind is not None and record.kind != kind)
                or not (await visibility(conn, caller)).sees_account(record.account_id)
            ):
                raise NotFound(f"{(kind or 'resource').replace('_', ' ')} {resource_id} not found")
            if record.account_id is None:
                raise InvalidRequest("public resources belong to the cloud and cannot be changed")
            if record.cloud_id is None and await op_rows.creating(conn, record.id) is not None:
                raise InvalidRequest("the resource is still being created; retry when its create operation settled")
        if record.cloud_id is None and action != "destroy":
            # Its create failed or was cut short before the cloud named it: all there is to do is delete it.
            raise InvalidRequest(f"{record.id} was never created on the cloud: delete it")
        driver, ref = await self._pool.get(record.account_id)
        return record, driver, ref

    async def _resolve(self, caller: Caller, ref: AccountRef, fields: Mapping[str, Any]) -> Resolved:
        async with self._store.read() as conn:
            return await resolve(conn, caller, await visibility(conn, caller), ref, fields)

    @staticmethod
    def _new_row(
        caller: Caller, ref: AccountRef, record: ResourceRecord, action: str, params: dict[str, Any],
        digest: str | None, now: float,
    ) -> OperationRow:  # fmt: skip
        return OperationRow(
            f"op-{secrets.token_hex(10)}", caller.client_id, ref.id, record.kind.value, record.id, action, params,
            "pending", None, None, caller.idempotency_key, now, now, request_id=caller.request_id,
            scope=dict(caller.scope) or None, fingerprint=digest,
        )  # fmt: skip

    async def _record_operation(
        self, caller: Caller, ref: AccountRef, record: ResourceRecord, action: str, params: dict[str, Any],
        digest: str | None,
    ) -> OperationRow:  # fmt: skip
        op = self._new_row(caller, ref, record, action, params, digest, time.time())
        async with self._store.write() as conn:
            await op_rows.insert_operation(conn, op)
            if action == "destroy":
                await self._observation.destroying(conn, record.id)
        return op

    # -- running ---------------------------------------------------------------------------

    def _launch(self, op: OperationRow, work: Callable[[], Awaitable[dict[str, Any] | None]]) -> None:
        task = asyncio.create_task(self._run(op, work))
        self._tasks.add(task)
        self._running[op.id] = task
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda _task: self._running.pop(op.id, None))
        task.add_done_callback(lambda _task: self._named.pop(op.id, None))

    async def wait(self, caller: Caller, operation_id: str, timeout: float) -> Operation:
        """The operation once it finished, or as it stands after `timeout` seconds (for front-ends whose
        API answers some changes only when they are done: a generated key pair's private key, a rule)."""
        task = self._running.get(operation_id)
        if task is not None:
            await asyncio.wait({task}, timeout=timeout)
            return await self.get(caller, operation_id)
        # Started by another process: follow it in the store.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (operation := await self.get(caller, operation_id)).finished and loop.time() < deadline:
            await asyncio.sleep(self._settings.fast_poll_interval)  # the pace of looking again
        return operation

    async def submitted(self, caller: Caller, operation_id: str, timeout: float) -> Operation:
        """The create operation once the cloud took the request (named the resource) or it ended, or as it
        stands after `timeout` seconds: for front-ends whose API refuses what the cloud refuses at once."""
        task, named = self._running.get(operation_id), self._named.get(operation_id)
        if task is not None and named is not None:
            waiting = asyncio.ensure_future(named.wait())
            try:
                await asyncio.wait({task, waiting}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiting.cancel()
            return await self.get(caller, operation_id)
        return await self.wait(caller, operation_id, timeout)  # not running here: only its end is known

    async def _run(self, op: OperationRow, work: Callable[[], Awaitable[dict[str, Any] | None]]) -> None:
        await self._set_state(op.id, "running")
        try:
            async with asyncio.timeout(self._settings.operation_timeout_seconds):
                result = await work()
        except TimeoutError:
            await self._set_state(
                op.id, "failed", error=OperationTimeout("the resource did not settle in time").to_dict()
            )
        except CloudgateError as exc:
            await self._set_state(op.id, "failed", error=exc.to_dict())
        except Exception as exc:
            log.exception("operation %s (request %s) failed unexpectedly", op.id, op.request_id)
            await self._set_state(
                op.id, "failed", error=CloudgateError(f"internal error: {type(exc).__name__}").to_dict()
            )
        else:
            await self._set_state(op.id, "succeeded", result=result)

    async def _set_state(
        self,
        operation_id: str,
        state: str,
        *,
        error: dict[str, Any] | None = None,
        result: dict[str, Any] | None = None,
    ) -> None:
        async with self._store.write() as conn:
            await op_rows.set_state(conn, operation_id, state, time.time(), error=error, result=result)
        self._changed()

    async def _do_create(
        self, operation_id: str, driver: Driver, ref: AccountRef, kind: Kind, spec: dict[str, Any], resource_id: str,
        named: asyncio.Event, aliases: Mapping[str, str], foreign: Sequence[Foreign] = (),
    ) -> dict[str, Any]:  # fmt: skip
        try:
            for crossing in foreign:  # other clouds' resources first: an image replicated, a key pair imported
                spec[crossing.field] = await self._carrier.carry(operation_id, crossing, driver, ref)
            seen = await self._retrying(
                lambda: self._observation.name(ref, kind, resource_id, lambda: driver.create(kind, spec))
            )
        except BaseException as exc:
            # Whatever ended the create (the cloud refused, the deadline passed, the store was out of step),
            # no record stays pending: a placeholder the cloud never named goes (a no-op once named).
            await asyncio.shield(self._observation.abandon(resource_id))
            if isinstance(exc, CloudgateError):
                exc.message = with_gateway_names(exc.message, aliases)
            raise
        named.set()
        result: dict[str, Any] = {"cloud_id": seen.cloud_id}
        secret = seen.attrs.pop("private_key", None)
        if secret:
            result["sealed"] = self._sealer.seal({"private_key": secret}).decode()
        await self._settle(ref, kind, resource_id, SETTLED_STATES[kind])
        return result

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        """`call`, again after the wait a throttling cloud asks for (Retry-After), until it goes through or
        the operation's deadline passes."""
        while True:
            try:
                return await call()
            except Throttled as exc:
                pause = exc.retry_after if exc.retry_after is not None else self._settings.backoff_base_seconds
                log.info("throttled by the cloud; retrying in %.1f s", pause)
                await asyncio.sleep(pause)

    async def _do_edit(self, driver: Driver, ref: AccountRef, record: ResourceRecord, changes: dict[str, Any]) -> None:
        assert record.cloud_id is not None
        await self._retrying(lambda: driver.edit(record.kind, record.cloud_id or "", changes))
        await self._settle(ref, record.kind, record.id, SETTLED_STATES[record.kind])

    async def _do_destroy(
        self, driver: Driver, ref: AccountRef, record: ResourceRecord, _params: dict[str, Any]
    ) -> None:
        if record.cloud_id is None:  # never named by the cloud: only the gateway's record is left
            await self._observation.abandon(record.id)
            return
        try:
            await self._retrying(lambda: driver.destroy(record.kind, record.cloud_id or ""))
        except NotFound:
            pass  # already gone: the poller removes it on its next listing
        await self._settle(ref, record.kind, record.id, GONE_STATES, gone_ok=True)

    async def _do_action(
        self, driver: Driver, ref: AccountRef, record: ResourceRecord, action: str, params: dict[str, Any]
    ) -> None:
        assert record.cloud_id is not None
        await self._retrying(lambda: driver.action(record.kind, record.cloud_id or "", action, params))
        await self._settle(
            ref, record.kind, record.id, ACTION_TARGETS.get((record.kind, action), SETTLED_STATES[record.kind])
        )

    async def _settle(
        self, ref: AccountRef, kind: Kind, resource_id: str, done: frozenset[str], *, gone_ok: bool = False
    ) -> None:
        """Targeted fast polling of (account, kind) until the resource reaches one of `done`."""
        while True:
            await self._observation.refresh(ref.id, kind)
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
                await self._observation.abandon(op.resource_id)
        await self._carrier.recover()  # image copies those operations left half done
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


def _target_account(caller: Caller, kind: Kind, named: Any) -> str:
    """The account a create makes its resource in: the one the scope names for the kind's service, else the
    one the request names (a front-end bound to an account names that one)."""
    scoped = caller.scope.get(SERVICE_OF[kind])
    if scoped is not None:
        if named not in (None, scoped, caller.account_id):
            raise InvalidScope(
                f"the request names account {named} but its scope makes a {kind.value} in account {scoped}",
                details={"field": "account"},
            )
        return scoped
    if not isinstance(named, str):
        raise InvalidRequest("'account' (the account id) is required", details={"field": "account"})
    return named
