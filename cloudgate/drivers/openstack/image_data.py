"""glance image data: an image's bytes streamed out (`GET /v2/images/{id}/file`), and a new image's streamed in
(created, then `PUT /v2/images/{id}/file`), never whole in memory.

Each transfer runs on a connection and a thread of its own (`session.transfer_connection`). Downloading, the
thread reads the response one chunk per call; uploading, requests sends an iterable body on that thread,
chunked, and the body fetches each chunk from the event loop as the socket takes the last (`StreamedBody`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Mapping
from contextlib import aclosing, asynccontextmanager, suppress
from typing import Any

import requests
from openstack import exceptions as sdk
from openstack.connection import Connection
from openstack.image.v2.image import Image as GlanceImage

from cloudgate.drivers.base import AccountConfig, ImageData, Progress
from cloudgate.drivers.openstack.images import destroy_image, image_resource
from cloudgate.drivers.openstack.session import AccountConnection, transfer_connection
from cloudgate.drivers.openstack.translate import (
    DATA_PROPERTIES,
    SETTLING_IMAGE,
    UPLOAD_DEFAULTS,
    UPLOAD_FIELDS,
    checksums_from_native,
    native,
    to_native,
)  # fmt: skip
from cloudgate.drivers.transfer import reporting_progress
from cloudgate.errors import CloudgateError, Conflict, InvalidRequest, OperationFailed, OperationTimeout
from cloudgate.model import CloudResource, Kind

CHUNK = 1 << 20
ACTIVE_WITHIN_SECONDS = 600.0  # from the last byte sent to the image active: a store that copies it elsewhere
RECHECK_SECONDS = 0.5  # the pace of looking again meanwhile


# -- reading ----------------------------------------------------------------------------------------------


@asynccontextmanager
async def reading(config: AccountConfig, image_id: str) -> AsyncIterator[ImageData]:
    """An active image's bytes, with what glance says of them."""
    async with transfer_connection(config) as connection:
        raw, response = await connection.run(lambda conn: _open_download(conn, image_id))
        try:
            chunks = response.iter_content(CHUNK)
            async with aclosing(_received(connection, chunks)) as received:
                properties = {key: raw[key] for key in DATA_PROPERTIES if raw.get(key) is not None}
                yield ImageData(raw.get("size"), checksums_from_native(raw), properties, received)
        finally:
            await connection.run(lambda _conn: response.close())


def _open_download(conn: Connection, image_id: str) -> tuple[dict[str, Any], requests.Response]:
    image = conn.image.get_image(image_id)
    if image.status != "active":
        raise Conflict(f"image {image_id} is {image.status}: it has no data to read")
    response = conn.image.download_image(image, stream=True)  # looks the image up again first: `image` is fresh
    sdk.raise_from_response(response)
    return native(image), response


async def _received(connection: AccountConnection, chunks: Iterator[bytes]) -> AsyncGenerator[bytes, None]:
    while (chunk := await connection.run(lambda _conn: next(chunks, None))) is not None:
        yield chunk


# -- writing ----------------------------------------------------------------------------------------------


async def write(config: AccountConfig, spec: Mapping[str, Any], data: ImageData, progress: Progress) -> CloudResource:
    """A new private image of `data`'s bytes, active; on any failure (the stream's, glance's, a cancellation)
    the image is deleted and the failure raised."""
    if not spec.get("name"):
        raise InvalidRequest("an image needs a name")
    fields = {
        **UPLOAD_DEFAULTS,
        **to_native(Kind.IMAGE, UPLOAD_FIELDS, {k: v for k, v in spec.items() if v is not None}),
    }
    async with transfer_connection(config) as connection:
        image_id = await connection.run(lambda conn: GlanceImage.new(**fields).create(conn.image).id)
        chunks = reporting_progress(data.chunks, progress)
        body = StreamedBody(chunks, asyncio.get_running_loop(), md5=data.checksums.get("md5"))
        try:
            await connection.run(lambda conn: _upload(conn, image_id, body, data.size))
            raw = await _active(connection, image_id)
            _check_received(raw, body)
        except BaseException:
            body.abort()  # the thread stops sending, so the delete (next on the connection) runs soon
            with suppress(CloudgateError):
                await connection.run(lambda conn: destroy_image(conn, image_id))
            raise
        finally:
            await body.close()
    return image_resource(raw)


class UploadAborted(Exception):
    """The uploader gave up: the body ends in error, so glance keeps none of it."""


class StreamedBody:
    """An upload's body: requests iterates it on the transfer's thread, each chunk fetched from the async
    iterator on the event loop. It keeps count of what it handed over, and its md5 to check glance's: the
    one the bytes are said to have (`md5`, an image's source's), else hashed on the way. (The first spares
    a second md5 of every byte where the bytes are verified against it as they are read: glance's md5 then
    tells that it holds the source's bytes.)"""

    def __init__(self, chunks: AsyncGenerator[bytes, None], loop: asyncio.AbstractEventLoop, *, md5: str | None = None):
        self._chunks, self._loop = chunks, loop
        self._lock = threading.Lock()
        self._pending: concurrent.futures.Future[bytes | None] | None = None
        self._aborted = False
        self.sent = 0
        self._said_md5 = md5.lower() if md5 else None
        self._hasher = None if md5 else hashlib.md5(usedforsecurity=False)

    @property
    def md5(self) -> str | None:
        return self._hasher.hexdigest() if self._hasher is not None else self._said_md5

    def __iter__(self) -> Iterator[bytes]:
        while True:
            with self._lock:
                if self._aborted:
                    raise UploadAborted("the upload was given up")
                self._pending = asyncio.run_coroutine_threadsafe(self._next(), self._loop)
            try:
                chunk = self._pending.result()
            except concurrent.futures.CancelledError:
                raise UploadAborted("the upload was given up") from None
            if chunk is None:
                return
            if self._hasher is not None:
                self._hasher.update(chunk)
            self.sent += len(chunk)
            yield chunk

    async def _next(self) -> bytes | None:
        return await anext(self._chunks, None)

    def abort(self) -> None:
        """Stop the body (from the loop): a chunk awaited is given up, and no other is asked for."""
        with self._lock:
            self._aborted = True
            if self._pending is not None:
                self._pending.cancel()

    async def close(self) -> None:
        await self._chunks.aclose()


def _upload(conn: Connection, image_id: str, body: StreamedBody, size: int | None) -> None:
    image = GlanceImage.existing(id=image_id)
    sdk.raise_from_response(image.upload(conn.image, data=body, size=size))


async def _active(connection: AccountConnection, image_id: str) -> dict[str, Any]:
    """The image once glance says it is active."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ACTIVE_WITHIN_SECONDS
    while True:
        raw = await connection.run(lambda conn: native(conn.image.get_image(image_id)))
        if raw.get("status") == "active":
            return raw
        if raw.get("status") not in SETTLING_IMAGE:
            raise OperationFailed(f"glance left image {image_id} {raw.get('status')} after its upload")
        if loop.time() > deadline:
            raise OperationTimeout(f"image {image_id} was not active {ACTIVE_WITHIN_SECONDS:.0f} s after its upload")
        await asyncio.sleep(RECHECK_SECONDS)


def _check_received(raw: Mapping[str, Any], body: StreamedBody) -> None:
    """What glance holds is what was sent: no byte lost or changed on the way (keystoneauth, re-sending a
    request after re-authenticating, would send an iterable body already spent)."""
    sent = (body.sent, body.md5)
    held = (raw.get("size"), raw.get("checksum") or sent[1])
    if held != sent:
        raise OperationFailed(f"glance holds {held[0]} bytes (md5 {held[1]}) of the {sent[0]} sent (md5 {sent[1]})")
