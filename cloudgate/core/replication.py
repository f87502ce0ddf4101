"""Carrying a resource of one cloud over to another for a create under scope: an image is replicated
(streamed out of its cloud, verified against the checksums its cloud holds, streamed into the target,
recorded as the source's replica so the next request reuses it), a key pair imported by its public key.

Replication is a step of the create operation: its progress (bytes) is the operation's. A copy that
fails leaves no image (the target driver removes a partial upload); one that a restart cut short is
cleaned up by `recover`."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import replace
from typing import Any

import orjson

from cloudgate.connections import AccountRef, DriverPool
from cloudgate.core.references import Foreign
from cloudgate.drivers.base import Driver, ImageData
from cloudgate.errors import CloudgateError, Conflict, CrossCloudReference, OperationFailed
from cloudgate.model import Kind, ResourceRecord
from cloudgate.poller.observation import Observation
from cloudgate.query import Match, ResourceQuery
from cloudgate.store import Store
from cloudgate.store import operations as op_rows
from cloudgate.store import replicas as replica_rows
from cloudgate.store import resources as rows
from cloudgate.store.replicas import ReplicaRow

log = logging.getLogger("cloudgate.replication")

REPLICA_OF = "cloudgate:replica-of"  # tag on a replica: the source image's gateway id
REPLICA_OPERATION = "cloudgate:operation"  # tag on a replica: the operation that copied it (to clean up after it)
PROGRESS_EVERY = 0.5  # seconds between progress writes of a copy
# Image properties a replica keeps from its source, when the source's cloud says them.
KEPT_PROPERTIES = ("disk_format", "container_format", "min_disk", "min_ram")


class Carrier:
    """Carries foreign references over to the account a resource is made in."""

    def __init__(
        self, store: Store, pool: DriverPool, observation: Observation, progressed: Callable[[], None] = lambda: None
    ):
        self._store = store
        self._pool = pool
        self._observation = observation
        self._progressed = progressed  # told each time a copy's progress is written
        self._copying: dict[tuple[str, str], asyncio.Lock] = {}  # one copy of a source into an account at a time

    async def check(self, foreign: Foreign, target: Driver) -> None:
        """Refuse now what cannot be carried over (a cloud that cannot move image bytes or import keys)."""
        source, _ref = await self._pool.get(foreign.account_id)
        if foreign.record.kind == Kind.IMAGE:
            if "read" not in source.capabilities.image_transfer:
                raise _cannot(foreign, f"{source.cloud_type} images cannot be read out of their cloud")
            if "write" not in target.capabilities.image_transfer:
                raise _cannot(foreign, f"images cannot be uploaded to {target.cloud_type}")
        elif "public_key" not in target.create_fields.get(Kind.KEYPAIR, {}):
            raise _cannot(foreign, f"{target.cloud_type} cannot import a key pair by its public key")
        elif not foreign.record.attrs.get("public_key"):
            raise _cannot(foreign, "its cloud does not tell its public key")

    async def carry(self, operation_id: str, foreign: Foreign, target: Driver, ref: AccountRef) -> str:
        """The cloud id, in the target account, of what `foreign` names there (made now or before)."""
        if foreign.record.kind == Kind.IMAGE:
            return await self._replicate(operation_id, foreign, target, ref)
        return await self._import_key(foreign.record, target, ref)

    # -- images --------------------------------------------------------------------------

    async def _replicate(self, operation_id: str, foreign: Foreign, target: Driver, ref: AccountRef) -> str:
        source = foreign.record
        assert source.cloud_id is not None
        reader, _source_ref = await self._pool.get(foreign.account_id)  # a public image is read through it too
        lock = self._copying.setdefault((source.id, ref.id), asyncio.Lock())
        async with lock, reader.read_image(source.cloud_id) as data:
            digest = _digest(data, source)
            reused = await self._ready_replica(source.id, ref, digest)
            if reused is not None:
                return reused
            now = time.time()
            async with self._store.write() as conn:
                await replica_rows.delete_replica(conn, source.id, ref.id, digest)  # a ready one that went away
                row = ReplicaRow(source.id, ref.id, digest, "copying", None, operation_id, data.size, now, now)
                await replica_rows.insert_replica(conn, row)
            try:
                made, size = await self._copy(operation_id, source, data, target)
            except BaseException:
                await asyncio.shield(self._forget(source.id, ref.id, digest))
                raise
        async with self._store.write() as conn:
            await replica_rows.set_ready(conn, source.id, ref.id, digest, made, size, time.time())
        await self._observation.refresh(ref.id, Kind.IMAGE)  # the replica is in the target's listings from now on
        return made

    async def _copy(
        self, operation_id: str, source: ResourceRecord, data: ImageData, target: Driver
    ) -> tuple[str, int]:
        """Stream the bytes across, verified on the way; (the replica's cloud id, bytes copied)."""
        hashes = _verifying(data.checksums)
        copied = 0
        last_write = 0.0
        total = data.size

        async def progress(done: int, *, force: bool = False) -> None:
            nonlocal last_write
            now = time.monotonic()
            if force or now - last_write >= PROGRESS_EVERY:
                last_write = now
                step = {"done": done, "total": total, "unit": "bytes", "step": f"replicating image {source.id}"}
                async with self._store.write() as conn:
                    await op_rows.set_progress(conn, operation_id, step, time.time())
                self._progressed()

        async def verified() -> AsyncIterator[bytes]:
            nonlocal copied
            async for chunk in data.chunks:
                for h in hashes.values():
                    h.update(chunk)
                copied += len(chunk)
                await progress(copied)
                yield chunk
            # The end of the stream: the upload completes only if the bytes are the ones the source holds.
            if total is not None and copied != total:
                raise OperationFailed(f"image {source.id}: read {copied} bytes of {total}; nothing was kept")
            for name, expected in data.checksums.items():
                if name in hashes and hashes[name].hexdigest() != expected.lower():
                    raise OperationFailed(
                        f"image {source.id}: the bytes read do not match the {name} checksum its cloud holds; "
                        "nothing was kept",
                        details={"algorithm": name, "expected": expected, "read": hashes[name].hexdigest()},
                    )
            await progress(copied, force=True)

        spec = {
            "name": source.name,
            "tags": {REPLICA_OF: source.id, REPLICA_OPERATION: operation_id},
            **{key: data.properties[key] for key in KEPT_PROPERTIES if data.properties.get(key) is not None},
        }
        made = await target.write_image(spec, replace(data, chunks=verified()), lambda _sent: None)
        for name, value in made.attrs.get("checksums", {}).items():  # what the target computed, when it says
            if name in hashes and hashes[name].hexdigest() != value:
                await target.destroy(Kind.IMAGE, made.cloud_id)
                raise OperationFailed(f"image {source.id}: the target cloud stored other bytes than were sent")
        return made.cloud_id, copied

    async def _ready_replica(self, source_id: str, ref: AccountRef, digest: str) -> str | None:
        """The replica of the same bytes already in the account, if it is still there."""
        async with self._store.read() as conn:
            row = await replica_rows.get_replica(conn, source_id, ref.id, digest)
            if row is None or row.state != "ready" or row.cloud_id is None:
                return None
            query = ResourceQuery(kind=Kind.IMAGE, matches=(Match("cloud_id", (row.cloud_id,)),), limit=1)
            present = await rows.query(conn, query, scopes=[ref.scope])
        return row.cloud_id if present and present[0].state == "available" else None

    async def _forget(self, source_id: str, account_id: str, digest: str) -> None:
        async with self._store.write() as conn:
            await replica_rows.delete_replica(conn, source_id, account_id, digest)

    async def recover(self) -> int:
        """After a restart: copies cut short are undone (the partial image, tagged with its operation,
        is removed from the target cloud; the row goes). Returns how many."""
        async with self._store.read() as conn:
            stale = await replica_rows.copying(conn)
        for row in stale:
            try:
                driver, _ref = await self._pool.get(row.account_id)
                for image in await driver.list(Kind.IMAGE):
                    if image.tags.get(REPLICA_OPERATION) == row.operation_id:
                        await driver.destroy(Kind.IMAGE, image.cloud_id)
            except CloudgateError as exc:  # the cloud is away: the row stays, to try again at the next start
                log.warning("could not clean up the copy of image %s into %s: %s", row.source_id, row.account_id, exc)
                continue
            await self._forget(row.source_id, row.account_id, row.digest)
            await self._observation.refresh(row.account_id, Kind.IMAGE)
        return len(stale)

    # -- key pairs -----------------------------------------------------------------------

    async def _import_key(self, source: ResourceRecord, target: Driver, ref: AccountRef) -> str:
        """The key pair of the same name and public key in the target account, imported if it is not there."""
        public_key = str(source.attrs.get("public_key", "")).strip()
        async with self._store.read() as conn:
            query = ResourceQuery(kind=Kind.KEYPAIR, matches=(Match("name", (source.name,)),), limit=1)
            present = await rows.query(conn, query, scopes=[ref.scope])
        if present:
            if str(present[0].attrs.get("public_key", "")).strip() != public_key:
                raise Conflict(
                    f"keypair: account {ref.id} already has a key pair named {source.name!r} with another key; "
                    "rename one of them",
                    details={"field": "keypair"},
                )
            assert present[0].cloud_id is not None
            return present[0].cloud_id
        made = await target.create(Kind.KEYPAIR, {"name": source.name, "public_key": public_key})
        await self._observation.refresh(ref.id, Kind.KEYPAIR)
        return made.cloud_id


def _verifying(checksums: Mapping[str, str]) -> dict[str, Any]:
    """The hash the bytes are verified with as they pass: the strongest (longest) of the source's checksums
    alone, since each hashes every byte (md5 beside sha512 would cost over a second of a core per GiB and
    tell nothing that sha512 does not; the OpenStack driver still checks glance's md5 of what it stored
    against the source's); sha256 when the source holds none, for a target that tells its own."""
    known = [name for name in checksums if name in hashlib.algorithms_available]
    strongest = max(known, key=lambda name: hashlib.new(name).digest_size, default="sha256")
    return {strongest: hashlib.new(strongest)}


def _digest(data: ImageData, source: ResourceRecord) -> str:
    """What identifies the source's bytes: its cloud's checksums, else its size and last change."""
    if data.checksums:
        return orjson.dumps(dict(sorted(data.checksums.items()))).decode()[:300]
    return f"size={data.size};updated={source.updated_at}"


def _cannot(foreign: Foreign, why: str) -> CrossCloudReference:
    noun = foreign.record.kind.value
    return CrossCloudReference(
        f"{foreign.field}: the {noun} {foreign.record.id} is in account {foreign.account_id} and cannot be "
        f"carried over to where the resource is made: {why}. Name a {noun} of the target account, or make the "
        f"resource in account {foreign.account_id}.",
        details={"field": foreign.field, "account": foreign.account_id},
    )
