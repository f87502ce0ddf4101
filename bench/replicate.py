"""Replicating a 1 GiB image sim → the real OpenStack through the core, against a plain glance upload of the
same bytes in the same run (issue 18).

A gateway in this process registers, as one client, a sim account holding a private image of `size` bytes
and a project of the real OpenStack (`scripts/openstack-dev`: glance on its file store), both polled into
the store. The timed copy is a user's create: `operations.create` of an instance on the OpenStack account
(m1.tiny, no network) from the sim image, under the scope {"compute": OpenStack, "image": sim}; the
operation streams the image out of the sim, verifies its md5 and sha512 on the way and streams it into glance
(`Carrier`), then boots the server. Its time is that of the replica's row in `image_replicas`: created when
the copy starts (the source already open), ready once glance shows the image active — the server's boot is
not in it. The sim hashes a made-up image the first time it is read: that read is done (and timed) apart
first.

The peer is openstacksdk's `conn.image.create_image(name, data=…, size=…)` as the project's user, then its
`wait_for_status(…, "active")`: glance's create and `PUT /file` of the very same bytes, made up in this
process as the sim makes them (`imagebytes.made_up`, 1 MiB at a time), so that neither side reads a disk.
The two alternate, `repeats` times each (a new sim image each time); medians, and the ratio plain time ÷
gateway time (≥ 0.8: the gateway moves the bytes at least 0.8× as fast as a plain upload). Before each
upload the images of the one before are deleted and the disks synced: glance writes each image to its
file store, and a GiB of another upload's dirty pages being written back would slow down whichever
upload came next (by a third on this machine's disk, once a few GiB were written).

The process's resident set is sampled every 20 ms on a thread during each transfer (and the kernel's
high-water mark VmHWM, reset beforehand through /proc/self/clear_refs, is read at the end): the peak over
the RSS just before, in MB. The process's CPU seconds (all threads) are counted too: the gateway's include the
server's create and the polling until it runs.

The cloud is brought up if it is not up and taken down at the end only if this part brought it up; the
images and servers made here are deleted at the end either way.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self

from openstack.connection import Connection

from bench.gateways import ADMIN, UNLIMITED, bench_settings, poll
from bench.openstack_reads import _auth, _connect, _password, _project
from cloudgate.app import Gateway
from cloudgate.core import Caller
from cloudgate.drivers import sim
from cloudgate.drivers.sim import SimCloud, imagebytes
from cloudgate.model import Kind
from cloudgate.query import Match, ResourceQuery
from cloudgate.store import replicas as replica_rows
from tests.services import openstack as openstack_dev

log = logging.getLogger("bench.replicate")

FULL = {"size": 1 << 30, "repeats": 3}
QUICK = {"size": 256 << 20, "repeats": 2}
PROJECT = "cloudgate-bench-replicate"  # the OpenStack project (and its member user) the images go to
CLIENT = "replicate-bench"  # the gateway client that registers both accounts
SIM_PROJECT = "bench-images"  # the sim project holding the source images
NAME = "bench-replicate"  # prefix of every image and server made here: found and deleted by it at the end
FLAVOR = "m1.tiny"  # the seeded flavor
SAMPLE_SECONDS = 0.02  # the pace of RSS samples
ACTIVE_RECHECK_SECONDS = 0.5  # the peer looks for the image active at the gateway driver's pace
OPERATION_SECONDS = 900.0
MB = 1 << 20


def _vm(field: str) -> float:
    """A `Vm…:` line of /proc/self/status, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"/proc/self/status has no {field}")


class Usage:
    """What the process uses while a block runs: its resident set just before (`baseline_mb`) and at its peak,
    sampled on a thread every SAMPLE_SECONDS and from the kernel's high-water mark (reset on entry), and the
    CPU seconds of all its threads."""

    def __init__(self) -> None:
        self.baseline_mb = self.peak_mb = self.cpu_s = 0.0
        self._done = threading.Event()
        self._sampler = threading.Thread(target=self._sample, name="rss-sampler", daemon=True)

    def __enter__(self) -> Self:
        try:
            Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
        except OSError:
            pass  # the samples alone then
        self.baseline_mb = self.peak_mb = _vm("VmRSS")
        self._sampler.start()
        self.cpu_s = time.process_time()
        return self

    def _sample(self) -> None:
        while not self._done.wait(SAMPLE_SECONDS):
            self.peak_mb = max(self.peak_mb, _vm("VmRSS"))

    def __exit__(self, *_exc: object) -> None:
        self.cpu_s = time.process_time() - self.cpu_s
        self._done.set()
        self._sampler.join()
        self.peak_mb = max(self.peak_mb, _vm("VmRSS"), _vm("VmHWM"))

    def figures(self) -> dict[str, float]:
        return {"rss_before_mb": round(self.baseline_mb, 1), "rss_peak_mb": round(self.peak_mb, 1),
                "rss_extra_mb": round(self.peak_mb - self.baseline_mb, 1), "cpu_s": round(self.cpu_s, 2)}  # fmt: skip


def _same_bytes(seed: str, size: int) -> Iterator[bytes]:
    """The bytes of the sim image made up from `seed`, 1 MiB at a time, made here as the sim makes them."""
    for offset in range(0, size, imagebytes.BLOCK):
        yield imagebytes.made_up(seed, offset, min(imagebytes.BLOCK, size - offset))


def _plain_upload(conn: Connection, name: str, seed: str, size: int, md5: str) -> dict[str, Any]:
    """openstacksdk's upload of the sim image's bytes into a new image, until glance shows it active."""
    with Usage() as used:
        began = time.perf_counter()
        image = conn.image.create_image(name, data=_same_bytes(seed, size), size=size, disk_format="raw",
                                        container_format="bare", allow_duplicates=True)  # fmt: skip
        image = conn.image.wait_for_status(image, "active", interval=ACTIVE_RECHECK_SECONDS, wait=600)
        seconds = time.perf_counter() - began
    if (image.size, image.checksum) != (size, md5):
        raise RuntimeError(f"glance holds {image.size} bytes (md5 {image.checksum}) of {size} (md5 {md5})")
    return {"seconds": round(seconds, 3), "mb_per_s": round(size / MB / seconds, 1), **used.figures()}


class Run:
    """The gateway, its client's scoped caller and the sim cloud the images come from."""

    def __init__(self, gateway: Gateway, cloud: SimCloud, client: Caller, accounts: dict[str, str]):
        self.gateway, self.cloud, self.client, self.accounts = gateway, cloud, client, accounts

    @classmethod
    async def open(cls, data_dir: Path, auth_url: str, credentials: dict[str, str]) -> Run:
        cloud = sim.register(SimCloud(f"sim://bench-replicate-{secrets.token_hex(4)}", clock=sim.SimClock.real()))
        cloud.add_account("images-key", "images-secret", SIM_PROJECT, quotas=UNLIMITED)
        gateway = await Gateway.open(bench_settings(data_dir))
        try:
            row, secret = await gateway.core.auth.create_client(ADMIN, CLIENT)
            issued = await gateway.core.auth.issue_token(row.id, secret)
            client = Caller(await gateway.core.auth.authenticate(issued.token))
            accounts = {}
            for service, cloud_type, endpoint, given in (
                ("image", "sim", cloud.endpoint, {"access_key": "images-key", "secret_key": "images-secret"}),
                ("compute", "openstack", auth_url, credentials),
            ):
                view, _created = await gateway.core.accounts.register(
                    client, cloud=cloud_type, endpoint=endpoint, region=None, credentials=given
                )
                accounts[service] = view.row.id
                driver, _ref = await gateway.pool.get(view.row.id)
                await poll(gateway, view.row.id, tuple(sorted(driver.capabilities.kinds)))
        except BaseException:
            await gateway.close()
            sim.unregister(cloud.endpoint)
            raise
        return cls(gateway, cloud, client, accounts)

    async def close(self) -> None:
        await self.gateway.close()
        sim.unregister(self.cloud.endpoint)

    async def source(self, name: str, size: int) -> tuple[dict[str, Any], float]:
        """A new private sim image of `size` made-up bytes, polled into the store and read once (the sim
        hashes it then); the image as the sim holds it, and the seconds that first read took."""
        made = self.cloud.oob_create(SIM_PROJECT, "images", name=name, os_type="linux", size=size)
        self.cloud.oob_update(SIM_PROJECT, "images", made["id"], status="ACTIVE")
        await poll(self.gateway, self.accounts["image"], (Kind.IMAGE,))
        driver, _ref = await self.gateway.pool.get(self.accounts["image"])
        began = time.perf_counter()
        async with driver.read_image(made["id"]) as data:
            made["checksums"] = data.checksums
        return made, time.perf_counter() - began

    async def replicate(self, image: dict[str, Any]) -> dict[str, Any]:
        """A server on OpenStack from the sim image, under scope; the copy's figures from its replica row."""
        found = await self.gateway.core.resources.find(
            self.client, ResourceQuery(kind=Kind.IMAGE, matches=(Match("cloud_id", (image["id"],)),))
        )
        scoped = await self.gateway.core.scopes.bind(self.client, dict(self.accounts))
        spec = {"name": image["name"], "flavor": FLAVOR, "image": found.id}
        with Usage() as used:
            began = time.perf_counter()
            _record, operation = await self.gateway.core.operations.create(scoped, Kind.INSTANCE, spec)
            done = await self.gateway.core.operations.wait(self.client, operation.id, OPERATION_SECONDS)
            operation_s = time.perf_counter() - began
        if done.state != "succeeded":
            raise RuntimeError(f"the create failed: {done.error}")
        async with self.gateway.store.read() as conn:
            [row] = await replica_rows.of_source(conn, found.id)
        size = image["size"]
        if (row.state, row.size, (done.progress or {}).get("done")) != ("ready", size, size):
            raise RuntimeError(f"the replica is {row}, the operation's progress {done.progress}")
        seconds = row.updated_at - row.created_at
        return {"seconds": round(seconds, 3), "mb_per_s": round(size / MB / seconds, 1),
                "operation_s": round(operation_s, 2), "replica": row.cloud_id, **used.figures()}  # fmt: skip


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(run[key] for run in runs))


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"median_s": round(_median(runs, "seconds"), 3), "mb_per_s": round(_median(runs, "mb_per_s"), 1),
            "rss_extra_mb": max(run["rss_extra_mb"] for run in runs), "cpu_s": round(_median(runs, "cpu_s"), 2),
            "runs": runs}  # fmt: skip


def _clean_up(conn: Connection) -> None:
    """Delete the servers and images of this part (by their names' prefix), this run's and any earlier one's."""
    for server in conn.compute.servers():
        if server.name.startswith(NAME):
            conn.compute.delete_server(server)
    for image in conn.image.images(owner=conn.current_project_id):
        if (image.name or "").startswith(NAME):
            conn.image.delete_image(image)


def _settle_disk(conn: Connection) -> None:
    """Before a timed upload: the images uploaded before it deleted, and what is left of their bytes in the
    page cache written out (`sync`), so that no upload pays for writing back another's."""
    _clean_up(conn)
    os.sync()


async def _compare(data_dir: Path, conn: Connection, auth_url: str, credentials: dict[str, str], size: int,
                   repeats: int) -> dict[str, Any]:  # fmt: skip
    log.info("replicate: registering a sim account and the OpenStack project with the gateway, polling them")
    run = await Run.open(data_dir, auth_url, credentials)
    gateway_runs: list[dict[str, Any]] = []
    plain_runs: list[dict[str, Any]] = []
    first_reads: list[float] = []
    try:
        for index in range(repeats):
            image, first_read_s = await run.source(f"{NAME}-{index}-{secrets.token_hex(3)}", size)
            first_reads.append(first_read_s)
            log.info("replicate: %d MiB sim → OpenStack through the gateway (%d of %d)", size // MB, index + 1, repeats)
            await asyncio.to_thread(_settle_disk, conn)
            gateway_runs.append(await run.replicate(image))
            log.info("replicate: the same bytes with openstacksdk straight to glance")
            await asyncio.to_thread(_settle_disk, conn)
            plain_runs.append(await asyncio.to_thread(
                _plain_upload, conn, f"{NAME}-plain-{index}", image["id"], size, image["checksums"]["md5"]
            ))  # fmt: skip
        await asyncio.to_thread(_clean_up, conn)
    finally:
        await run.close()
    gateway, plain = _summary(gateway_runs), _summary(plain_runs)
    return {"gateway": gateway, "plain": plain, "plain_over_gateway": round(plain["median_s"] / gateway["median_s"], 2),
            "sim_first_read_s": round(max(first_reads), 2)}  # fmt: skip


def measure(size: int, repeats: int) -> dict[str, Any]:
    log.info("replicate: bringing up the real OpenStack (scripts/openstack-dev up) if it is not up")
    began = time.monotonic()
    cloud = openstack_dev.start()
    figures: dict[str, Any] = {"bytes": size, "repeats": repeats, "bring_up_s": round(time.monotonic() - began, 1),
                               "bring_up": cloud.bring_up, "started_here": cloud.started_here}  # fmt: skip
    try:
        password = _password(cloud, PROJECT)
        _project(cloud, password, PROJECT)
        direct = _auth(cloud.auth_url, PROJECT, password, {"project_name": PROJECT})
        conn = _connect(direct)
        _clean_up(conn)
        try:
            credentials = {key: value for key, value in direct.items() if key != "auth_url"}
            with tempfile.TemporaryDirectory(prefix="cloudgate-bench-replicate-") as tmp:
                figures.update(asyncio.run(_compare(Path(tmp), conn, cloud.auth_url, credentials, size, repeats)))
        finally:
            _clean_up(conn)
        return figures
    finally:
        openstack_dev.stop(cloud)


def run(quick: bool) -> dict[str, Any]:
    return measure(**(QUICK if quick else FULL))
