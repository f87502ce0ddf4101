"""AMQP benchmark: events the relay publishes per second (with publisher confirms and its position
recorded), and API round-trips per second over AMQP request/reply, beside the same requests made
to the API app in process (no transport at all) for scale.

    python -m bench.amqp [--url amqp://…] [--events N] [--requests N] [--concurrency N]

Without --url it starts a throwaway RabbitMQ on 127.0.0.1 (Debian's rabbitmq-server) and stops it after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from bench.gateways import ADMIN_SECRET, add_sim_account, bench_settings, poll
from bench.waiting import until
from cloudgate.cli.amqp_client import AmqpClient
from cloudgate.events.relay import EventRelay
from cloudgate.frontends.amqp_rpc import RequestServer
from cloudgate.app import create_app
from cloudgate.core.auth import ADMIN_ID
from cloudgate.app import Gateway
from cloudgate.drivers import sim
from cloudgate.model import Kind
from cloudgate.settings import Settings

SEQUENTIAL_SAMPLE = 200


def _settings(data_dir: Path, url: str, **overrides: Any) -> Settings:
    tag = secrets.token_hex(4)
    return bench_settings(data_dir, amqp_url=url, amqp_events_exchange=f"bench.events.{tag}",
                          amqp_request_queue=f"bench.requests.{tag}", **overrides)  # fmt: skip


async def _relay_rate(gateway: Gateway, events: int) -> float:
    """Write `events` instance-created events, then time a relay publishing all of them from the outbox."""
    cloud = sim.register(sim.SimCloud(f"sim://bench-{secrets.token_hex(4)}", clock=sim.SimClock(time.time())))
    try:
        account = await add_sim_account(gateway, cloud, "bench", servers=events)
        await poll(gateway, account, (Kind.INSTANCE,))
        head = await gateway.core.events.head()
        relay = EventRelay(gateway.store, gateway.hub, gateway.broker, gateway.settings)
        began = time.perf_counter()
        relaying = asyncio.create_task(relay.run())
        try:
            await until(lambda: relay.confirmed >= head, "the relay", timeout=600)
        finally:
            relaying.cancel()
        return head / (time.perf_counter() - began)
    finally:
        sim.unregister(cloud.endpoint)


async def _in_flight(call: Callable[[], Awaitable[int]], requests: int, concurrency: int) -> float:
    """Requests per second with `concurrency` in flight; every answer must be 200."""
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            assert await call() == 200

    began = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(requests)))
    return requests / (time.perf_counter() - began)


async def _in_process_rate(gateway: Gateway, token: str, requests: int, concurrency: int) -> float:
    transport = httpx.ASGITransport(app=create_app(gateway=gateway))
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        headers = {"authorization": f"Bearer {token}"}
        return await _in_flight(lambda: _status(http.get("/v1/whoami", headers=headers)), requests, concurrency)


async def _status(response: Awaitable[httpx.Response]) -> int:
    return (await response).status_code


async def _rpc_rates(gateway: Gateway, requests: int, concurrency: int) -> tuple[float, float, float]:
    """(round-trips per second with `concurrency` in flight, median ms of one round-trip at a time,
    requests per second to the app in process with as many in flight)."""
    server = RequestServer(gateway.front_ends(), gateway.broker, gateway.settings)
    serving = asyncio.create_task(server.run())
    try:
        await until(lambda: server.consuming, "the request server", timeout=30)
        settings = gateway.settings
        async with await AmqpClient.connect(
            settings.amqp_url or "", request_queue=settings.amqp_request_queue
        ) as client:
            issued = await client.request(
                "POST", "/v1/tokens", headers={"content-type": "application/json"},
                content=json.dumps({"client_id": ADMIN_ID, "secret": ADMIN_SECRET}).encode(),
            )  # fmt: skip
            token = json.loads(issued.content())["token"]
            headers = {"authorization": f"Bearer {token}"}

            async def round_trip() -> int:
                return (await client.request("GET", "/v1/whoami", headers=headers)).status

            one_at_a_time = []
            for _ in range(SEQUENTIAL_SAMPLE):
                began = time.perf_counter()
                assert await round_trip() == 200
                one_at_a_time.append((time.perf_counter() - began) * 1000)
            over_amqp = await _in_flight(round_trip, requests, concurrency)
            in_process = await _in_process_rate(gateway, token, requests, concurrency)
            return over_amqp, statistics.median(one_at_a_time), in_process
    finally:
        serving.cancel()


async def measure(url: str, *, events: int = 5000, requests: int = 2000, concurrency: int = 32) -> dict[str, Any]:
    """Run both measurements against the broker at `url`; the figures, by name."""
    with tempfile.TemporaryDirectory(prefix="cloudgate-bench-amqp-") as data_dir:
        # Relay and request server are started by the measurements themselves, to time them alone.
        settings = _settings(Path(data_dir), url, amqp_relay=False, amqp_serve_requests=False,
                             amqp_prefetch=concurrency)  # fmt: skip
        gateway = await Gateway.open(settings)
        try:
            published = await _relay_rate(gateway, events)
            round_trips, median_ms, in_process = await _rpc_rates(gateway, requests, concurrency)
        finally:
            await gateway.close()
    return {
        "events": events, "relay_batch": settings.amqp_relay_batch,
        "events_published_per_second": round(published, 1),
        "rpc_requests": requests, "rpc_concurrency": concurrency,
        "rpc_round_trips_per_second": round(round_trips, 1),
        "rpc_round_trip_ms_median_one_at_a_time": round(median_ms, 2),
        "in_process_requests_per_second": round(in_process, 1),
    }  # fmt: skip


FULL = {"events": 20_000, "requests": 5_000, "concurrency": 32}
QUICK = {"events": 3_000, "requests": 1_000, "concurrency": 32}


def measure_with_broker(url: str | None, **sizes: int) -> dict[str, Any]:
    """`measure` against the broker at `url`, or a throwaway one started on 127.0.0.1 and stopped after."""
    if url is not None:
        return asyncio.run(measure(url, **sizes))
    from tests.services import rabbitmq  # the tests' throwaway broker: run from the repository's root

    if not rabbitmq.available():
        return {"skipped": "rabbitmq-server is not installed"}
    broker = rabbitmq.start()
    try:
        return asyncio.run(measure(broker.url, **sizes))
    finally:
        broker.stop()


def run(quick: bool) -> dict[str, Any]:
    return measure_with_broker(None, **(QUICK if quick else FULL))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="AMQP URL of a broker to use (default: start a throwaway one)")
    parser.add_argument("--events", type=int, default=FULL["events"])
    parser.add_argument("--requests", type=int, default=FULL["requests"])
    parser.add_argument("--concurrency", type=int, default=FULL["concurrency"])
    options = parser.parse_args()
    figures = measure_with_broker(options.url, events=options.events, requests=options.requests,
                                  concurrency=options.concurrency)  # fmt: skip
    for name, value in figures.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
