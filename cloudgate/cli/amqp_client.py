"""A client of the gateway's API over AMQP: each request is a message to the request queue, and its
response comes back on a reply queue of this client's own, matched by correlation id."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, Self

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractIncomingMessage, AbstractQueue
from aio_pika.exceptions import PublishError

from cloudgate.messaging.link import Broker
from cloudgate.messaging.wire import JSON, Query, WireRequest, WireResponse
from cloudgate.tls import ClientTls

DEFAULT_REQUEST_QUEUE = "cloudgate.requests"
DEFAULT_TIMEOUT_SECONDS = 30.0


class NoGatewayQueue(LookupError):
    """The broker has no request queue by that name: no gateway ever served requests there."""


class AmqpClient:
    def __init__(
        self, connection: AbstractConnection, channel: AbstractChannel, replies: AbstractQueue, request_queue: str,
        timeout: float,
    ):  # fmt: skip
        self._connection = connection
        self._channel = channel
        self._replies = replies
        self._request_queue = request_queue
        self._timeout = timeout
        self._pending: dict[str, asyncio.Future[WireResponse]] = {}

    @classmethod
    async def connect(
        cls, url: str, *, request_queue: str = DEFAULT_REQUEST_QUEUE, timeout: float = DEFAULT_TIMEOUT_SECONDS,
        tls: ClientTls = ClientTls(),
    ) -> AmqpClient:  # fmt: skip
        """Connect to the broker at `url` (amqp://, or amqps:// with its certificate checked as `tls` says) and
        open this client's reply queue. TlsSetupError when `tls` cannot be used with `url`."""
        return await cls.over(Broker.at(url, tls), request_queue=request_queue, timeout=timeout)

    @classmethod
    async def over(
        cls, broker: Broker, *, request_queue: str = DEFAULT_REQUEST_QUEUE, timeout: float = DEFAULT_TIMEOUT_SECONDS
    ) -> AmqpClient:
        """The same, through a broker whose TLS is set up already."""
        connection = await broker.connect()
        try:
            # Confirms with mandatory publishing turn "no such queue" into an error at once, not a timeout.
            channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
            replies = await channel.declare_queue(exclusive=True, auto_delete=True)
            client = cls(connection, channel, replies, request_queue, timeout)
            await replies.consume(client._on_reply, no_ack=True)
            connection.close_callbacks.add(client._on_closed)
        except BaseException:
            await connection.close()
            raise
        return client

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        for waiting in self._pending.values():
            waiting.cancel()
        await self._connection.close()

    def _on_closed(self, _connection: object, reason: BaseException | None = None) -> None:
        """Requests waiting when the connection goes will get no answer: fail them now."""
        for waiting in self._pending.values():
            if not waiting.done():
                waiting.set_exception(ConnectionError(f"lost the connection to the broker ({reason})"))

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        waiting = self._pending.get(message.correlation_id or "")
        if waiting is None or waiting.done():
            return  # the answer to a request that timed out
        try:
            waiting.set_result(WireResponse.model_validate_json(message.body))
        except ValueError as exc:
            waiting.set_exception(exc)

    async def request(
        self, method: str, path: str, *, query: Query = "", headers: dict[str, str] | None = None,
        content: bytes = b"", timeout: float | None = None, scope: str | dict[str, Any] | None = None,
    ) -> WireResponse:  # fmt: skip
        """Send one request (in `scope`, `{"image": "CloudTwo"}`, when given) and wait for its response;
        TimeoutError when none comes within `timeout`."""
        request = WireRequest.build(method, path, query=query, headers=headers, content=content, scope=scope)
        return await self.send(request, timeout)

    async def send(self, request: WireRequest, timeout: float | None = None) -> WireResponse:
        timeout = self._timeout if timeout is None else timeout
        correlation_id = uuid.uuid4().hex
        answer = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = answer
        message = aio_pika.Message(
            request.encode(), content_type=JSON, correlation_id=correlation_id, reply_to=self._replies.name,
            expiration=timeout,  # a request nobody took in time is dropped: its caller has given up
        )  # fmt: skip
        try:
            async with asyncio.timeout(timeout):
                try:
                    await self._channel.default_exchange.publish(message, routing_key=self._request_queue)
                except PublishError as exc:
                    raise NoGatewayQueue(f"the broker has no queue {self._request_queue!r}") from exc
                return await answer
        finally:
            del self._pending[correlation_id]
