"""Reads against the gateway's HTTP API: an account's instances page after page, and single GETs one at
a time or many in flight.

The load comes from aiohttp, with bodies parsed by orjson: an httpx client spends ~2 ms of CPU per
request, more than the server's answer, so with it the figure was the client's speed, not the gateway's.
"""

from __future__ import annotations

import asyncio
import random
import time
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import orjson

from bench.gateways import ADMIN_SECRET
from cloudgate.core.auth import ADMIN_ID

PAGE = 1000  # the largest page the API serves: what a client listing everything asks for


@asynccontextmanager
async def reader(url: str, concurrency: int = 32):
    """An aiohttp session on `url` with the admin's bearer token, `concurrency` connections at most."""
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(url, connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as http:
        async with http.post("/v1/tokens", json={"client_id": ADMIN_ID, "secret": ADMIN_SECRET}) as response:
            response.raise_for_status()
            token = (await response.json())["token"]
        http.headers["authorization"] = f"Bearer {token}"
        yield http


async def _json(http: aiohttp.ClientSession, path: str, params: dict[str, Any] | None = None) -> Any:
    async with http.get(path, params=params) as response:
        response.raise_for_status()
        return orjson.loads(await response.read())


async def list_all(http: aiohttp.ClientSession, account: str) -> tuple[list[str], float]:
    """(instance ids, seconds) of listing every instance of `account`, following the cursor page after page."""
    began = time.perf_counter()
    ids, cursor = [], None
    while True:
        params: dict[str, Any] = {"account": account, "limit": PAGE} | ({"cursor": cursor} if cursor else {})
        body = await _json(http, "/v1/instances", params)
        ids += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids, time.perf_counter() - began


async def get_latencies(http: aiohttp.ClientSession, ids: list[str], count: int) -> list[float]:
    """Milliseconds of `count` GETs of random instances among `ids`, one at a time."""
    rng = random.Random(3)
    latencies = []
    for _ in range(count):
        began = time.perf_counter()
        await _json(http, f"/v1/instances/{rng.choice(ids)}")
        latencies.append((time.perf_counter() - began) * 1000)
    return latencies


async def get_rate(
    http: aiohttp.ClientSession, ids: list[str], seconds: float, concurrency: int, *, path: str | None = None
) -> tuple[int, float]:
    """(requests, per second) of GETs of random instances among `ids` (or of `path`), `concurrency` in
    flight for `seconds`."""
    rng = random.Random(4)
    done = 0
    began = time.perf_counter()

    async def client() -> None:
        nonlocal done
        while time.perf_counter() - began < seconds:
            await _json(http, path or f"/v1/instances/{rng.choice(ids)}")
            done += 1

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return done, done / (time.perf_counter() - began)
