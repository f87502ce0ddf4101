"""`python -m bench.profile {poll,gets,list,layers} [--seconds S]`: where the time goes behind a figure.

  poll    py-spy on the churn cycles of 100k resources (not the fill, not the first cycle), in this process
  gets    py-spy on cloudgate serve answering single-resource GETs, 32 in flight, for S seconds
  list    py-spy on cloudgate serve answering listings of 10k instances (pages of 1,000), for S seconds
  layers  CPU per call of each layer a single GET goes through, in process (no sampling)

The py-spy scenarios print the largest shares of samples that hold the GIL (Python time) and write py-spy's
raw samples and that summary under bench/results/. They need py-spy in the virtualenv (pip install py-spy).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import httpx
from rich.console import Console
from rich.table import Table
from starlette.concurrency import run_in_threadpool

from bench.api_reads import get_rate, list_all, reader
from bench.gateways import ADMIN, admin_token, bench_settings, fill_store
from bench.poll import filled
from bench.sampling import recording, summarize
from bench.served import served
from cloudgate.app import create_app
from cloudgate.app import Gateway
from cloudgate.model import Kind
from cloudgate.query import ResourceQuery
from cloudgate.runtime import tune_gc
from cloudgate.store import resources as resource_rows

RESULTS = Path(__file__).parent / "results"
STORE_INSTANCES = 10_000
CONCURRENCY = 32


async def _poll(raw: Path, resources: int, cycles: int) -> None:
    async with filled(resources, accounts=10) as world:
        await world.cycle()
        gc.freeze()  # as bench.poll does: the sim cloud's rows are no part of a gateway's heap
        rng = random.Random(2)
        with recording(os.getpid(), raw):
            for _ in range(cycles):
                world.churn(0.01, rng)
                await world.cycle()
        gc.unfreeze()


async def _load(url: str, account: str, scenario: str, seconds: float, raw: Path, pid: int) -> None:
    async with reader(url, CONCURRENCY) as http:
        ids, _seconds = await list_all(http, account)
        with recording(pid, raw):
            if scenario == "gets":
                await get_rate(http, ids, seconds, CONCURRENCY)
            else:
                deadline = time.monotonic() + seconds
                while time.monotonic() < deadline:
                    await list_all(http, account)


def _served_scenario(scenario: str, seconds: float, raw: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="cloudgate-bench-profile-") as tmp:
        account, _head = asyncio.run(fill_store(Path(tmp), STORE_INSTANCES))
        with served(Path(tmp)) as server:
            asyncio.run(_load(server.url, account, scenario, seconds, raw, server.pid))


LAYER_CALLS = 1000


async def _cpu_ms(call: Callable[[], Awaitable[Any]]) -> float:
    """Milliseconds of this process's CPU (every thread) per awaited `call`, after a warm-up."""
    for _ in range(LAYER_CALLS // 10):
        await call()
    began = time.process_time()
    for _ in range(LAYER_CALLS):
        await call()
    return round((time.process_time() - began) / LAYER_CALLS * 1000, 3)


async def _layers() -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="cloudgate-bench-profile-") as tmp:
        account, _head = await fill_store(Path(tmp), STORE_INSTANCES)
        gateway = await Gateway.open(bench_settings(Path(tmp)))
        try:
            page = await gateway.core.resources.query(ADMIN, ResourceQuery(kind=Kind.INSTANCE, limit=1000))
            ids = [record.id for record in page.records]
            rng = random.Random(5)
            transport = httpx.ASGITransport(app=create_app(gateway=gateway))
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
                token = await admin_token(http)
                http.headers["authorization"] = f"Bearer {token}"

                async def empty_transaction() -> None:
                    async with gateway.store.read():
                        pass

                async def select_by_id() -> None:
                    async with gateway.store.read() as conn:
                        await resource_rows.get(conn, rng.choice(ids))

                async def asgi(path: Callable[[], str]) -> None:
                    (await http.get(path())).raise_for_status()

                path = bench_settings(Path(tmp)).resolved_database_url().partition(":///")[2]
                async with aiosqlite.connect(path) as raw:

                    async def raw_transaction() -> None:
                        await raw.execute("BEGIN")
                        async with raw.execute("SELECT * FROM resources WHERE id = ?", (rng.choice(ids),)) as cursor:
                            await cursor.fetchall()
                        await raw.execute("COMMIT")

                    baselines = {
                        "baseline: aiosqlite alone, BEGIN + SELECT by id + COMMIT": await _cpu_ms(raw_transaction),
                        "baseline: starlette run_in_threadpool (a sync dependency's hop)": await _cpu_ms(
                            lambda: run_in_threadpool(lambda: None)),
                    }  # fmt: skip
                return {
                    **baselines,
                    "store: empty read transaction": await _cpu_ms(empty_transaction),
                    "store: read transaction + SELECT by id": await _cpu_ms(select_by_id),
                    "core: auth.authenticate(token)": await _cpu_ms(lambda: gateway.core.auth.authenticate(token)),
                    "core: resources.get(id)": await _cpu_ms(lambda: gateway.core.resources.get(ADMIN, rng.choice(ids))),
                    "app in process: GET /healthz (no auth, no store)": await _cpu_ms(lambda: asgi(lambda: "/healthz")),
                    "app in process: GET /v1/whoami (auth)": await _cpu_ms(lambda: asgi(lambda: "/v1/whoami")),
                    "app in process: GET /v1/instances/{id}": await _cpu_ms(
                        lambda: asgi(lambda: f"/v1/instances/{rng.choice(ids)}")),
                }  # fmt: skip
        finally:
            await gateway.close()


def _table(title: str, rows: list[tuple[float, str]], share_format: str = "{:.1%}") -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("", justify="right")
    table.add_column("")
    for figure, name in rows:
        table.add_row(share_format.format(figure), name)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("scenario", choices=("poll", "gets", "list", "layers"))
    parser.add_argument("--seconds", type=float, default=20.0, help="how long gets and list load the server")
    parser.add_argument("--resources", type=int, default=100_000, help="size of the poll scenario")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    tune_gc()  # the in-process scenarios run as `cloudgate serve` does (the served ones are `cloudgate serve`)
    RESULTS.mkdir(exist_ok=True)
    console = Console()
    if args.scenario == "layers":
        costs = asyncio.run(_layers())
        (RESULTS / "profile-layers.json").write_text(json.dumps(costs, indent=2) + "\n")
        rows = [(ms, layer) for layer, ms in costs.items()]
        console.print(_table("CPU per call (ms, every thread of the process)", rows, share_format="{:.3f}"))
        return
    raw = RESULTS / f"profile-{args.scenario}.txt"
    if args.scenario == "poll":
        asyncio.run(_poll(raw, args.resources, cycles=3))
    else:
        _served_scenario(args.scenario, args.seconds, raw)
    summary: dict[str, Any] = {"scenario": args.scenario, **summarize(raw, args.top)}
    (RESULTS / f"profile-{args.scenario}.json").write_text(json.dumps(summary, indent=2) + "\n")
    console.print(f"{summary['samples']:,} samples holding the GIL; raw samples in {raw}")
    console.print(_table("self time by package", summary["self_by_package"]))
    console.print(_table("self time by function", summary["self"]))
    console.print(_table("inclusive time of cloudgate's functions", summary["inclusive_cloudgate"]))


if __name__ == "__main__":
    main()
