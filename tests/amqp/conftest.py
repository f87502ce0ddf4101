"""Fixtures for the AMQP tests: one RabbitMQ broker for the session, gateways that relay events to it
and serve requests from it (each test on an exchange and a queue of its own), and a tap that reads
the events as a consumer would."""

from __future__ import annotations

import asyncio
import inspect
import itertools
import random
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aio_pika
import orjson
import pytest
from aio_pika.abc import AbstractIncomingMessage

from cloudgate.events.topology import SEQ_HEADER, declare_events_exchange
from cloudgate.core import Caller, Principal
from cloudgate.core.auth import ADMIN_ID
from cloudgate.app import Gateway
from cloudgate.drivers import sim
from cloudgate.model import Kind
from cloudgate.poller.diff import MISSES_BEFORE_DELETE
from cloudgate.settings import Settings
from cloudgate.store import Store
from cloudgate.store import relay as positions
from tests.conftest import SimWorld, sim_settings
from tests.services import certs, rabbitmq

T = TypeVar("T")


@pytest.fixture(scope="session")
def rabbitmq_server() -> Iterator[rabbitmq.RabbitServer]:
    if not rabbitmq.available():
        pytest.fail("RabbitMQ is not installed: apt-get install rabbitmq-server (scripts/rabbitmq-dev up does)")
    server = rabbitmq.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def rabbitmq_tls_server(certificates: certs.Certificates) -> Iterator[rabbitmq.RabbitServer]:
    """A broker that also listens for amqps, with the test CA's server certificate, demanding a client's."""
    if not rabbitmq.available():
        pytest.fail("RabbitMQ is not installed: apt-get install rabbitmq-server (scripts/rabbitmq-dev up does)")
    server = rabbitmq.start(rabbitmq.BrokerTls(certificates.ca, certificates.server.cert, certificates.server.key))
    yield server
    server.stop()


def amqp_settings(tmp_path: Path, database_url: str, broker: rabbitmq.RabbitServer, **overrides: Any) -> Settings:
    """Settings of a gateway on `broker`, with an events exchange and a request queue of its own test."""
    tag = secrets.token_hex(4)
    values: dict[str, Any] = {
        "amqp_url": broker.url, "amqp_events_exchange": f"test.events.{tag}",
        "amqp_request_queue": f"test.requests.{tag}", "amqp_reconnect_min_seconds": 0.05,
        "amqp_reconnect_max_seconds": 0.5,
    }  # fmt: skip
    return sim_settings(tmp_path, database_url, **{**values, **overrides})


async def eventually(probe: Callable[[], T | Awaitable[T]], *, what: str, timeout: float = 30.0) -> T:
    """Re-run `probe` (plain or async) until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)  # the pace of re-checking, not a synchronisation


async def produce(world: SimWorld, account_id: str, *, servers: int = 0, churn: float = 0.0, seed: int = 0) -> int:
    """Change the cloud (new servers, and churn of a fraction of them), let the gateway see it; the outbox head."""
    if servers:
        world.cloud.populate("p1", world.cloud.regions[0], servers=servers)
    if churn:
        world.cloud.churn("p1", churn, random.Random(seed))
    for _ in range(MISSES_BEFORE_DELETE):  # a resource gone from the cloud is deleted after this many polls
        result = await world.gateway.poller.poll(account_id, Kind.INSTANCE)
        assert result.ok, result.error
    return await world.gateway.core.events.head()


async def keep_producing(world: SimWorld, account_id: str, stop: asyncio.Event) -> None:
    """Change the cloud and poll it, round after round, until told to stop: a stream of events."""
    for round_ in itertools.count():
        if stop.is_set():
            return
        await produce(world, account_id, servers=10, churn=0.2, seed=round_)


async def confirmed_position(store: Store, exchange: str) -> int:
    async with store.read() as conn:
        return await positions.confirmed(conn, exchange)


async def position_reaches(store: Store, exchange: str, seq: int, what: str = "the relay's position") -> None:
    """Wait until the relay's recorded position (the broker confirmed every event up to it) is `seq` or beyond."""

    async def reached() -> bool:
        return await confirmed_position(store, exchange) >= seq

    await eventually(reached, what=f"{what} to reach {seq}", timeout=60.0)


@pytest.fixture
async def relay_world(
    database_url: str, tmp_path: Path, rabbitmq_server: rabbitmq.RabbitServer
) -> AsyncIterator[SimWorld]:
    """A gateway relaying its events to the broker, on each store backend, beside a fresh simulated cloud."""
    cloud = sim.register(sim.SimCloud(f"sim://{secrets.token_hex(4)}", seed=7, clock=sim.SimClock(time.time())))
    gateway = await Gateway.open(
        amqp_settings(tmp_path, database_url, rabbitmq_server, amqp_serve_requests=False, amqp_relay_batch=20)
    )  # many batches: a failure can fall between two
    await gateway.start()
    world = SimWorld(gateway, cloud, Caller(Principal(ADMIN_ID, "admin", True)))
    yield world
    await world.gateway.close()  # a test may have restarted it
    sim.unregister(cloud.endpoint)


@dataclass(frozen=True, slots=True)
class Delivered:
    seq: int
    routing_key: str
    body: dict[str, Any]
    redelivered: bool


class EventTap:
    """A durable queue bound to an events exchange and consumed as a client would: acknowledging each
    message once kept, so a message in flight when the broker dies comes again."""

    def __init__(self, url: str, exchange: str, binding: str):
        self._url = url
        self._exchange = exchange
        self._binding = binding
        self._queue_name = f"tap.{secrets.token_hex(4)}"
        self._connection: aio_pika.abc.AbstractConnection | None = None
        self.delivered: list[Delivered] = []
        self._arrived = asyncio.Event()

    async def open(self) -> EventTap:
        """Declare and bind the queue (again, after a broker restart) and consume from it."""
        self._connection = await aio_pika.connect(self._url)
        channel = await self._connection.channel()
        exchange = await declare_events_exchange(channel, self._exchange)
        queue = await channel.declare_queue(self._queue_name, durable=True)
        await queue.bind(exchange, self._binding)
        await queue.consume(self._keep)
        return self

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()

    async def _keep(self, message: AbstractIncomingMessage) -> None:
        body = orjson.loads(message.body)
        seq = message.headers[SEQ_HEADER]
        self.delivered.append(Delivered(seq, message.routing_key or "", body, message.redelivered))
        await message.ack()
        arrived, self._arrived = self._arrived, asyncio.Event()
        arrived.set()

    def in_order(self) -> list[Delivered]:
        """What a consumer keeps: each seq once, dropping repeats; fails on a gap or a step back."""
        kept: list[Delivered] = []
        for message in self.delivered:
            last = kept[-1].seq if kept else None
            if last is not None and message.seq <= last:
                continue  # delivered before: at least once means sometimes twice
            assert last is None or message.seq == last + 1, f"gap: {last} then {message.seq}"
            kept.append(message)
        return kept

    async def until(self, seq: int, timeout: float = 60.0) -> list[Delivered]:
        """Wait until the event with `seq` has arrived; what a consumer keeps."""
        async with asyncio.timeout(timeout):
            while not any(message.seq >= seq for message in self.delivered):
                await self._arrived.wait()
        return self.in_order()


@pytest.fixture
async def tap_of(rabbitmq_server: rabbitmq.RabbitServer) -> AsyncIterator[Callable[..., Awaitable[EventTap]]]:
    """Open taps on exchanges (binding `#` unless told); all are closed afterwards."""
    taps: list[EventTap] = []

    async def open_tap(exchange: str, binding: str = "#") -> EventTap:
        taps.append(await EventTap(rabbitmq_server.url, exchange, binding).open())
        return taps[-1]

    yield open_tap
    for tap in taps:
        await tap.close()
