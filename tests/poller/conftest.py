"""A running gateway beside a sim cloud on real time that sends change hints, polling too seldom to matter."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from cloudgate.app import Gateway
from cloudgate.core import Caller, Principal
from cloudgate.core.auth import ADMIN_ID
from cloudgate.drivers import sim
from cloudgate.drivers.sim import Delays, SimClock
from cloudgate.model import Kind
from tests.conftest import SimWorld, sim_settings, until

HOUR = 3600.0
QUICK = Delays(boot=0.3, stop=0.3, start=0.3, reboot=0.2, terminate=0.3, linger=30.0, volume_create=0.2)

OpenHinted = Callable[..., Awaitable[SimWorld]]


@pytest.fixture
async def open_hinted(database_url, tmp_path) -> AsyncIterator[OpenHinted]:
    """Open a gateway (poller running, every kind polled hourly unless `poll_intervals` says otherwise) over a
    fresh sim cloud on real time with hints on (and `faults`); settings overrides as keywords."""
    opened: list[tuple[Gateway, str]] = []

    async def open_world(faults: dict[str, Any] | None = None, **overrides: Any) -> SimWorld:
        cloud = sim.register(sim.SimCloud(f"sim://{secrets.token_hex(4)}", seed=7, clock=SimClock.real(), delays=QUICK))
        cloud.set_faults(hints=True, **(faults or {}))
        values = {"run_poller": True, "poll_intervals": {kind.value: HOUR for kind in Kind},
                  "hint_reconnect_min_seconds": 0.05, "hint_reconnect_max_seconds": 0.2, **overrides}  # fmt: skip
        gateway = await Gateway.open(sim_settings(tmp_path, database_url, **values))
        opened.append((gateway, cloud.endpoint))
        await gateway.start()
        return SimWorld(gateway, cloud, Caller(Principal(ADMIN_ID, "admin", True)))

    yield open_world
    for gateway, endpoint in opened:
        await gateway.close()
        sim.unregister(endpoint)


async def first_event(
    read: Callable[[], Awaitable[list]], cloud_id: str, types: str | tuple[str, ...], *, within: float,
    attrs: dict[str, Any] | None = None, **resource: Any,
) -> Any:  # fmt: skip
    """The first event `read` gives of `types` about `cloud_id` whose resource has the given fields (and
    `attrs`), once there is one; fails after `within` seconds."""
    types = (types,) if isinstance(types, str) else types
    wanted = {**resource, **{f"attrs.{key}": value for key, value in (attrs or {}).items()}}

    def field(fields: dict[str, Any], key: str) -> Any:
        outer, _, inner = key.partition(".")
        return (fields.get(outer) or {}).get(inner) if inner else fields.get(outer)

    async def found() -> Any:
        for event in await read():
            fields = event.resource
            about = event.type in types and fields.get("cloud_id") == cloud_id
            if about and all(field(fields, key) == value for key, value in wanted.items()):
                return event
        return None

    return await until(found, within=within, what=f"a {'/'.join(types)} event about {cloud_id} {wanted}")
