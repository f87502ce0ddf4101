"""Reads over HTTP from `cloudgate serve` (its store) against the same instances listed straight from moto.

The store holds a sim account of 10,000 instances and a moto account of 1,000 instances, the latter
registered with the gateway's `ec2` driver and polled, so that the gateway and the peers (boto3,
libcloud; see `bench.direct`) list the very same data. boto3 also lists them through the gateway's EC2
front-end (`/ec2`, with a gateway-issued key), against the same listing from /v1. The server runs in
its own process; the peers straight from moto list while it is stopped.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

from bench.api_reads import PAGE, get_latencies, get_rate, list_all, reader
from bench.direct import boto3_lister, libcloud_lister, set_moto_auth
from bench.gateways import ADMIN, bench_settings, fill_store, poll
from bench.served import served
from bench.stats import distribution
from cloudgate.app import Gateway
from cloudgate.model import Kind
from tests.services import moto

log = logging.getLogger("bench.reads")

EC2_OPTIONS = {"instance_types": ["t3.*"]}  # moto describes 1,395 instance types: list a few as flavors
FULL = {"store_instances": 10_000, "moto_instances": 1_000, "list_repeats": 10, "peer_repeats": 5,
        "gets": {"sequential": 500, "seconds": 20.0, "concurrency": 32}}  # fmt: skip
QUICK = {"store_instances": 10_000, "moto_instances": 1_000, "list_repeats": 3, "peer_repeats": 1,
         "gets": {"sequential": 200, "seconds": 5.0, "concurrency": 32}}  # fmt: skip


def _launch(server: moto.MotoServer, account: moto.MotoAccount, count: int) -> None:
    ec2 = server.client("ec2", account.credentials)
    ec2.run_instances(ImageId=moto.PUBLIC_AMIS[0]["ami_id"], InstanceType="t3.nano", MinCount=count, MaxCount=count)


async def _add_moto_account(data_dir: Path, server: moto.MotoServer, aws: moto.MotoAccount) -> tuple[str, dict[str, str]]:
    """Register the moto account with the gateway's `ec2` driver and poll its instances into the store;
    (its id, the gateway-issued EC2 key of the account)."""
    gateway = await Gateway.open(bench_settings(data_dir))
    try:
        view, _created = await gateway.core.accounts.register(
            ADMIN, cloud="ec2", endpoint=server.endpoint, region=moto.REGION, credentials=aws.credentials,
            options=EC2_OPTIONS,
        )  # fmt: skip
        await poll(gateway, view.row.id, (Kind.INSTANCE,))
        key, secret = await gateway.core.credentials.issue(ADMIN, view.row.id)
        return view.row.id, {"access_key_id": key.id, "secret_access_key": secret}
    finally:
        await gateway.close()


async def _listing(http: aiohttp.ClientSession, account: str, repeats: int) -> dict[str, Any]:
    runs = [await list_all(http, account) for _ in range(repeats)]
    return {"instances": len(runs[0][0]), "page": PAGE, "median_s": round(statistics.median(t for _, t in runs), 4),
            "best_s": round(min(t for _, t in runs), 4)}  # fmt: skip


async def _read(url: str, accounts: dict[str, str], list_repeats: int, gets: dict[str, Any]) -> dict[str, Any]:
    async with reader(url, gets["concurrency"]) as http:
        ids, _seconds = await list_all(http, accounts["sim"])
        log.info("reads: listing the store over HTTP")
        store = await _listing(http, accounts["sim"], list_repeats)
        moto_account = await _listing(http, accounts["ec2"], list_repeats)
        log.info("reads: single GETs")
        latencies = await get_latencies(http, ids, gets["sequential"])
        requests, rate = await get_rate(http, ids, gets["seconds"], gets["concurrency"])
        # The peer: the same server answering its health check (no token, no store) with as many in flight.
        _requests, bare = await get_rate(http, ids, gets["seconds"] / 2, gets["concurrency"], path="/healthz")
    single = {"sequential_ms": distribution(latencies, 2), "requests": requests, "concurrency": gets["concurrency"],
              "requests_per_s": round(rate, 1), "healthz_requests_per_s": round(bare, 1),
              "of_healthz": round(rate / bare, 2)}  # fmt: skip
    return {"list_store": store, "list_moto_account": moto_account, "get": single}


def _peer(name: str, list_all: Callable[[], int], expected: int, repeats: int) -> float:
    """Median seconds of `repeats` complete listings by one peer."""
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        count = list_all()
        times.append(time.perf_counter() - began)
        if count != expected:
            raise RuntimeError(f"{name} listed {count} instances, the gateway {expected}")
    return statistics.median(times)


def measure(store_instances: int, moto_instances: int, list_repeats: int, peer_repeats: int, gets: dict[str, Any]
            ) -> dict[str, Any]:  # fmt: skip
    log.info("reads: starting moto and launching %d instances there", moto_instances)
    motos = moto.start()
    try:
        aws = motos.new_account()
        _launch(motos, aws, moto_instances)
        with tempfile.TemporaryDirectory(prefix="cloudgate-bench-reads-") as tmp:
            log.info("reads: filling the store (sim and moto accounts)")
            sim_account, _head = asyncio.run(fill_store(Path(tmp), store_instances))
            moto_account, ec2_key = asyncio.run(_add_moto_account(Path(tmp), motos, aws))
            accounts = {"sim": sim_account, "ec2": moto_account}
            log.info("reads: starting cloudgate serve")
            with served(Path(tmp)) as gateway:
                figures = asyncio.run(_read(gateway.url, accounts, list_repeats, gets))
                listed = figures["list_moto_account"]["instances"]
                log.info("reads: listing through the EC2 front-end with boto3")
                answers: list[float] = []
                front_end = boto3_lister(f"{gateway.url}/ec2", moto.REGION, ec2_key, answers)
                ec2_s = _peer("boto3 through /ec2", front_end, listed, list_repeats)
                answer_s = statistics.median(answers)  # one page per listing: a listing without MaxResults
        log.info("reads: listing moto directly (boto3, libcloud)")
        set_moto_auth(motos.endpoint, enabled=False)
        boto3_s = _peer("boto3", boto3_lister(motos.endpoint, moto.REGION, aws.credentials), listed, peer_repeats)
        libcloud_s = _peer("libcloud", libcloud_lister(motos.endpoint, moto.REGION, aws.credentials), listed,
                           peer_repeats)  # fmt: skip
    finally:
        motos.stop()
    gateway_s = figures["list_moto_account"]["median_s"]
    figures["peers"] = {
        "instances": listed, "repeats": peer_repeats, "gateway_s": gateway_s,
        "boto3_s": round(boto3_s, 3), "libcloud_s": round(libcloud_s, 3),
        "boto3_over_gateway": round(boto3_s / gateway_s, 1), "libcloud_over_gateway": round(libcloud_s / gateway_s, 1),
    }  # fmt: skip
    figures["ec2_front_end"] = {
        "instances": listed, "repeats": list_repeats, "boto3_via_ec2_s": round(ec2_s, 4),
        "answer_s": round(answer_s, 4), "boto3_parse_s": round(ec2_s - answer_s, 4),
        "boto3_direct_over_via_ec2": round(boto3_s / ec2_s, 1), "via_ec2_over_v1": round(ec2_s / gateway_s, 2),
        "answer_over_v1": round(answer_s / gateway_s, 2),
    }  # fmt: skip
    return figures


def run(quick: bool) -> dict[str, Any]:
    return measure(**(QUICK if quick else FULL))
