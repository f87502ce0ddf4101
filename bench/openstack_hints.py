"""Change hints on the real OpenStack (issue 21, second part): a security group renamed behind the gateway's
back → the `updated` event at a long-poll reader, p50/p99, without and with the cloud's notifications; and
the cloud API calls an hour each way. Run by bench.hints after the sim's half, so one run measures both.

The project's real OpenStack (`scripts/openstack-dev`, brought up if it is not up and then taken down, as
bench.openstack_reads does) is given `renames` security groups in project-a, deleted at the end (also when
the run fails; a killed run's are deleted by the next, found by their names). Each half opens a gateway
(poller running) watching project-a as alice, every kind polled hourly and security groups every `interval`
seconds; the second half's credentials name the cloud's bus (`notification_url`), so neutron's
notifications are heard as hints and security groups are polled `hinted_poll_interval_factor` times less
often. alice then renames each group once, with openstacksdk straight to neutron, at random moments over
`intervals` poll intervals. Latency: from the moment neutron answered the rename to the event showing the
new name at a long-poll reader over HTTP. One group per rename: a group renamed twice between two polls shows
only its last name, so without hints its first rename would never be an event.

Calls: the HTTP requests the driver sends (keystoneauth's `Session.request`) within each listing and each
single read, counted from the gateway's start: before it, every kind is listed once, which also finds the
services' versions and gets a token. An hour's worth as bench.hint_costs reckons it, the reads being those
of the bench's groups (a shared cloud's other changes in project-a are hinted too: counted apart).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import secrets
import tempfile
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from keystoneauth1.session import Session
from openstack.connection import Connection

from bench.feed import Follower
from bench.gateways import ADMIN, bench_settings, poll
from bench.hint_costs import HOUR, calls_per_hour, compared
from bench.latency import Expected, following, latencies
from bench.openstack_reads import _connect
from bench.waiting import until
from cloudgate.app import Gateway
from cloudgate.drivers.base import Driver, Hint
from cloudgate.drivers.openstack import notifications
from cloudgate.drivers.openstack.kinds import KINDS
from cloudgate.model import Kind
from tests.services import openstack as openstack_dev

log = logging.getLogger("bench.openstack_hints")

FULL = {"renames": 30, "interval": 20.0, "intervals": 2}
QUICK = {"renames": 10, "interval": 10.0, "intervals": 2}
PROJECT = "project-a"  # alice's, in cloud.json
PREFIX = "bench-hints"  # the names of the groups this part makes begin so, and no others
HINT_FEED_SECONDS = 30.0  # for the feed to connect to the bus
GROUP = Kind.SECURITY_GROUP


@dataclass
class Counted:
    """What the driver of a half asked of the cloud and heard from it."""

    calls: Counter = field(default_factory=Counter)  # driver listings and reads by ("list" | "get", kind)
    requests: Counter = field(default_factory=Counter)  # the HTTP requests within them, by the same keys
    reads: Counter = field(default_factory=Counter)  # single reads by (kind, cloud id)
    hints: Counter = field(default_factory=Counter)  # hints heard by (kind, cloud id)


# The driver call a thread is running, ("list" | "get", kind): whose the HTTP requests it sends are.
_asking = threading.local()


@contextmanager
def counting() -> Iterator[Counted]:
    """Count, until the block ends, the OpenStack driver's listings and reads, the HTTP requests each sends and
    the hints it hears (the driver's call tables, keystoneauth's request and the bus reader wrapped)."""
    counted = Counted()
    request, hint_of, tables = Session.request, notifications.hint_of, dict(KINDS)

    def counted_request(self: Session, url: str, method: str, *args: Any, **kwargs: Any) -> Any:
        asking = getattr(_asking, "what", None)  # None outside the driver's calls: the bench's own renames
        if asking is not None:
            counted.requests[asking] += 1
        return request(self, url, method, *args, **kwargs)

    def counted_hint(body: bytes, owner: notifications.Owner) -> Hint | None:
        hint = hint_of(body, owner)
        if hint is not None:
            counted.hints[hint.kind, hint.cloud_id] += 1
        return hint

    for kind, calls in tables.items():
        KINDS[kind] = dataclasses.replace(
            calls,
            list=_labelled(("list", kind), calls.list, counted),
            get=_labelled(("get", kind), calls.get, counted) if calls.get else None,
        )
    Session.request, notifications.hint_of = counted_request, counted_hint
    try:
        yield counted
    finally:
        Session.request, notifications.hint_of = request, hint_of
        KINDS.update(tables)


def _labelled(what: tuple[str, Kind], call: Callable[..., Any], counted: Counted) -> Callable[..., Any]:
    """`call` (a blocking call of the driver's, on one of its threads), counted, its thread labelled `what`
    while it runs."""

    def labelled(conn: Connection, *args: Any) -> Any:
        counted.calls[what] += 1
        if args:  # a single read: (conn, cloud id)
            counted.reads[what[1], args[0]] += 1
        _asking.what = what
        try:
            return call(conn, *args)
        finally:
            _asking.what = None

    return labelled


def _alice(cloud: openstack_dev.OpenStackCloud) -> Connection:
    return _connect({"auth_url": cloud.auth_url, **cloud.password_credentials(PROJECT)})


def _make_groups(conn: Connection, count: int) -> dict[str, str]:
    """`count` security groups in the project, named for this run: {id: name}."""
    run = secrets.token_hex(3)
    made = (conn.network.create_security_group(name=f"{PREFIX}-{run}-{n}") for n in range(count))
    return {group.id: group.name for group in made}


def _delete_groups(conn: Connection) -> int:
    """Delete the project's groups this part made, this run's and any a killed run left; how many."""
    ours = [group.id for group in conn.network.security_groups(project_id=conn.current_project_id)
            if group.name.startswith(f"{PREFIX}-")]  # fmt: skip
    for group_id in ours:
        conn.network.delete_security_group(group_id, ignore_missing=True)
    return len(ours)


def _rename(conn: Connection, group_id: str, name: str) -> float:
    """Rename the group; when neutron's answer came (time.time(), as events' `at`)."""
    conn.network.update_security_group(group_id, name=name)
    return time.time()


@dataclass
class Watching:
    gateway: Gateway
    account: str
    driver: Driver
    follower: Follower
    counted: Counted


@asynccontextmanager
async def watching(cloud: openstack_dev.OpenStackCloud, hints: bool, interval: float) -> AsyncIterator[Watching]:
    """A started gateway watching project-a (every kind polled hourly, security groups every `interval`
    seconds), with the bus in its credentials when `hints` and then its hint feed connected; the driver's
    calls counted from the start; a long-poll reader of the feed."""
    poll_intervals = {kind.value: HOUR for kind in Kind} | {GROUP.value: interval}
    credentials = cloud.password_credentials(PROJECT)
    if hints:
        credentials["notification_url"] = cloud.info["notifications"]["url"]
    with tempfile.TemporaryDirectory(prefix="cloudgate-bench-openstack-hints-") as tmp:
        gateway = await Gateway.open(bench_settings(Path(tmp), run_poller=True, poll_intervals=poll_intervals))
        try:
            view, _created = await gateway.core.accounts.register(
                ADMIN, cloud="openstack", endpoint=cloud.auth_url, region=None, credentials=credentials
            )
            account = view.row.id
            driver, _ref = await gateway.pool.get(account)
            await poll(gateway, account, tuple(sorted(driver.capabilities.kinds)))
            with counting() as counted:
                await gateway.start()  # every kind listed again at once, then at its interval
                if hints:
                    await until(lambda: gateway.poller.hinted(account, GROUP), "the hint feed", HINT_FEED_SECONDS)
                async with following(gateway) as follower:
                    yield Watching(gateway, account, driver, follower, counted)
        finally:
            await gateway.close()


async def measure(cloud: openstack_dev.OpenStackCloud, conn: Connection, groups: dict[str, str], hints: bool,
                  interval: float, intervals: float) -> dict[str, Any]:  # fmt: skip
    """Rename each of `groups` once at random moments over `intervals` poll intervals, with or without hints."""
    window = intervals * interval
    async with watching(cloud, hints, interval) as here:
        settings = here.gateway.settings
        rng = random.Random(13)  # both halves rename at the same moments
        plan = sorted((rng.uniform(0, window), group_id) for group_id in groups)
        log.info("openstack hints %s: %d renames over %g s", "on" if hints else "off", len(plan), window)
        began = time.monotonic()
        expected = []
        for at, group_id in plan:
            await asyncio.sleep(max(0.0, began + at - time.monotonic()))  # until the rename's planned moment
            name = f"{groups[group_id]}-{'on' if hints else 'off'}"
            since = await asyncio.to_thread(_rename, conn, group_id, name)  # blocking: off the event loop
            expected.append(Expected(group_id, "updated", since, name=name))
        slowest = interval * (settings.hinted_poll_interval_factor if hints else 1)
        found = await latencies(here.follower, expected, timeout=slowest + 30)
        spent = time.monotonic() - began
        hinted = here.gateway.poller.hinted(here.account, GROUP)
        figures = _counts(here, groups, hints, window)
    return {"hints": hints, "hint_feed_live": hinted, "security_group_interval_s": interval, "window_s": window,
            "renames": found, "run_s": round(spent, 1), **figures}  # fmt: skip


def _counts(here: Watching, groups: dict[str, str], hints: bool, window: float) -> dict[str, Any]:
    """The requests a listing of each kind and a read took, the hints and reads each rename brought (and
    those of other changes in the project), and the calls an hour they come to."""
    calls, requests = here.counted.calls, here.counted.requests
    kinds = sorted(here.driver.capabilities.kinds)
    per_listing = {kind: requests["list", kind] / calls["list", kind] if calls["list", kind] else 1.0 for kind in kinds}
    per_read = requests["get", GROUP] / calls["get", GROUP] if calls["get", GROUP] else 1.0
    ours = {(GROUP, group_id) for group_id in groups}
    reads = sum(count for key, count in here.counted.reads.items() if key in ours)
    heard = sum(count for key, count in here.counted.hints.items() if key in ours)
    renames = len(groups)
    hinted = here.driver.capabilities.hints if hints else frozenset()
    return {
        "requests_per_listing": {kind.value: round(per_listing[kind], 2) for kind in kinds},
        "requests_per_read": round(per_read, 2),
        "hints_per_rename": round(heard / renames, 2),
        "reads_per_rename": round(reads / renames, 2),
        "other_hints": sum(here.counted.hints.values()) - heard,
        "other_reads": sum(here.counted.reads.values()) - reads,
        "cloud_calls_per_hour": calls_per_hour(
            here.gateway.settings, per_listing, hinted, reads * per_read, renames, window
        ),
    }


def _both_halves(cloud: openstack_dev.OpenStackCloud, renames: int, interval: float, intervals: float
                 ) -> dict[str, Any]:  # fmt: skip
    conn = _alice(cloud)
    try:
        groups = _make_groups(conn, renames)
        log.info("openstack hints: %d security groups made in %s", len(groups), PROJECT)
        without = asyncio.run(measure(cloud, conn, groups, False, interval, intervals))
        with_hints = asyncio.run(measure(cloud, conn, groups, True, interval, intervals))
    finally:
        log.info("openstack hints: %d security groups deleted", _delete_groups(conn))
        conn.close()
    return compared(without, with_hints)


def run(quick: bool) -> dict[str, Any]:
    log.info("openstack hints: bringing up the real OpenStack (scripts/openstack-dev up) if it is not up")
    cloud = openstack_dev.start()
    try:
        return {"bring_up": cloud.bring_up, **_both_halves(cloud, **(QUICK if quick else FULL))}
    finally:
        openstack_dev.stop(cloud)
