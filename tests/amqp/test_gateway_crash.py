"""A gateway killed mid-relay (SIGKILL, nothing flushed) and started again loses no event: the relay of
`cloudgate serve` resumes after the last position the broker confirmed, which it recorded."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from cloudgate.core import Caller, Principal
from cloudgate.core.auth import ADMIN_ID
from cloudgate.app import Gateway
from cloudgate.drivers import sim
from tests.amqp.conftest import eventually, keep_producing, position_reaches
from tests.conftest import SimWorld, sim_settings
from tests.services.rabbitmq import RabbitServer, free_port

CLOUDGATE = str(Path(sys.executable).parent / "cloudgate")


class Served:
    """`cloudgate serve` in a process of its own, relaying the events of a store it shares with the test."""

    def __init__(self, tmp_path: Path, env: dict[str, str]):
        self._tmp_path = tmp_path
        self._env = env
        self.exchange = env["CLOUDGATE_AMQP_EVENTS_EXCHANGE"]
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        with (self._tmp_path / "serve.log").open("ab") as log:
            self.process = subprocess.Popen(
                [CLOUDGATE, "serve", "--no-demo", "--port", str(port), "--data-dir", str(self._tmp_path)],
                env=self._env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )  # fmt: skip

    async def relaying(self) -> bool:
        """Whether it serves, with its relay connected to the broker."""
        assert self.process is not None
        if self.process.poll() is not None:
            log = (self._tmp_path / "serve.log").read_text()[-3000:]
            raise AssertionError(f"cloudgate serve exited with {self.process.returncode}:\n{log}")
        try:
            async with httpx.AsyncClient(timeout=2.0) as http:
                ready = await http.get(f"{self.url}/readyz")
        except httpx.HTTPError:
            return False
        return ready.status_code == 200 and ready.json()["amqp_relay"]["connected"]

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture
def served(tmp_path: Path, rabbitmq_server: RabbitServer) -> Iterator[Served]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDGATE_")}
    env.update({
        "CLOUDGATE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/store.sqlite",
        "CLOUDGATE_ADMIN_SECRET": "admin-secret",
        "CLOUDGATE_RUN_POLLER": "false",  # the test's own gateway polls the simulated cloud, which lives in the test
        "CLOUDGATE_AMQP_URL": rabbitmq_server.url,
        "CLOUDGATE_AMQP_EVENTS_EXCHANGE": f"test.events.{secrets.token_hex(4)}",
        "CLOUDGATE_AMQP_SERVE_REQUESTS": "false",
        "CLOUDGATE_AMQP_RELAY_BATCH": "10",  # many small batches: the kill falls between a publish and its record
        "CLOUDGATE_AMQP_RECONNECT_MAX_SECONDS": "0.5",
    })  # fmt: skip
    server = Served(tmp_path, env)
    yield server
    server.stop()


@pytest.fixture
async def producer(tmp_path: Path) -> AsyncIterator[SimWorld]:
    """A gateway in the test process that writes events into the store `cloudgate serve` relays from (it
    runs no relay itself), beside a simulated cloud."""
    cloud = sim.register(sim.SimCloud(f"sim://{secrets.token_hex(4)}", seed=11, clock=sim.SimClock(time.time())))
    gateway = await Gateway.open(sim_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path}/store.sqlite"))
    await gateway.start()
    yield SimWorld(gateway, cloud, Caller(Principal(ADMIN_ID, "admin", True)))
    await gateway.close()
    sim.unregister(cloud.endpoint)


@pytest.mark.slow
async def test_a_gateway_killed_mid_relay_loses_no_event(producer, served, tap_of):
    exchange = served.exchange
    store = producer.gateway.store
    tap = await tap_of(exchange)
    account = await producer.account()
    served.start()
    await eventually(served.relaying, what="cloudgate serve to relay", timeout=90)
    stop = asyncio.Event()
    stream = asyncio.create_task(keep_producing(producer, account, stop))
    try:
        await position_reaches(store, exchange, 100)
        served.kill()  # SIGKILL: no clean stop, whatever was published but not yet recorded is in limbo
        killed_at = await producer.gateway.core.events.head()

        async def events_while_down() -> bool:
            return await producer.gateway.core.events.head() >= killed_at + 100

        await eventually(events_while_down, what="events while the gateway is down")
        served.start()
        await eventually(served.relaying, what="cloudgate serve to relay again", timeout=90)
        await position_reaches(store, exchange, killed_at + 200)
    finally:
        stop.set()
        await stream
    head = await producer.gateway.core.events.head()
    kept = await tap.until(head)
    assert [m.seq for m in kept] == list(range(1, head + 1))
    assert [m.body for m in kept] == [event.to_dict() for event in await producer.events()]
    await position_reaches(store, exchange, head)
