"""Properties of poll + diff: whatever the cloud did and however it failed, once the faults clear
the store equals the cloud, and replaying the events from sequence 0 rebuilds the store exactly."""

from __future__ import annotations

import asyncio
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cloudgate.core import Caller, Principal
from cloudgate.core.auth import ADMIN_ID
from cloudgate.app import Gateway
from cloudgate.drivers import sim
from cloudgate.drivers.base import AccountConfig
from cloudgate.model import Kind
from tests.conftest import SimWorld, sim_settings

KINDS = {Kind.INSTANCE: "servers", Kind.VOLUME: "volumes"}
FAULTS = ("outage", "throttle", "errors", "failing_page", "consistency", "clear")

names = st.text(alphabet="abcdefgh", min_size=1, max_size=6)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("create"), st.sampled_from(sorted(KINDS)), names),
        st.tuples(st.just("delete"), st.integers(0, 40)),
        st.tuples(st.just("rename"), st.integers(0, 40), names),
        st.tuples(st.just("power"), st.integers(0, 40), st.sampled_from(["SHUTOFF", "ACTIVE", "ERROR"])),
        st.tuples(st.just("advance"), st.floats(0, 12)),
        st.tuples(st.just("fault"), st.sampled_from(FAULTS)),
        st.tuples(st.just("poll"), st.sampled_from(sorted(KINDS))),
    ),
    max_size=30,
)


def _apply_fault(cloud: sim.SimCloud, fault: str) -> None:
    faults = cloud.faults
    if fault == "clear":
        faults.outage, faults.throttle_rate, faults.error_rate, faults.consistency_delay = False, 0.0, 0.0, 0.0
    elif fault == "outage":
        faults.outage = True
    elif fault == "throttle":
        faults.throttle_rate = 0.5
    elif fault == "errors":
        faults.error_rate = 0.3
    elif fault == "failing_page":
        faults.fail_page(2)
    elif fault == "consistency":
        faults.consistency_delay = 15.0


def _cloud_ids(cloud: sim.SimCloud, collection: str) -> list[str]:
    return sorted(row.id for row in cloud._accounts["p1"].table(cloud.regions[0], collection).rows.values())


async def _run(world: SimWorld, plan: list[tuple[Any, ...]]) -> None:
    cloud = world.cloud
    account = await world.account()
    cloud.populate("p1", cloud.regions[0], servers=3, volumes=2)
    await world.poll_all(account)
    zone = cloud.catalog.regions[cloud.regions[0]][0]
    image = next(iter(cloud.catalog.public_images.rows.values())).id
    for step in plan:
        action = step[0]
        if action == "create":
            kind, name = step[1], step[2]
            spec = ({"name": name, "flavor_id": "s1.tiny", "image_id": image, "zone": zone} if kind == Kind.INSTANCE
                    else {"name": name, "size": 1, "zone": zone})  # fmt: skip
            cloud.oob_create("p1", KINDS[kind], **spec)
        elif action in ("delete", "rename", "power"):
            collection = "servers" if action == "power" or step[1] % 2 == 0 else "volumes"
            ids = _cloud_ids(cloud, collection)
            if not ids:
                continue
            target = ids[step[1] % len(ids)]
            if action == "delete":
                cloud.oob_delete("p1", collection, target)
            elif action == "rename":
                cloud.oob_update("p1", collection, target, name=step[2])
            else:
                cloud.oob_update("p1", collection, target, status=step[2])
        elif action == "advance":
            cloud.clock.advance(step[1])
        elif action == "fault":
            _apply_fault(cloud, step[1])
        else:
            await world.gateway.poller.poll(account, step[1])

    _apply_fault(cloud, "clear")
    cloud.clock.advance(cloud.delays.linger + 60)  # every transition done, every hidden resource visible
    truth = sim.SimDriver(AccountConfig("sim", cloud.endpoint, None, {"access_key": "p1-key", "secret_key": "p1-secret"}))
    for kind in KINDS:
        for _ in range(2):  # a vanished resource goes after two complete listings lack it
            assert (await world.gateway.poller.poll(account, kind)).ok
        listed = {r.cloud_id: r for r in await truth.list(kind)}
        stored = {r.cloud_id: r for r in await world.stored(account) if r.kind == kind}
        assert stored.keys() == listed.keys()
        for cloud_id, seen in listed.items():
            record = stored[cloud_id]
            assert (record.name, record.state, record.cloud_state, record.attrs, record.cloud_attrs, record.tags) == (
                seen.name, seen.state, seen.cloud_state, seen.attrs, seen.cloud_attrs, seen.tags)  # fmt: skip

    replayed: dict[str, dict] = {}
    events = await world.events()
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    for event in events:
        if event.type == "deleted":
            del replayed[event.resource_id]
        else:
            assert (event.type == "created") == (event.resource_id not in replayed)
            replayed[event.resource_id] = event.resource
    assert replayed == {r.id: r.to_dict() for r in await world.stored()}


async def _example(plan: list, seed: int, database_url: str) -> None:
    cloud = sim.register(sim.SimCloud(f"sim://prop-{secrets.token_hex(4)}", seed=seed, clock=sim.SimClock(time.time())))
    with tempfile.TemporaryDirectory() as tmp:
        gateway = await Gateway.open(sim_settings(Path(tmp), database_url.replace("TMP", tmp)))
        try:
            await _run(SimWorld(gateway, cloud, Caller(Principal(ADMIN_ID, "admin", True))), plan)
        finally:
            await gateway.close()
            sim.unregister(cloud.endpoint)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=steps, seed=st.integers(0, 2**16))
def test_store_equals_cloud_and_events_replay_to_store_sqlite(plan, seed):
    asyncio.run(_example(plan, seed, "sqlite+aiosqlite:///TMP/store.sqlite"))


@pytest.mark.postgres
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(plan=steps, seed=st.integers(0, 2**16))
def test_store_equals_cloud_and_events_replay_to_store_postgres(postgres_server, plan, seed):
    asyncio.run(_example(plan, seed, asyncio.run(postgres_server.create_database())))
