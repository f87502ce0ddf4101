"""httpx transports that carry requests over AMQP, so any httpx client (the CLI's included) talks to
the gateway through a broker without knowing it: `amqp://user:password@host:5672/vhost`."""

from __future__ import annotations

import asyncio

import httpx

from cloudgate.cli.amqp_client import DEFAULT_REQUEST_QUEUE, DEFAULT_TIMEOUT_SECONDS, AmqpClient, NoGatewayQueue
from cloudgate.cli.session import SCOPE_HEADER
from cloudgate.messaging.link import BROKER_FAILURES, Broker
from cloudgate.tls import ClientTls


def _read_timeout(request: httpx.Request) -> float:
    timeout = request.extensions.get("timeout", {})
    return timeout.get("read") or timeout.get("pool") or DEFAULT_TIMEOUT_SECONDS


class AmqpTransport(httpx.AsyncBaseTransport):
    def __init__(self, url: str, *, request_queue: str = DEFAULT_REQUEST_QUEUE, tls: ClientTls = ClientTls()):
        """TlsSetupError at once when `tls` cannot be used with `url` (amqps://, checked as `tls` says)."""
        self._broker = Broker.at(url, tls)
        self._request_queue = request_queue
        self._client: AmqpClient | None = None
        self._connecting = asyncio.Lock()

    async def _connected(self, request: httpx.Request) -> AmqpClient:
        async with self._connecting:
            if self._client is None:
                try:
                    self._client = await AmqpClient.over(self._broker, request_queue=self._request_queue)
                except BROKER_FAILURES as exc:
                    raise httpx.ConnectError(f"cannot reach the AMQP broker: {exc}", request=request) from exc
            return self._client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        client = await self._connected(request)
        path, _, query = request.url.raw_path.decode("ascii").partition("?")
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in request.headers.raw}
        # The scope travels as the message's own field, not as a header.
        scope = next((headers.pop(name) for name in list(headers) if name.lower() == SCOPE_HEADER.lower()), None)
        try:
            reply = await client.request(
                request.method, path, query=query, headers=headers, content=await request.aread(),
                timeout=_read_timeout(request), scope=scope,
            )  # fmt: skip
        except TimeoutError as exc:
            raise httpx.ReadTimeout("no reply over AMQP in time", request=request) from exc
        except NoGatewayQueue as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        except BROKER_FAILURES as exc:
            self._client = None  # connect again on the next request
            raise httpx.ReadError(f"lost the AMQP broker: {exc}", request=request) from exc
        return httpx.Response(reply.status, headers=reply.headers, content=reply.content(), request=request)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None


class BlockingAmqpTransport(httpx.BaseTransport):
    """The same for blocking clients: the async transport, run on an event loop of its own."""

    def __init__(self, url: str, *, request_queue: str = DEFAULT_REQUEST_QUEUE, tls: ClientTls = ClientTls()):
        self._transport = AmqpTransport(url, request_queue=request_queue, tls=tls)
        self._runner = asyncio.Runner()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()  # a blocking client's body stream cannot be read on the loop
        return self._runner.run(self._transport.handle_async_request(request))

    def close(self) -> None:
        self._runner.run(self._transport.aclose())
        self._runner.close()
