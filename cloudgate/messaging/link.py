"""Reaching the broker: its address and TLS (the one place a broker connection's TLS context is made), and
staying connected: connect, run a session on the connection until it fails or the broker goes away, then
connect again after an exponential, jittered backoff, until cancelled."""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import urlsplit

import aio_pika
from aio_pika.abc import AbstractConnection
from aio_pika.exceptions import AMQPError, ChannelInvalidStateError

from cloudgate.settings import Settings
from cloudgate.tls import ClientTls, TlsSetupError

log = logging.getLogger("cloudgate.amqp")

CONNECT_TIMEOUT_SECONDS = 10.0
# What a broker going away looks like; anything else is a bug worth a traceback in the log.
BROKER_FAILURES = (AMQPError, ChannelInvalidStateError, OSError, TimeoutError)

Session = Callable[[AbstractConnection], Coroutine[Any, Any, None]]


@dataclass(frozen=True, slots=True)
class Broker:
    """A broker to connect to: plain `amqp://`, or `amqps://` with its certificate checked (and ours shown)."""

    url: str
    ssl_context: ssl.SSLContext | None

    @classmethod
    def at(cls, url: str, tls: ClientTls) -> Broker:
        """TlsSetupError when `tls` cannot be used: unreadable files, or TLS asked of an amqp:// URL."""
        scheme = urlsplit(url).scheme
        if scheme == "amqps":
            return cls(url, tls.context())
        if tls.given:
            # aio-pika would connect in plain text and leave the context unused.
            raise TlsSetupError(f"TLS settings were given for a plain-text {scheme}:// URL: use amqps://")
        return cls(url, None)

    @classmethod
    def from_settings(cls, settings: Settings) -> Broker:
        assert settings.amqp_url, "no AMQP URL in the settings"
        tls = ClientTls(
            ca_file=settings.amqp_ca_file, cert_file=settings.amqp_client_cert_file,
            key_file=settings.amqp_client_key_file,
        )  # fmt: skip
        return cls.at(settings.amqp_url, tls)

    async def connect(self, timeout: float = CONNECT_TIMEOUT_SECONDS) -> AbstractConnection:
        # An explicit context: the URL's own TLS query options (cafile, no_verify_ssl…) are never used.
        return await aio_pika.connect(self.url, timeout=timeout, ssl_context=self.ssl_context)


@dataclass(frozen=True, slots=True)
class Backoff:
    first: float
    most: float

    @classmethod
    def from_settings(cls, settings: Settings) -> Backoff:
        return cls(settings.amqp_reconnect_min_seconds, settings.amqp_reconnect_max_seconds)

    def after(self, failures: int) -> float:
        """The pause after `failures` failed attempts in a row: doubling, capped, with jitter so that
        many gateways do not all knock on a restarted broker at once."""
        ceiling = min(self.most, self.first * 2 ** max(0, failures - 1))
        return random.uniform(ceiling / 2, ceiling)


async def _until_lost(connection: AbstractConnection) -> NoReturn:
    lost: asyncio.Future[BaseException | None] = asyncio.get_running_loop().create_future()

    def note(_connection: object, reason: BaseException | None = None) -> None:
        if not lost.done():
            lost.set_result(reason)

    connection.close_callbacks.add(note)
    reason = await lost
    raise ConnectionError(f"the connection to the broker ended ({reason or 'closed'})")


async def _run_session(broker: Broker, session: Session, on_connected: Callable[[bool], None]) -> None:
    connection = await broker.connect()
    async with connection:
        on_connected(True)
        try:
            # The session may be idle (waiting for events or requests): the connection's end stops it too.
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(session(connection))
                tasks.create_task(_until_lost(connection))
        finally:
            on_connected(False)


def _first(error: BaseException) -> BaseException:
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error


async def stay_connected(
    broker: Broker, session: Session, *, what: str, backoff: Backoff, on_connected: Callable[[bool], None]
) -> NoReturn:
    """Run `session` on a connection to `broker`, again and again; `on_connected` hears each change."""
    failures = 0
    while True:
        reached = False

        def heard(up: bool) -> None:
            nonlocal reached
            reached = reached or up
            on_connected(up)

        try:
            await _run_session(broker, session, heard)
        except Exception as caught:
            error = _first(caught)
            if isinstance(error, BROKER_FAILURES):
                log.warning("%s: no broker (%s)", what, str(error) or type(error).__name__)
            else:
                log.error("%s failed; starting over", what, exc_info=error)
        failures = 1 if reached else failures + 1
        pause = backoff.after(failures)
        log.info("%s: reconnecting in %.1f s", what, pause)
        await asyncio.sleep(pause)
