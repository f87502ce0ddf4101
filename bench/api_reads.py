"""Reads against the gateway's HTTP API: an account's instances page after page, and single GETs one at
a time or many in flight."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import httpx

PAGE = 1000  # the largest page the API serves: what a client listing everything asks for


async def list_all(http: httpx.AsyncClient, account: str) -> tuple[list[str], float]:
    """(instance ids, seconds) of listing every instance of `account`, following the cursor page after page."""
    began = time.perf_counter()
    ids, cursor = [], None
    while True:
        params: dict[str, Any] = {"account": account, "limit": PAGE} | ({"cursor": cursor} if cursor else {})
        body = (await http.get("/v1/instances", params=params)).raise_for_status().json()
        ids += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids, time.perf_counter() - began


async def _get(http: httpx.AsyncClient, resource_id: str) -> None:
    (await http.get(f"/v1/instances/{resource_id}")).raise_for_status()


async def get_latencies(http: httpx.AsyncClient, ids: list[str], count: int) -> list[float]:
    """Milliseconds of `count` GETs of random instances among `ids`, one at a time."""
    rng = random.Random(3)
    latencies = []
    for _ in range(count):
        began = time.perf_counter()
        await _get(http, rng.choice(ids))
        latencies.append((time.perf_counter() - began) * 1000)
    return latencies


async def get_rate(http: httpx.AsyncClient, ids: list[str], seconds: float, concurrency: int) -> tuple[int, float]:
    """(requests, per second) of GETs of random instances among `ids`, `concurrency` in flight for `seconds`."""
    rng = random.Random(4)
    done = 0
    began = time.perf_counter()

    async def client() -> None:
        nonlocal done
        while time.perf_counter() - began < seconds:
            await _get(http, rng.choice(ids))
            done += 1

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return done, done / (time.perf_counter() - began)
