"""Change hints from the real OpenStack (scripts/openstack-dev): servers, volumes, images and security groups
that the `openstack` CLI creates, changes and deletes behind the gateway's back are events within seconds
while every kind is polled hourly; what the feed misses while it is down the poll still finds."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cloudgate.app import Gateway
from cloudgate.core import Caller, Principal
from cloudgate.core.auth import ADMIN_ID
from cloudgate.errors import Unavailable
from cloudgate.model import Kind
from cloudgate.store import outbox
from tests.conftest import sim_settings, until
from tests.poller.conftest import first_event
from tests.services.openstack import OpenStackCloud, on_openstack, openstack_cloud  # noqa: F401 - the session fixture

SOON = 15.0  # seconds: the CLI's change is an event by then (hints promise ~2 s; CI machines are slow)
HOUR = 3600.0


@dataclass
class Watched:
    """A gateway watching project-a of the real OpenStack, with hints from its notifications."""

    gateway: Gateway
    admin: Caller
    account: str

    async def events(self) -> list:
        async with self.gateway.store.read() as conn:
            return await outbox.read_after(conn, 0, scopes=None, limit=10**9)

    async def event_about(
        self,
        cloud_id: str,
        types: str | tuple[str, ...],
        within: float = SOON,
        attrs: dict[str, Any] | None = None,
        **resource: Any,
    ) -> Any:
        return await first_event(self.events, cloud_id, types, within=within, attrs=attrs, **resource)

    async def feed(self) -> dict[str, Any]:
        """The account's `hints` poll state."""
        view = await self.gateway.core.accounts.get(self.admin, self.account)
        return next((poll for poll in view.polls if poll["kind"] == "hints"), {"failures": None})


OpenWatched = Callable[..., Awaitable[Watched]]


@pytest.fixture
async def open_watched(openstack_cloud: OpenStackCloud, tmp_path: Path) -> AsyncIterator[OpenWatched]:  # noqa: F811
    """Open a gateway over project-a (every kind polled hourly unless `poll_intervals` says otherwise), its
    hint feed connected and its first polls done; settings overrides as keywords."""
    opened: list[Gateway] = []

    async def open_gateway(**overrides: Any) -> Watched:
        values = {"run_poller": True, "poll_intervals": {kind.value: HOUR for kind in Kind}, **overrides}
        gateway = await Gateway.open(sim_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path}/store.sqlite", **values))
        opened.append(gateway)
        await gateway.start()
        admin = Caller(Principal(ADMIN_ID, "admin", True))
        credentials = {**openstack_cloud.password_credentials("project-a"),
                       "notification_url": openstack_cloud.info["notifications"]["url"]}  # fmt: skip
        view, _created = await gateway.core.accounts.register(
            admin, cloud="openstack", endpoint=openstack_cloud.auth_url, region=None, credentials=credentials
        )
        watched = Watched(gateway, admin, view.row.id)

        async def ready() -> bool:
            view = await gateway.core.accounts.get(admin, watched.account)
            polled = {poll["kind"] for poll in view.polls if poll["failures"] == 0}
            return {"hints", Kind.INSTANCE.value, Kind.SECURITY_GROUP.value} <= polled

        await until(ready, within=120, what="the first polls and the hint feed")
        return watched

    yield open_gateway
    for gateway in opened:
        await gateway.close()


def cli(cloud: OpenStackCloud, *args: str) -> Awaitable[Any]:
    """alice's `openstack` CLI, off the event loop (the gateway keeps running meanwhile)."""
    return asyncio.to_thread(cloud.cli, "alice", *args)


@on_openstack
async def test_cli_changes_behind_the_gateways_back_are_events_within_seconds(
    openstack_cloud: OpenStackCloud,  # noqa: F811
    open_watched: OpenWatched,
    tmp_path: Path,
) -> None:
    watched = await open_watched()
    name = f"behind-{secrets.token_hex(3)}"

    group = await cli(openstack_cloud, "security", "group", "create", name, "-f", "json")
    await watched.event_about(group["id"], "created", name=name)
    await cli(openstack_cloud, "security", "group", "set", "--name", f"{name}-2", group["id"])
    await watched.event_about(group["id"], "updated", name=f"{name}-2")
    await cli(openstack_cloud, "security", "group", "delete", group["id"])
    await watched.event_about(group["id"], "deleted")

    volume = await cli(openstack_cloud, "volume", "create", "--size", "1", name, "-f", "json")
    await watched.event_about(volume["id"], ("created", "updated"), state="available")  # cinder is quick
    await cli(openstack_cloud, "volume", "set", "--size", "2", volume["id"])
    await watched.event_about(volume["id"], "updated", attrs={"size_gb": 2})
    await cli(openstack_cloud, "volume", "delete", volume["id"])
    await watched.event_about(volume["id"], "deleted")

    data = tmp_path / "image.raw"
    data.write_bytes(secrets.token_bytes(4096))
    image = await cli(openstack_cloud, "image", "create", "--file", str(data), "--disk-format", "raw",
                      "--container-format", "bare", name, "-f", "json")  # fmt: skip
    await watched.event_about(image["id"], "created", name=name)
    await cli(openstack_cloud, "image", "set", "--name", f"{name}-2", image["id"])
    await watched.event_about(image["id"], "updated", name=f"{name}-2")
    await cli(openstack_cloud, "image", "delete", image["id"])
    await watched.event_about(image["id"], "deleted")

    server = await cli(openstack_cloud, "server", "create", "--flavor", "m1.tiny", "--image",
                       openstack_cloud.info["image"]["name"], "--nic", "none", name, "-f", "json")  # fmt: skip
    await watched.event_about(server["id"], ("created", "updated"), state="running")  # BUILD → ACTIVE: nova said so
    await cli(openstack_cloud, "server", "stop", server["id"])
    await watched.event_about(server["id"], "updated", state="stopped")
    await cli(openstack_cloud, "server", "delete", server["id"])
    await watched.event_about(server["id"], "deleted")


@on_openstack
async def test_what_the_feed_misses_while_it_is_down_the_poll_finds(
    openstack_cloud: OpenStackCloud,  # noqa: F811
    open_watched: OpenWatched,
) -> None:
    # Security groups polled every 2 s unless hinted (then every 200 s); a broken feed waits 15-30 s to reconnect.
    watched = await open_watched(
        poll_intervals={**{kind.value: HOUR for kind in Kind}, Kind.SECURITY_GROUP.value: 2.0},
        hinted_poll_interval_factor=100.0, hint_reconnect_min_seconds=30.0, hint_reconnect_max_seconds=30.0,
    )  # fmt: skip
    dropped = openstack_cloud.close_connections(f"cloudgate change hints for project {project_a(openstack_cloud)}")
    assert dropped == 1

    async def broken() -> bool:
        return bool((await watched.feed())["failures"])

    await until(broken, within=SOON, what="the feed's failure showing in the account's health")
    assert (await watched.feed())["last_error"]["code"] == Unavailable.code
    name = f"unheard-{secrets.token_hex(3)}"
    group = await cli(openstack_cloud, "security", "group", "create", name, "-f", "json")  # said to nobody
    try:
        await watched.event_about(group["id"], "created", name=name)  # the next poll, at the normal pace
        assert (await watched.feed())["failures"], "the feed came back first: the test proves nothing"
    finally:
        await cli(openstack_cloud, "security", "group", "delete", group["id"])


def project_a(cloud: OpenStackCloud) -> str:
    return cloud.project("project-a")["id"]
