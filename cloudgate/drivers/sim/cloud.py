"""SimCloud: a fake cloud with its own API, accounts, clock and faults, held in memory, or kept in a
file that several processes share (`SimCloud.durable`).

Its API methods are what a driver calls over the "wire": they authenticate, go through
the fault injector, apply the timed transitions that are due, and answer in the cloud's
native vocabulary (collections "servers", "volumes"…, statuses "BUILD", "ACTIVE"…,
`SimApiError` codes). The `oob_*`, `churn` and `populate` methods are the cloud's
console: changes made behind the gateway's back, with no credentials and no faults.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import itertools
import random
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from cloudgate.drivers.sim import bulk, imagebytes
from cloudgate.drivers.sim.account import Account
from cloudgate.drivers.sim.catalog import DEFAULT_REGIONS, Catalog
from cloudgate.drivers.sim.clock import SimClock
from cloudgate.drivers.sim.counter import Counter
from cloudgate.drivers.sim.durable import StateFile
from cloudgate.drivers.sim.faults import Faults
from cloudgate.drivers.sim.hints import NoticeFeed, Subscription
from cloudgate.drivers.sim.lifecycle import Delays
from cloudgate.drivers.sim.native import STATUSES, SimApiError
from cloudgate.drivers.sim.params import invalid
from cloudgate.drivers.sim.provision import LEAVING, Provisioner
from cloudgate.drivers.sim.rows import Image, Stateful
from cloudgate.drivers.sim.table import AccountTable, Table


class Credentials(NamedTuple):
    access_key: str
    secret_key: str


class SimCloud:
    """One endpoint of the simulated cloud."""

    def __init__(
        self,
        endpoint: str,
        *,
        seed: int = 0,
        clock: SimClock | None = None,
        regions: Mapping[str, Sequence[str]] | None = None,
        page_size: int = 100,
        delays: Delays | None = None,
    ):
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self.endpoint = endpoint
        self.clock = clock or SimClock.real()
        self.page_size = page_size
        self.delays = delays or Delays()
        self.faults = Faults(seed=seed)
        seqs = Counter()
        self.catalog = Catalog(regions or DEFAULT_REGIONS, seqs, self.clock.now())
        self._provisioner = Provisioner(self.catalog, self.clock, self.delays, seqs, random.Random(f"keys:{seed}"))
        self._accounts: dict[str, Account] = {}  # by project
        self._by_access_key: dict[str, Account] = {}
        self._file: StateFile | None = None
        self._listen()

    def _listen(self) -> None:
        """Set up the cloud's notifications (kept out of its saved state: subscribers live in this process)."""
        self.notices = NoticeFeed(lambda: self.faults, lambda: self.clock.now(), self._settle_now)
        self._provisioner.notices = self.notices

    def _settle_now(self) -> None:
        with self._held():
            self._provisioner.settle()

    @classmethod
    def durable(cls, path: Path, build: Callable[[], SimCloud]) -> SimCloud:
        """The cloud kept in `path` (shared with every process that opens it): read from the file when it
        exists, else `build()` and written there. Uploaded images' bytes are kept beside it, in
        `<path>.images/`."""
        state = StateFile(path)
        if state.exists():
            cloud = cls.__new__(cls)
            cloud._file = state
            state.load(cloud)
            cloud._listen()
        else:
            cloud = build()
            cloud._provisioner.spool = imagebytes.Spool(path.with_name(path.name + ".images"))
            cloud._file = state
            state.save(cloud)
        return cloud

    def saved_state(self) -> dict[str, Any]:
        """Everything the cloud holds but its file."""
        return {name: value for name, value in vars(self).items() if name not in ("_file", "notices")}

    def restore_state(self, state: dict[str, Any]) -> None:
        vars(self).update(state)
        if "notices" in vars(self):
            self._provisioner.notices = self.notices

    def _held(self) -> contextlib.AbstractContextManager[None]:
        """Where every call runs: with the file's lock and its state, for a durable cloud."""
        return self._file.held(self) if self._file is not None else contextlib.nullcontext()

    @property
    def regions(self) -> list[str]:
        return list(self.catalog.regions)

    def add_account(
        self, access_key: str, secret_key: str, project: str, quotas: Mapping[str, int] | None = None
    ) -> None:
        with self._held():
            if project in self._accounts or access_key in self._by_access_key:
                raise ValueError(f"project {project!r} or its access key already exists")
            account = Account(project, access_key, secret_key, self.catalog.regions, quotas)
            self._accounts[project] = self._by_access_key[access_key] = account

    def usage(self, project: str) -> dict[str, int]:
        """What the project's resources count against its quotas (instances, cores, volumes, volume_gb, snapshots,
        images, image_mb)."""
        with self._held():
            self._provisioner.settle()
            return dict(self._account(project).usage)

    def set_faults(self, **knobs: Any) -> dict[str, Any]:
        """Turn fault knobs (`Faults.KNOBS`) on or off, for every process that shares the cloud; the knobs
        as they then are."""
        with self._held():
            try:
                self.faults.configure(**knobs)
            except ValueError as exc:
                raise invalid(str(exc)) from None
            if knobs.get("hints") is False or knobs.get("outage") is True:
                self.notices.cut()  # subscribers find out at once, and reconnect (or not) by themselves
            return self.faults.knobs()

    # -- the API ------------------------------------------------------------------------

    async def whoami(self, credentials: Credentials) -> dict[str, Any]:
        await self._gate()
        with self._held():
            account = self._enter(credentials)
            return {"project": account.project, "access_key": account.access_key}

    async def server_time(self) -> float:
        """The cloud's clock, as its responses report it (skewed when `faults.clock_skew` says so)."""
        await self._gate()
        with self._held():
            return self.clock.now() + self.faults.clock_skew

    async def list_page(
        self, credentials: Credentials, collection: str, region: str, token: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of a collection in creation order, and the token of the next page (None at the end)."""
        await self._gate()
        with self._held():
            account = self._enter(credentials)
            page_number, after = _parse_token(token)
            self.faults.on_page(page_number)
            now = self.clock.now()
            visible = (
                row
                for table in self._listed_tables(account, region, collection)
                for row in table.after(after)
                if row.visible_at <= now
            )
            rows = list(itertools.islice(visible, self.page_size + 1))
            next_token = f"{page_number + 1}:{rows[self.page_size - 1].seq}" if len(rows) > self.page_size else None
            return [row.wire() for row in rows[: self.page_size]], next_token

    async def create(
        self, credentials: Credentials, collection: str, region: str, spec: Mapping[str, Any]
    ) -> dict[str, Any]:
        await self._gate()
        with self._held():
            return self._create(self._enter(credentials), region, collection, spec)

    async def update(
        self, credentials: Credentials, collection: str, region: str, cloud_id: str, changes: Mapping[str, Any]
    ) -> dict[str, Any]:
        await self._gate()
        with self._held():
            table, row = self._addressed(credentials, collection, region, cloud_id)
            self._provisioner.update(table, row, changes)
            return row.wire()

    async def delete(self, credentials: Credentials, collection: str, region: str, cloud_id: str) -> None:
        await self._gate()
        with self._held():
            table, row = self._addressed(credentials, collection, region, cloud_id)
            self._provisioner.delete(table, row)

    async def perform(
        self,
        credentials: Credentials,
        collection: str,
        region: str,
        cloud_id: str,
        action: str,
        spec: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Run an action ("start", "stop", "reboot" on servers; "attach", "detach" on volumes)."""
        await self._gate()
        with self._held():
            table, row = self._addressed(credentials, collection, region, cloud_id)
            self._provisioner.perform(table, row, action, spec or {})
            return row.wire()

    async def show(self, credentials: Credentials, collection: str, region: str, cloud_id: str) -> dict[str, Any]:
        """One row as a listing shows it (public images too); NotFound once it is gone or not yet listed."""
        await self._gate()
        with self._held():
            account = self._enter(credentials)
            now = self.clock.now()
            for table in self._listed_tables(account, region, collection):
                row = table.find(cloud_id) if isinstance(cloud_id, str) else None
                if row is not None and row.visible_at <= now:
                    return row.wire()
            raise SimApiError("NotFound", f"no {collection} {cloud_id!r}")

    async def subscribe(self, credentials: Credentials) -> Subscription:
        """The project's change notifications from now on (`hints.py`); refused while the cloud sends none."""
        with self._held():
            if not self.faults.hints:  # known without a call: as a driver knows its cloud has no notification URL
                raise SimApiError("NotSupported", "this cloud sends no change notifications")
        await self._gate()
        with self._held():
            account = self._enter(credentials)
            return self.notices.subscribe(account.project)

    # -- the API: image data ------------------------------------------------------------------

    async def read_image(
        self, credentials: Credentials, region: str, cloud_id: str
    ) -> tuple[dict[str, Any], AsyncGenerator[bytes, None]]:
        """An image's data (glance's `GET /v2/images/{id}/file`), public or the account's, ACTIVE: the image as
        the API shows it with the `checksums` of its bytes, and the bytes, streamed. Once the image is deleted,
        a read under way fails (NotFound) at its next chunk. `faults.transfer_rate` paces the bytes,
        `faults.image_corruption` flips one of them, and an outage cuts them off."""
        await self._gate()
        with self._held():
            image = self._image_to_read(credentials, region, cloud_id)
            checksums, size = image.checksums, image.size
        if checksums is None:  # made-up bytes, read for the first time: hashed once, outside the lock
            checksums = await imagebytes.made_up_checksums(cloud_id, size)
        with self._held():
            image = self._image_to_read(credentials, region, cloud_id)
            if image.checksums is None:
                image.checksums = checksums
            corrupt = self.faults.corrupts_image_read()
            chunks = self._image_chunks(credentials, region, cloud_id, image.spool, image.size, corrupt)
            return {**image.wire(), "checksums": dict(image.checksums)}, chunks

    async def upload_image_data(
        self, credentials: Credentials, region: str, cloud_id: str, chunks: AsyncIterator[bytes]
    ) -> dict[str, Any]:
        """An image's data (glance's `PUT /v2/images/{id}/file`) for an image created QUEUED (`upload`): it is
        UPLOADING while the bytes arrive (each counted against the `image_mb` quota as it comes, paced by
        `faults.transfer_rate`), and ACTIVE with their checksums once all have. On any failure — the stream's
        own, the quota's, the image deleted meanwhile — what arrived is dropped and the image is QUEUED again,
        as glance leaves it: deleting it is the uploader's business."""
        await self._gate()
        with self._held():
            table, image = self._addressed(credentials, "images", region, cloud_id)
            if image.status != "QUEUED":
                raise SimApiError("InvalidState", f"image {cloud_id} is {image.status}, not QUEUED")
            # Named on the image from the start, so that deleting it mid-upload takes the file too.
            image.spool = name = f"{image.id}.data"
            self._provisioner.set_status(table, image, "UPLOADING", self.clock.now())
            path, sync = self._provisioner.spool.path(name), self._provisioner.spool.kept
        writer: imagebytes.SpoolWriter | None = None
        try:
            writer = await asyncio.to_thread(imagebytes.SpoolWriter, path, sync=sync)
            async for chunk in chunks:
                with self._held():
                    table, image = self._image_uploading(credentials, region, cloud_id)
                    grown = imagebytes.mebibytes(image.size + len(chunk)) - imagebytes.mebibytes(image.size)
                    table.owner.charge({"image_mb": grown})
                    image.size += len(chunk)
                    rate = self._transfer_rate()
                await asyncio.gather(*(asyncio.to_thread(step) for step in writer.steps(chunk)))
                if rate:
                    await asyncio.sleep(len(chunk) / rate)
            checksums = await asyncio.to_thread(writer.finish)
            with self._held():
                table, image = self._image_uploading(credentials, region, cloud_id)
                image.checksums = checksums
                self._provisioner.set_status(table, image, "ACTIVE", self.clock.now())
                return image.wire()
        except BaseException:
            if writer is not None:
                writer.close()
            with self._held():
                self._drop_upload(credentials, region, cloud_id, name)
            raise

    # -- the console: out-of-band changes, no credentials, no faults -----------------------

    def oob_create(self, project: str, collection: str, *, region: str | None = None, **spec: Any) -> dict[str, Any]:
        """Create a resource as the project's owner would from the cloud's console (same rules as the API)."""
        with self._held():
            self._provisioner.settle()
            return self._create(self._account(project), region or self.regions[0], collection, spec)

    def oob_update(self, project: str, collection: str, cloud_id: str, **fields: Any) -> dict[str, Any]:
        """Change a resource behind the gateway's back: any updatable field, and `status` (any native one)."""
        with self._held():
            self._provisioner.settle()
            table, row = self._provisioner.locate(self._account(project), collection, cloud_id)
            status = fields.pop("status", None)
            if status is not None and (not isinstance(row, Stateful) or status not in STATUSES[collection]):
                raise invalid(f"{collection} have no status {status!r}")
            self._provisioner.update(table, row, fields)
            if status is not None:
                self._provisioner.set_status(table, row, status, self.clock.now())
            return row.wire()

    def oob_delete(self, project: str, collection: str, cloud_id: str) -> None:
        """Make a resource vanish at once, whatever its state or users."""
        with self._held():
            self._provisioner.settle()
            table, row = self._provisioner.locate(self._account(project), collection, cloud_id)
            self._provisioner.purge(table, row, self.clock.now())

    def churn(self, project: str, fraction: float, rng: random.Random) -> int:
        """Rename, retag, power-cycle or delete about `fraction` of a project's resources; returns how many."""
        with self._held():
            self._provisioner.settle()
            return bulk.churn(self._provisioner, self._account(project), fraction, rng)

    def populate(
        self,
        project: str,
        region: str,
        *,
        servers: int = 0,
        volumes: int = 0,
        snapshots: int = 0,
        images: int = 0,
        subnets: int = 0,
        keypairs: int = 0,
        security_groups: int = 0,
    ) -> None:
        """Bulk-add settled resources (ACTIVE, READY…) quickly; quotas are not checked but usage counts."""
        counts = {
            "servers": servers,
            "volumes": volumes,
            "snapshots": snapshots,
            "images": images,
            "subnets": subnets,
            "keypairs": keypairs,
            "security_groups": security_groups,
        }
        with self._held():
            bulk.populate(self._provisioner, self._account(project), region, counts)

    # -- inside -------------------------------------------------------------------------

    async def _gate(self) -> None:
        """The network's faults every API call meets first (outside the file's lock: latency waits)."""
        with self._held():
            faults = self.faults
        await faults.on_call()

    def _enter(self, credentials: Credentials) -> Account:
        """What every authenticated call goes through after the network: authentication, due transitions."""
        account = self._by_access_key.get(credentials.access_key)
        if account is None or not hmac.compare_digest(account.secret_key.encode(), credentials.secret_key.encode()):
            raise SimApiError("AuthFailure", "the access key or secret key is wrong")
        self._provisioner.settle()
        return account

    def _addressed(
        self, credentials: Credentials, collection: str, region: str, cloud_id: str
    ) -> tuple[AccountTable, Any]:
        account = self._enter(credentials)
        table = account.table(region, collection)
        return table, self._provisioner.find(table, cloud_id)

    def _create(self, account: Account, region: str, collection: str, spec: Mapping[str, Any]) -> dict[str, Any]:
        row, extra = self._provisioner.create(account, region, collection, spec)
        row.visible_at = row.created + self.faults.consistency_delay
        return {**row.wire(), **extra}

    def _image_to_read(self, credentials: Credentials, region: str, cloud_id: str) -> Image:
        account = self._enter(credentials)
        image = self._provisioner.find_image(account.table(region, "images"), cloud_id)
        if image is None or image.status in LEAVING:
            raise SimApiError("NotFound", f"no images {cloud_id!r}")
        if image.status != "ACTIVE":
            raise SimApiError("InvalidState", f"image {cloud_id} is {image.status}: it has no data to read")
        return image

    async def _image_chunks(
        self, credentials: Credentials, region: str, cloud_id: str, spool: str | None, size: int, corrupt: bool
    ) -> AsyncGenerator[bytes, None]:
        """The bytes of an image being read, the image looked for again before each chunk."""
        with self._held():
            path = self._provisioner.spool.path(spool) if spool is not None else None
        file = None
        offset = 0
        try:
            while offset < size:
                with self._held():
                    self._image_to_read(credentials, region, cloud_id)
                    rate = self._transfer_rate()
                # A chunk stays within one block of made-up bytes; at a capped rate it is smaller (imagebytes).
                length = min(imagebytes.chunk_length(rate), size - offset, imagebytes.BLOCK - offset % imagebytes.BLOCK)
                if path is None:
                    chunk = imagebytes.made_up(cloud_id, offset, length)
                else:
                    if file is None:
                        try:
                            file = await asyncio.to_thread(path.open, "rb")
                        except FileNotFoundError:  # deleted since the look above
                            raise SimApiError("NotFound", f"no images {cloud_id!r}") from None
                    chunk = await asyncio.to_thread(file.read, length)
                    if len(chunk) != length:
                        raise SimApiError("InternalError", f"the data of image {cloud_id} is cut short")
                if corrupt and offset == 0:
                    chunk = imagebytes.flipped(chunk)
                if rate:
                    await asyncio.sleep(len(chunk) / rate)
                offset += len(chunk)
                yield chunk
        finally:
            if file is not None:
                file.close()

    def _image_uploading(self, credentials: Credentials, region: str, cloud_id: str) -> tuple[AccountTable, Image]:
        account = self._enter(credentials)
        table = account.table(region, "images")
        image = table.find(cloud_id)
        if image is None or image.status in LEAVING:
            raise SimApiError("NotFound", f"image {cloud_id} was deleted during its upload")
        if image.status != "UPLOADING":
            raise SimApiError("InvalidState", f"image {cloud_id} is {image.status}, no longer UPLOADING")
        return table, image

    def _drop_upload(self, credentials: Credentials, region: str, cloud_id: str, name: str) -> None:
        """What a failed upload leaves: its image, if still there, QUEUED with no data, as before it."""
        table = self._enter(credentials).table(region, "images")
        image = table.find(cloud_id)
        if image is not None and image.status == "UPLOADING":
            table.owner.release({"image_mb": imagebytes.mebibytes(image.size)})
            image.size, image.spool = 0, None
            self._provisioner.set_status(table, image, "QUEUED", self.clock.now())
        self._provisioner.spool.discard(name)

    def _transfer_rate(self) -> float:
        """The bytes per second an image's data moves at now (0: no cap); an outage cuts a transfer off."""
        if self.faults.outage:
            raise SimApiError("ServiceUnavailable", "the service is down")
        return self.faults.transfer_rate

    def _account(self, project: str) -> Account:
        try:
            return self._accounts[project]
        except KeyError:
            raise SimApiError("NotFound", f"no project {project!r}") from None

    def _listed_tables(self, account: Account, region: str, collection: str) -> Iterator[Table]:
        """The tables a listing walks, in sequence order: public images come before private ones."""
        if region not in self.catalog.regions:
            raise invalid(f"no region {region!r}")
        if collection == "locations":
            yield self.catalog.locations[region]
        elif collection == "flavors":
            yield self.catalog.flavors
        else:
            if collection == "images":
                yield self.catalog.public_images
            yield account.table(region, collection)


def _parse_token(token: str | None) -> tuple[int, int]:
    """(page number, sequence number the page starts after) from a page token."""
    if token is None:
        return 1, 0
    page, _, after = token.partition(":") if isinstance(token, str) else ("", "", "")
    if not (page.isdigit() and after.isdigit()):
        raise invalid(f"bad page token {token!r}")
    return int(page), int(after)
