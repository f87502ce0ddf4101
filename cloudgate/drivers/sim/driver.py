"""SimDriver: cloudgate's driver for a SimCloud, speaking to it the way a driver speaks to a real cloud."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, aclosing, asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from cloudgate.drivers.base import AccountConfig, Capabilities, CloudIdentity, Driver, Hint, ImageData, Progress
from cloudgate.drivers.sim.cloud import Credentials, SimCloud
from cloudgate.drivers.sim.faults import Faults
from cloudgate.drivers.sim.hints import Notice
from cloudgate.drivers.sim.native import SimApiError
from cloudgate.drivers.sim.registry import get_cloud
from cloudgate.drivers.sim.translate import (
    ACTIONS,
    COLLECTIONS,
    CREATE_FIELDS,
    EDIT_FIELDS,
    IMAGE_PROPERTIES,
    REQUIRED_FIELDS,
    UPLOAD_FIELDS,
    native_errors,
    normalize,
    to_native,
)
from cloudgate.drivers.transfer import reporting_progress
from cloudgate.errors import InvalidRequest, NotFound
from cloudgate.fields import declare
from cloudgate.model import CloudResource, Kind

# The kinds the sim's change notifications cover (an account's own rows), by collection.
HINTED: dict[str, Kind] = {COLLECTIONS[kind]: kind for kind in CREATE_FIELDS}


class SimDriver(Driver):
    """One account on a registered SimCloud.

    `config.endpoint` names the cloud (see `registry.register`), `config.region` one of
    its regions (default: its first), `config.credentials` holds `access_key` and
    `secret_key`.
    """

    cloud_type = "sim"
    capabilities = Capabilities(
        kinds=frozenset(COLLECTIONS),
        create=frozenset(CREATE_FIELDS),
        destroy=frozenset(CREATE_FIELDS),
        edit={kind: frozenset(fields) for kind, fields in EDIT_FIELDS.items()},
        actions={kind: frozenset(actions) for kind, actions in ACTIONS.items()},
        public_kinds=frozenset({Kind.IMAGE}),
        image_transfer=frozenset({"read", "write"}),
        hints=frozenset(HINTED.values()),
    )
    create_fields = declare(CREATE_FIELDS, REQUIRED_FIELDS)
    endpoint_settings = Faults.KNOBS

    def __init__(self, config: AccountConfig):
        super().__init__(config)
        self._credentials = Credentials(
            config.credentials.get("access_key", ""), config.credentials.get("secret_key", "")
        )

    async def check_credentials(self) -> CloudIdentity:
        with native_errors():
            identity = await self._cloud().whoami(self._credentials)
        return CloudIdentity(id=identity["project"], name=identity["project"], region=self._region(self._cloud()))

    async def server_time(self) -> datetime:
        with native_errors():
            timestamp = await self._cloud().server_time()
        return datetime.fromtimestamp(timestamp, tz=UTC)

    async def list(self, kind: Kind) -> list[CloudResource]:
        self.capabilities.require(kind, "list")
        raws: list[dict[str, Any]] = []
        with native_errors():
            cloud = self._cloud()
            token = None
            while True:
                page, token = await cloud.list_page(self._credentials, COLLECTIONS[kind], self._region(cloud), token)
                raws.extend(page)
                if token is None:
                    break
        return [normalize(kind, raw) for raw in raws]

    async def get(self, kind: Kind, cloud_id: str) -> CloudResource | None:
        self.capabilities.require(kind, "list")
        try:
            with native_errors():
                cloud = self._cloud()
                raw = await cloud.show(self._credentials, COLLECTIONS[kind], self._region(cloud), cloud_id)
        except NotFound:
            return None
        return normalize(kind, raw)

    def hints(self) -> AbstractAsyncContextManager[AsyncIterator[Hint]]:
        return self._hinting()

    @asynccontextmanager
    async def _hinting(self) -> AsyncIterator[AsyncIterator[Hint]]:
        with native_errors():
            subscription = await self._cloud().subscribe(self._credentials)
        try:
            async with aclosing(_hints(subscription.received())) as hints:
                yield hints
        finally:
            subscription.close()

    async def create(self, kind: Kind, spec: Mapping[str, Any]) -> CloudResource:
        self.capabilities.require(kind, "create")
        missing = sorted(field for field in {"name", *REQUIRED_FIELDS[kind]} if spec.get(field) is None)
        if missing:
            raise InvalidRequest(f"a {kind.value} needs {', '.join(missing)}")
        native = to_native(CREATE_FIELDS[kind], spec)
        with native_errors():
            cloud = self._cloud()
            raw = await cloud.create(self._credentials, COLLECTIONS[kind], self._region(cloud), native)
        private_key = raw.pop("private_key", None)  # returned once, by this call only; kept out of cloud_attrs
        resource = normalize(kind, raw)
        if private_key is not None:
            resource.attrs["private_key"] = private_key
        return resource

    async def destroy(self, kind: Kind, cloud_id: str) -> None:
        self.capabilities.require(kind, "destroy")
        with native_errors():
            cloud = self._cloud()
            await cloud.delete(self._credentials, COLLECTIONS[kind], self._region(cloud), cloud_id)

    async def edit(self, kind: Kind, cloud_id: str, changes: Mapping[str, Any]) -> None:
        self.capabilities.require(kind, "edit")
        for field in changes:
            self.capabilities.require(kind, "edit", field)
        native = to_native(EDIT_FIELDS[kind], changes)
        with native_errors():
            cloud = self._cloud()
            await cloud.update(self._credentials, COLLECTIONS[kind], self._region(cloud), cloud_id, native)

    async def action(self, kind: Kind, cloud_id: str, action: str, params: Mapping[str, Any]) -> None:
        self.capabilities.require(kind, "action", action)
        native_action, param_fields = ACTIONS[kind][action]
        native = to_native(param_fields, params)
        with native_errors():
            cloud = self._cloud()
            await cloud.perform(
                self._credentials, COLLECTIONS[kind], self._region(cloud), cloud_id, native_action, native
            )

    def read_image(self, cloud_id: str) -> AbstractAsyncContextManager[ImageData]:
        return self._reading(cloud_id)

    @asynccontextmanager
    async def _reading(self, cloud_id: str) -> AsyncIterator[ImageData]:
        with native_errors():
            cloud = self._cloud()
            raw, chunks = await cloud.read_image(self._credentials, self._region(cloud), cloud_id)
        async with aclosing(chunks), aclosing(_translated(chunks)) as translated:
            properties = {key: raw[native] for key, native in IMAGE_PROPERTIES.items()}
            yield ImageData(size=raw["size"], checksums=raw["checksums"], properties=properties, chunks=translated)

    async def write_image(self, spec: Mapping[str, Any], data: ImageData, progress: Progress) -> CloudResource:
        if spec.get("name") is None:
            raise InvalidRequest("an image needs a name")
        native = {**to_native(UPLOAD_FIELDS, {k: v for k, v in spec.items() if v is not None}), "upload": True}
        with native_errors():
            cloud = self._cloud()
            region = self._region(cloud)
            queued = await cloud.create(self._credentials, COLLECTIONS[Kind.IMAGE], region, native)
            try:
                async with aclosing(reporting_progress(data.chunks, progress)) as chunks:
                    raw = await cloud.upload_image_data(self._credentials, region, queued["id"], chunks)
            except BaseException:
                # The cloud keeps a failed upload's image, QUEUED and empty: it is ours to delete.
                with contextlib.suppress(SimApiError):
                    await cloud.delete(self._credentials, COLLECTIONS[Kind.IMAGE], region, queued["id"])
                raise
        return normalize(Kind.IMAGE, raw)

    @classmethod
    def configure_endpoint(cls, endpoint: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """The faults of the sim cloud at `endpoint`: turned on or off for every process sharing it."""
        try:
            cloud = get_cloud(endpoint)
        except SimApiError:
            raise NotFound(f"no sim cloud at {endpoint!r}") from None
        with native_errors():
            return cloud.set_faults(**changes)

    def _cloud(self) -> SimCloud:
        return get_cloud(self.config.endpoint)

    def _region(self, cloud: SimCloud) -> str:
        return self.config.region or cloud.regions[0]


async def _translated(chunks: AsyncGenerator[bytes, None]) -> AsyncGenerator[bytes, None]:
    """An image's bytes as the cloud streams them, its errors (the image deleted meanwhile) as cloudgate's."""
    with native_errors():
        async for chunk in chunks:
            yield chunk


async def _hints(notices: AsyncGenerator[Notice, None]) -> AsyncGenerator[Hint, None]:
    """The cloud's notifications as change hints, its errors (the feed cut off) as cloudgate's."""
    async with aclosing(notices):
        with native_errors():
            async for notice in notices:
                kind = HINTED.get(notice.collection)
                if kind is not None:
                    yield Hint(kind, notice.id)
