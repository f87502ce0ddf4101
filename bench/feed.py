"""Reading the event feed over HTTP: a long-poll follower that notes when each event arrives, and
readers that drain a backlog through long-poll pages or the Server-Sent Events stream."""

from __future__ import annotations

import time
from typing import Any

import httpx
import orjson

LONG_POLL_WAIT = 30.0  # seconds a long-poll waits for an event before it comes back empty
# A follower's long-polls are short: an event is handed to a waiting request at once whatever its wait,
# and a short wait lets the server stop gracefully (no request left hanging) when the benchmark ends.
FOLLOW_WAIT = 1.0


class Follower:
    """Long-polls /v1/events from `after` until cancelled; `arrivals` holds (event, time.time() on arrival)."""

    def __init__(self, http: httpx.AsyncClient, after: int):
        self._http = http
        self.after = after
        self.arrivals: list[tuple[dict[str, Any], float]] = []

    async def run(self) -> None:
        while True:
            response = await self._http.get("/v1/events", params={"after": self.after, "wait": FOLLOW_WAIT})
            arrived = time.time()
            response.raise_for_status()
            page = response.json()
            self.arrivals.extend((event, arrived) for event in page["events"])
            self.after = page["next_after"]


async def drain_long_poll(http: httpx.AsyncClient, events: int, page: int) -> float:
    """Seconds to read `events` events from the start of the feed, `page` at a time."""
    began = time.perf_counter()
    after, seen = 0, 0
    while seen < events:
        response = await http.get("/v1/events", params={"after": after, "limit": page, "wait": LONG_POLL_WAIT})
        response.raise_for_status()
        body = response.json()
        seen += len(body["events"])
        after = body["next_after"]
    return time.perf_counter() - began


async def drain_stream(http: httpx.AsyncClient, events: int) -> float:
    """Seconds to receive `events` events from the start of the feed through /v1/events/stream."""
    began = time.perf_counter()
    seen = 0
    async with http.stream("GET", "/v1/events/stream", params={"after": 0}, timeout=LONG_POLL_WAIT) as response:
        response.raise_for_status()
        async for line in response.aiter_lines():
            if line.startswith("data:"):
                orjson.loads(line[5:])  # a client reads each event, as the long-poll reader does
                seen += 1
                if seen >= events:
                    break
    return time.perf_counter() - began
