"""Events delivered per second over HTTP to one reader catching up on a backlog: long-poll pages
(/v1/events) and the Server-Sent Events stream (/v1/events/stream), from `cloudgate serve` in its own process.

The backlog is the created events of a sim account's instances, written by one poll.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from pathlib import Path
from typing import Any

import httpx

from bench.feed import drain_long_poll, drain_stream
from bench.gateways import admin_token, bench_settings, fill_store
from bench.served import served

log = logging.getLogger("bench.delivery")

FULL = {"events": 50_000, "repeats": 3}
QUICK = {"events": 5_000, "repeats": 2}


async def _rates(url: str, events: int, page: int, repeats: int) -> dict[str, float]:
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        http.headers["authorization"] = f"Bearer {await admin_token(http)}"
        long_poll = min([await drain_long_poll(http, events, page) for _ in range(repeats)])
        stream = min([await drain_stream(http, events) for _ in range(repeats)])
    return {"long_poll_per_s": round(events / long_poll), "sse_per_s": round(events / stream)}


def measure(events: int, repeats: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="cloudgate-bench-events-") as tmp:
        log.info("events: writing a backlog of %d events", events)
        _account, head = asyncio.run(fill_store(Path(tmp), events))
        page = bench_settings(Path(tmp)).events_page_max
        with served(Path(tmp)) as server:
            log.info("events: draining it through long-poll and SSE")
            rates = asyncio.run(_rates(server.url, head, page, repeats))
    return {"events": head, "page": page, "repeats": repeats, **rates}


def run(quick: bool) -> dict[str, Any]:
    return measure(**(QUICK if quick else FULL))
