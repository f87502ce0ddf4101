"""nova's server listing through cloudgate's OpenStack front-end against the same listing straight from the
real nova holding the servers (issue 15).

One project of the project's real OpenStack (`scripts/openstack-dev`: nova with the fake virt driver) is
given `servers` servers (nova's multi-create in batches, then a wait until nova shows them ACTIVE). A gateway
client registers that project as an `openstack` account, which is polled into the store; `cloudgate serve`
answers in its own process. Then, with unmodified openstacksdk, `list(conn.compute.servers())` (details)
runs as that client through `/openstack` and as the project's user straight to nova: the same servers,
counted equal, medians of repeats and their ratio. nova's raw answer (`GET /servers/detail` pages, without
openstacksdk's objects) and the `openstack server list` CLI in its own process are measured both ways too.

The cloud is brought up if it is not up, and taken down at the end only if this part brought it up; when it
was up already (others use it), the servers are deleted at the end instead.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import openstack
import yaml
from openstack.compute.v2.server import Server
from openstack.connection import Connection
from openstack.utils import maximum_supported_microversion

from bench.gateways import ADMIN, bench_settings, poll
from bench.served import served
from cloudgate.app import Gateway
from cloudgate.core import Caller
from tests.services import openstack as openstack_dev

log = logging.getLogger("bench.openstack")

# nova takes tens of seconds per listing of 1,000 servers: few repeats.
FULL = {"servers": 1_000, "repeats": 3, "cli_repeats": 2}
QUICK = {"servers": 200, "repeats": 2, "cli_repeats": 1}
PROJECT = "cloudgate-bench"  # the project (and its member user) the servers are made in, on the real cloud
CLIENT = "openstack-bench"  # the gateway client (keystone user of /openstack) that registers and lists it
FLAVOR = "m1.tiny"  # the seeded flavor: 1 vCPU, 512 MB, 1 GB
BATCH = 50  # servers per multi-create request: one scheduling request each
NAME = "bench"  # nova names the servers of one request bench-1, bench-2, …
LAUNCH_SECONDS_PER_SERVER = 3.0  # the deadline for all of them to be ACTIVE
POLL_PACE_SECONDS = 2.0  # between two listings of the servers' states
DELETERS = 4  # concurrent deletions at the end
UNLIMITED = -1
CLI = ("server", "list", "-f", "json", "--no-name-lookup")  # no image/flavor lookups: the listing alone


def _auth(auth_url: str, username: str, password: str, project: dict[str, str]) -> dict[str, str]:
    """Password auth in the Default domain, scoped to `project` (project_name or project_id)."""
    return {"auth_url": auth_url, "username": username, "password": password, **project,
            "user_domain_name": "Default", "project_domain_name": "Default"}  # fmt: skip


def _connect(auth: dict[str, str]) -> Connection:
    return openstack.connect(auth=auth, identity_api_version="3", interface="public", load_yaml_config=False,
                             load_envvars=False)  # fmt: skip


def _password(cloud: openstack_dev.OpenStackCloud, project: str = PROJECT) -> str:
    """The project's user's password, the same in every run on this cloud: keystone revokes a user's tokens
    when the password changes, and nova-compute may still be deleting an earlier run's servers with them."""
    return hashlib.sha256(f"{cloud.info['admin']['password']}:{project}".encode()).hexdigest()


def _project(cloud: openstack_dev.OpenStackCloud, password: str, name: str = PROJECT) -> None:
    """Make (or find) the project `name` and its member user of the same name, with `password`, and lift its
    compute quotas."""
    admin = cloud.connect("admin")
    identity = admin.identity
    project = identity.find_project(name, domain_id="default") or identity.create_project(
        name=name, domain_id="default"
    )
    user = identity.find_user(name, domain_id="default") or identity.create_user(
        name=name, password=password, domain_id="default", default_project_id=project.id
    )
    identity.assign_project_role_to_user(project, user, identity.find_role("member"))
    admin.set_compute_quotas(project.id, instances=UNLIMITED, cores=UNLIMITED, ram=UNLIMITED)


def _states(conn: Connection) -> dict[str, int]:
    """How many of the project's servers nova shows in each status, leaving out those deleted or being deleted
    (an earlier run's, which nova may still list for a while)."""
    counts: dict[str, int] = {}
    for server in conn.compute.servers(details=True):
        if server.status != "DELETED" and server.task_state != "deleting":
            counts[server.status] = counts.get(server.status, 0) + 1
    return counts


def _settled(conn: Connection, timeout: float) -> dict[str, int]:
    """The states of the project's servers once none is building. (While some are, nova's listings may miss
    or repeat those moving from their build requests into their cell.)"""
    deadline = time.monotonic() + timeout
    while True:
        states = _states(conn)
        if states.get("ERROR"):
            raise RuntimeError(f"nova put servers in ERROR: {states}")
        if not states.get("BUILD"):
            return states
        if time.monotonic() > deadline:
            raise TimeoutError(f"servers still building after {timeout:.0f} s: {states}")
        time.sleep(POLL_PACE_SECONDS)  # the pace of listing the states against the deadline


def _launch(conn: Connection, cloud: openstack_dev.OpenStackCloud, servers: int) -> dict[str, Any]:
    """Top the project up to `servers` servers, all ACTIVE (an earlier run may have left more); how many it
    holds and how long it took."""
    began = time.monotonic()
    held = sum(_settled(conn, LAUNCH_SECONDS_PER_SERVER * servers).values())
    flavor = conn.compute.find_flavor(FLAVOR, ignore_missing=False)
    launched = 0
    while held + launched < servers:
        count = min(BATCH, servers - held - launched)
        # No network: nova would make a neutron port per server, which the listing does not need.
        conn.compute.create_server(name=NAME, image_id=cloud.info["image"]["id"], flavor_id=flavor.id,
                                   networks="none", min_count=count, max_count=count)  # fmt: skip
        launched += count
    log.info("openstack: %d servers asked for (%d there already), waiting until they are ACTIVE", launched, held)
    states = _settled(conn, LAUNCH_SECONDS_PER_SERVER * max(launched, 1))
    if set(states) != {"ACTIVE"} or states["ACTIVE"] < servers:
        raise RuntimeError(f"nova holds {states}, not {servers} ACTIVE servers")
    seconds = time.monotonic() - began
    return {"servers": states["ACTIVE"], "launched": launched, "batch": BATCH, "launch_s": round(seconds, 1),
            "launched_per_s": round(launched / seconds, 2)}  # fmt: skip


def _delete_all(conn: Connection) -> None:
    with ThreadPoolExecutor(DELETERS) as pool:
        list(pool.map(conn.compute.delete_server, list(conn.compute.servers(details=False))))


async def _register(data_dir: Path, auth_url: str, credentials: dict[str, str]) -> tuple[str, str, float]:
    """A gateway client registers the project as an `openstack` account, polled into the store (every kind
    the driver lists, so that the servers' flavors and zones are there to be shown); (the account's id, the
    client's secret, the seconds the poll took)."""
    gateway = await Gateway.open(bench_settings(data_dir))
    try:
        row, secret = await gateway.core.auth.create_client(ADMIN, CLIENT)
        issued = await gateway.core.auth.issue_token(row.id, secret)
        client = Caller(await gateway.core.auth.authenticate(issued.token))
        view, _created = await gateway.core.accounts.register(
            client, cloud="openstack", endpoint=auth_url, region=None, credentials=credentials
        )
        kinds = tuple(sorted((await gateway.pool.get(view.row.id))[0].capabilities.kinds))
        began = time.monotonic()
        await poll(gateway, view.row.id, kinds)
        return view.row.id, secret, time.monotonic() - began
    finally:
        await gateway.close()


def _sdk_lister(conn: Connection) -> Callable[[], int]:
    return lambda: len(list(conn.compute.servers(details=True)))


def _microversion(conn: Connection) -> str:
    """The microversion openstacksdk lists servers at: the highest both it and the service know."""
    return str(maximum_supported_microversion(conn.compute, Server._max_microversion))


def _raw_lister(conn: Connection, microversion: str) -> Callable[[], int]:
    """`GET /servers/detail` and its next pages at `microversion`, the JSON parsed but no openstacksdk
    objects made: what the server's answer costs."""

    def list_all() -> int:
        url: str | None = "/servers/detail"
        count = 0
        while url:
            page = conn.compute.get(url, microversion=microversion).json()
            count += len(page["servers"])
            url = next((link["href"] for link in page.get("servers_links", ()) if link["rel"] == "next"), None)
        return count

    return list_all


def _cli_lister(clouds_yaml: Path, cloud: str) -> Callable[[], int]:
    def list_all() -> int:
        return len(openstack_dev.openstack_cli(clouds_yaml, cloud, *CLI))

    return list_all


def _median(name: str, list_all: Callable[[], int], expected: int, repeats: int) -> float:
    """Median seconds of `repeats` complete listings, after one untimed (tokens, catalog, version discovery)."""
    times = []
    for run in range(repeats + 1):
        began = time.perf_counter()
        count = list_all()
        if run:
            times.append(time.perf_counter() - began)
        if count != expected:
            raise RuntimeError(f"{name} listed {count} servers, nova holds {expected}")
    return statistics.median(times)


def _both_ways(listers: dict[str, Callable[[], int]], expected: int, repeats: int) -> dict[str, Any]:
    """The median time of each lister ("gateway", "nova") and nova's time over the gateway's."""
    medians = {way: _median(way, listing, expected, repeats) for way, listing in listers.items()}
    return {"gateway_s": round(medians["gateway"], 4), "nova_s": round(medians["nova"], 4),
            "nova_over_gateway": round(medians["nova"] / medians["gateway"], 1), "repeats": repeats}  # fmt: skip


def _listings(ways: dict[str, dict[str, str]], expected: int, repeats: int, cli_repeats: int, tmp: Path
              ) -> dict[str, Any]:  # fmt: skip
    """openstacksdk, its raw answers and the CLI, each "gateway" and "nova" way (`ways`: the auth of each)."""
    conns = {way: _connect(auth) for way, auth in ways.items()}
    log.info("openstack: openstacksdk compute.servers() through cloudgate and straight from nova")
    microversions = {way: _microversion(conn) for way, conn in conns.items()}
    sdk = {**_both_ways({way: _sdk_lister(conn) for way, conn in conns.items()}, expected, repeats),
           "microversions": microversions}  # fmt: skip
    log.info("openstack: the raw answers (GET /servers/detail) both ways")
    answer = _both_ways({way: _raw_lister(conn, microversions[way]) for way, conn in conns.items()}, expected, repeats)
    # From 2.96 nova also reads every listed server's request spec (its pinned zone, its scheduler hints), which
    # the gateway's microversions do not show: nova's answer at the gateway's microversion is like for like.
    like = _raw_lister(conns["nova"], microversions["gateway"])
    like_s = _median("nova at the gateway's microversion", like, expected, repeats)
    answer.update(nova_at_gateway_microversion_s=round(like_s, 4),
                  nova_at_gateway_microversion_over_gateway=round(like_s / answer["gateway_s"], 1))  # fmt: skip
    clouds_yaml = tmp / "clouds.yaml"
    clouds = {way: {"auth": auth, "identity_api_version": 3, "interface": "public"} for way, auth in ways.items()}
    clouds_yaml.write_text(yaml.safe_dump({"clouds": clouds}))
    command = f"openstack {' '.join(CLI)}"
    log.info("openstack: `%s` both ways", command)
    cli = _both_ways({way: _cli_lister(clouds_yaml, way) for way in ways}, expected, cli_repeats)
    return {"sdk": sdk, "answer": answer, "cli": {**cli, "command": command}}


def _measure(cloud: openstack_dev.OpenStackCloud, servers: int, repeats: int, cli_repeats: int) -> dict[str, Any]:
    password = _password(cloud)
    _project(cloud, password)
    # By name: the gateway's OpenStack driver takes the project's name.
    direct = _auth(cloud.auth_url, PROJECT, password, {"project_name": PROJECT})
    nova = _connect(direct)
    figures: dict[str, Any] = {"bring_up": cloud.bring_up, "started_here": cloud.started_here}
    try:
        figures["nova_servers"] = held = _launch(nova, cloud, servers)
        with tempfile.TemporaryDirectory(prefix="cloudgate-bench-openstack-") as tmp:
            log.info("openstack: registering the project with the gateway and polling it")
            credentials = {key: value for key, value in direct.items() if key != "auth_url"}
            account, secret, poll_s = asyncio.run(_register(Path(tmp), cloud.auth_url, credentials))
            figures["poll_s"] = round(poll_s, 2)
            with served(Path(tmp)) as gateway:
                via = _auth(f"{gateway.url}/openstack/identity", CLIENT, secret, {"project_id": account})
                ways = {"gateway": via, "nova": direct}
                figures.update(_listings(ways, held["servers"], repeats, cli_repeats, Path(tmp)))
    finally:
        if not cloud.started_here:
            log.info("openstack: deleting the servers (the cloud was up before this part and stays up)")
            _delete_all(nova)
    return figures


def measure(servers: int, repeats: int, cli_repeats: int) -> dict[str, Any]:
    log.info("openstack: bringing up the real OpenStack (scripts/openstack-dev up) if it is not up")
    began = time.monotonic()
    cloud = openstack_dev.start()
    try:
        return {"bring_up_s": round(time.monotonic() - began, 1), **_measure(cloud, servers, repeats, cli_repeats)}
    finally:
        openstack_dev.stop(cloud)


def run(quick: bool) -> dict[str, Any]:
    return measure(**(QUICK if quick else FULL))
