"""Serving the API over AMQP: requests come from a queue that every gateway process consumes (each
takes up to its prefetch at a time), run through the API app in this process — same routes, same
authentication — and each response goes to the request's `reply_to` with its `correlation_id`. A message's
`scope` is checked here (a malformed one is this transport's 400) and runs the request in that scope, as
the X-Cloudgate-Scope header does over HTTP: the app binds it to the authenticated client."""

from __future__ import annotations

import asyncio
import json
import logging
from functools import partial
from typing import NoReturn

import aio_pika
import httpx
import orjson
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractIncomingMessage, AbstractQueue
from starlette.types import ASGIApp

from cloudgate.core.scope import parse_scope
from cloudgate.errors import InvalidScope
from cloudgate.messaging.link import Backoff, Broker, stay_connected
from cloudgate.messaging.wire import JSON, ValidationError, WireRequest, WireResponse
from cloudgate.settings import Settings

log = logging.getLogger("cloudgate.amqp")

# The host requests are addressed to inside this process; nothing resolves it.
APP_BASE_URL = "http://amqp.cloudgate"
SCOPE_HEADER = "x-cloudgate-scope"  # how the app takes a request's scope (cloudgate.api.auth reads it)


async def declare_request_queue(channel: AbstractChannel, name: str) -> AbstractQueue:
    """The durable queue every gateway process consumes API requests from (competing consumers)."""
    return await channel.declare_queue(name, durable=True)


def _error_response(status: int, code: str, message: str) -> WireResponse:
    """A failure of the transport itself, in the API's error shape."""
    body = orjson.dumps({"error": {"code": code, "message": message}})
    return WireResponse.build(status, {"content-type": JSON}, body)


class RequestServer:
    def __init__(self, app: ASGIApp, broker: Broker, settings: Settings):
        self._broker = broker
        self._queue = settings.amqp_request_queue
        self._prefetch = settings.amqp_prefetch
        self._timeout = settings.amqp_request_timeout_seconds
        self._backoff = Backoff.from_settings(settings)
        # An app that fails answers 500 (as over HTTP) instead of raising here.
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self._http = httpx.AsyncClient(transport=transport, base_url=APP_BASE_URL)
        self.consuming = False
        self.answered = 0

    async def run(self) -> NoReturn:
        """Consume requests until cancelled, reconnecting whenever the broker goes away."""
        try:
            await stay_connected(self._broker, self._consume, what="AMQP request server", backoff=self._backoff,
                                 on_connected=self._lost_or_found)  # fmt: skip
        finally:
            await self._http.aclose()

    def _lost_or_found(self, connected: bool) -> None:
        if not connected:
            self.consuming = False

    async def _consume(self, connection: AbstractConnection) -> None:
        channel = await connection.channel(publisher_confirms=False)
        await channel.set_qos(prefetch_count=self._prefetch)
        queue = await declare_request_queue(channel, self._queue)
        await queue.consume(partial(self._answer, channel))
        self.consuming = True
        log.info("serving API requests from queue %r", self._queue)

    async def _answer(self, channel: AbstractChannel, message: AbstractIncomingMessage) -> None:
        if not message.reply_to:
            log.warning("dropped a request without reply_to (correlation id %r)", message.correlation_id)
            await message.reject()
            return
        response = await self.respond(message.body)
        reply = aio_pika.Message(response.encode(), content_type=JSON, correlation_id=message.correlation_id)
        await channel.default_exchange.publish(reply, routing_key=message.reply_to, mandatory=False)
        # Acknowledged once answered: a request whose process dies before goes to another one.
        await message.ack()
        self.answered += 1

    async def respond(self, body: bytes) -> WireResponse:
        """The API's response to one request message's body."""
        try:
            request = WireRequest.model_validate_json(body)
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(part) for part in problem.get("loc", ())) or "message"
            return _error_response(400, "malformed_request", f"{where}: {problem.get('msg', 'invalid')}")
        try:
            headers = scoped_headers(request)
        except InvalidScope as exc:
            return _error_response(exc.status, exc.code, exc.message)
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._http.request(
                    request.method, request.path, params=request.query or None, headers=headers,
                    content=request.content(),
                )  # fmt: skip
        except TimeoutError:
            return _error_response(504, "timeout", f"no answer within {self._timeout:g} s")
        except httpx.InvalidURL as exc:
            return _error_response(400, "malformed_request", f"path: {exc}")
        return WireResponse.build(response.status_code, dict(response.headers), response.content)


def scoped_headers(request: WireRequest) -> dict[str, str]:
    """The headers the app gets: the request's own, with the message's scope (checked) as the app takes it.
    InvalidScope for a malformed scope, or one that says otherwise than the request's scope header."""
    headers = request.forwarded_headers()
    if request.scope is None:
        return headers
    scope = parse_scope(request.scope)
    given = next((value for name, value in headers.items() if name.lower() == SCOPE_HEADER), None)
    if given is not None and parse_scope(given) != scope:
        raise InvalidScope(f"the message's scope and its {SCOPE_HEADER} header differ: send one of them")
    headers = {name: value for name, value in headers.items() if name.lower() != SCOPE_HEADER}
    if scope:
        headers[SCOPE_HEADER] = json.dumps(scope, separators=(",", ":"))  # ASCII: a header's value
    return headers
