"""The dashboard's pages over a store of 10,000 sim instances, from `cloudgate serve` (issue 20: the instances
list renders its first page in ≤ 300 ms server time).

A browser signed in through the form (the session cookie) asks for the instances list's first page, the overview
and a filtered list, again and again, in turn; the peer, in the same run and the same turns, is /v1's listing of the
same first page (a bearer token, JSON). Each figure is the time from the request sent to the answer read in full
by an aiohttp client on 127.0.0.1 (the server's time and one loopback round trip), median and p99.
"""

from __future__ import annotations

import asyncio
import logging
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.api_reads import reader
from bench.gateways import ADMIN_SECRET, fill_store
from bench.served import served
from bench.stats import distribution
from cloudgate.core.auth import ADMIN_ID

log = logging.getLogger("bench.dashboard")

FULL = {"instances": 10_000, "repeats": 200, "warmup": 10}
QUICK = {"instances": 10_000, "repeats": 30, "warmup": 3}
PAGE = 50  # the list's first page as the dashboard shows it by default
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
COUNT = re.compile(r'id="list-count">([0-9]+) ')


def pages(account: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """What is timed: name -> (path, query)."""
    return {
        "instances_first_page": ("/ui/instances", {}),
        "overview": ("/ui/", {}),
        "filtered_list": ("/ui/instances", {"name": "server-9*", "state": "running", "account": account}),
        "v1_first_page": ("/v1/instances", {"limit": PAGE}),
    }


async def _signed_in(url: str) -> aiohttp.ClientSession:
    """A session with the dashboard's cookie, signed in through the form as a browser is."""
    jar = aiohttp.CookieJar(unsafe=True)  # cookies of 127.0.0.1, which aiohttp otherwise refuses (an IP address)
    browser = aiohttp.ClientSession(url, cookie_jar=jar, timeout=aiohttp.ClientTimeout(total=60))
    try:
        async with browser.get("/ui/signin") as response:
            found = CSRF.search(await response.text())
        if found is None:
            raise RuntimeError("the sign-in page has no CSRF token")
        form = {"csrf": found.group(1), "client_id": ADMIN_ID, "secret": ADMIN_SECRET}
        async with browser.post("/ui/signin", data=form, allow_redirects=False) as response:
            if response.status != 303:
                raise RuntimeError(f"signing in answered {response.status}")
    except BaseException:
        await browser.close()
        raise
    return browser


async def _timed(http: aiohttp.ClientSession, path: str, query: dict[str, Any], expect: str) -> float:
    began = time.perf_counter()
    async with http.get(path, params=query, allow_redirects=False) as response:
        body = await response.read()
    took = time.perf_counter() - began
    if response.status != 200 or expect.encode() not in body:
        raise RuntimeError(f"{path} answered {response.status} without {expect!r}")
    return took


async def _measure(url: str, account: str, repeats: int, warmup: int) -> dict[str, Any]:
    targets = pages(account)
    # What each answer must hold: the page's list, the overview's counts, /v1's items.
    expected = {"instances_first_page": "server-", "overview": 'id="counts"', "filtered_list": "server-9",
                "v1_first_page": '"items"'}  # fmt: skip
    samples: dict[str, list[float]] = {name: [] for name in targets}
    browser = await _signed_in(url)
    try:
        async with reader(url, concurrency=1) as api:
            for turn in range(warmup + repeats):
                for name, (path, query) in targets.items():  # in turn: every page meets the same conditions
                    http = api if name.startswith("v1") else browser
                    took = await _timed(http, path, query, expected[name])
                    if turn >= warmup:
                        samples[name].append(took * 1000)
            async with browser.get("/ui/instances", params={"limit": PAGE}) as response:
                page = await response.text()
            path, query = targets["filtered_list"]
            async with browser.get(path, params=query) as response:
                filtered = COUNT.search(await response.text())
    finally:
        await browser.close()
    counted = COUNT.search(page)
    figures: dict[str, Any] = {name: distribution(values, 1) for name, values in samples.items()}
    peer = figures["v1_first_page"]["p50"]
    for name in ("instances_first_page", "overview", "filtered_list"):
        figures[name]["over_v1"] = round(figures[name]["p50"] / peer, 1)
    figures["rows_on_first_page"] = page.count('<tr data-id="')
    figures["listed_total"] = int(counted.group(1)) if counted else None
    figures["filtered_total"] = int(filtered.group(1)) if filtered else None
    return figures


def measure(instances: int, repeats: int, warmup: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="cloudgate-bench-dashboard-") as tmp:
        log.info("dashboard: storing %d sim instances", instances)
        began = time.monotonic()
        account, _head = asyncio.run(fill_store(Path(tmp), instances))
        stored_s = time.monotonic() - began
        log.info("dashboard: starting cloudgate serve, timing %d turns of each page", repeats)
        with served(Path(tmp)) as gateway:
            figures = asyncio.run(_measure(gateway.url, account, repeats, warmup))
    return {"instances": instances, "repeats": repeats, "page": PAGE, "store_s": round(stored_s, 1), **figures}


def run(quick: bool) -> dict[str, Any]:
    return measure(**(QUICK if quick else FULL))
