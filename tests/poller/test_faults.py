"""Fault scenarios on the sim: no spurious delete, no lost update, the breaker opens and closes."""

from __future__ import annotations

import asyncio
import time

import pytest

from cloudgate.errors import ClockSkew, CloudAuthFailed, Throttled, Unavailable
from cloudgate.model import Kind
from cloudgate.store.accounts import get_account
from tests.conftest import SimWorld


async def _instances(world: SimWorld, account_id: str) -> dict[str, str]:
    """cloud id -> name of the stored instances of the account."""
    return {r.cloud_id: r.name for r in await world.stored(account_id) if r.kind == Kind.INSTANCE}


async def _health(world: SimWorld, account_id: str) -> tuple[str, dict | None]:
    async with world.gateway.store.read() as conn:
        row = await get_account(conn, account_id)
    return row.health, row.last_error


async def test_throttling_fails_the_poll_and_honours_retry_after(sim_gateway: SimWorld):
    account = await sim_gateway.account()
    sim_gateway.cloud.populate("p1", sim_gateway.cloud.regions[0], servers=5)
    assert (await sim_gateway.gateway.poller.poll(account, Kind.INSTANCE)).ok
    sim_gateway.cloud.faults.throttle_rate, sim_gateway.cloud.faults.retry_after = 1.0, 42.0

    result = await sim_gateway.gateway.poller.poll(account, Kind.INSTANCE)

    assert isinstance(result.error, Throttled) and result.error.retry_after == 42.0
    assert sim_gateway.gateway.poller.delay_after(result) >= 42.0
    assert len(await _instances(sim_gateway, account)) == 5  # a failed listing deletes nothing


async def test_outage_opens_the_breaker_and_recovery_closes_it(sim_gateway: SimWorld):
    account = await sim_gateway.account()
    sim_gateway.cloud.populate("p1", sim_gateway.cloud.regions[0], servers=3)
    await sim_gateway.gateway.poller.poll(account, Kind.INSTANCE)
    sim_gateway.cloud.faults.outage = True
    threshold = sim_gateway.gateway.settings.breaker_threshold

    for attempt in range(1, threshold + 1):
        result = await sim_gateway.gateway.poller.poll(account, Kind.INSTANCE)
        assert isinstance(result.error, Unavailable)
        health, last_error = await _health(sim_gateway, account)
        assert health == ("degraded" if attempt >= threshold else "ok")
    assert last_error["code"] == "cloud_unavailable" and last_error["kind"] == "instance"
    assert len(await _instances(sim_gateway, account)) == 3
    backoffs = [sim_gateway.gateway.poller.delay_after(result) for _ in range(20)]
    assert min(backoffs) >= sim_gateway.gateway.settings.backoff_base_seconds  # backing off, with jitter
    assert len(set(backoffs)) > 1

    sim_gateway.cloud.faults.outage = False
    assert (await sim_gateway.gateway.poller.poll(account, Kind.INSTANCE)).ok
    assert await _health(sim_gateway, account) == ("ok", None)


async def test_partial_listing_failure_changes_nothing(sim_gateway: SimWorld):
    sim_gateway.cloud.page_size = 10
    account = await sim_gateway.account()
    sim_gateway.cloud.populate("p1", sim_gateway.cloud.regions[0], servers=45)
    await sim_gateway.gateway.poller.poll(account, Kind.INSTANCE)
    before = await sim_gateway.stored(account)
    events_before = len(await sim_gateway.events())

    sim_gateway.cloud.faults.fail_page(3)
    result = await sim_gateway.gateway.poller.poll(account, Kind.INSTANCE)

    assert not result.ok
    assert await sim_gateway.stored(account) == before
    assert len(await sim_gateway.events()) == events_before
    assert (await sim_gateway.gateway.poller.poll(account, Kind.INSTANCE)).ok


async def test_out_of_band_delete_needs_two_complete_listings(sim_gateway: SimWorld):
    account = await sim_gateway.account()
    sim_gateway.cloud.populate("p1", sim_gateway.cloud.regions[0], servers=3)
    await sim_gateway.gateway.poller.poll(account, Kind.INSTANCE)
    victim = sorted(await _instances(sim_gateway, account))[0]

    sim_gateway.cloud.oob_delete("p1", "servers", victim)
    await sim_gateway.gateway.poller.poll(account, Kind.INSTANCE)
    assert victim in await _instances(sim_gateway, account)  # one miss is not proof
    await sim_gateway.gateway.poller.poll(account, Kind.INSTANCE)

    assert victim not in await _instances(sim_gateway, account)
    deleted = [e for e in await sim_gateway.events() if e.type == "deleted"]
    assert [e.resource["cloud_id"] for e in deleted] == [victim]


async def test_a_failed_poll_between_misses_does_not_count(sim_gateway: SimWorld):
    account = await sim_gateway.account()
    sim_gateway.cloud.populate("p1", sim_gateway.cloud.regions[0], servers=2)
    await sim_gateway.gateway.poller.poll(account, Kind.INSTANCE)
    victim = sorted(await _instances(sim_gateway, account))[0]
    sim_gateway.cloud.oob_delete("p1", "servers", victim)
    await sim_gateway.gateway.poller.poll(account, Kind.INSTANCE)
    sim_gateway.cloud.faults.outage = True
    await sim_gateway.gateway.poller.poll(account, Kind.INSTANCE)
    assert victim in await _instances(sim_gateway, account)
    sim_gateway.cloud.faults.outage = False
    await sim_gateway.gateway.poller.poll(account, Kind.INSTANCE)
    assert victim not in await _instances(sim_gateway, account)


async def test_update_made_during_an_outage_is_not_lost(sim_gateway: SimWorld):
    account = await sim_gateway.account()
    sim_gateway.cloud.populate("p1", sim_gateway.cloud.regions[0], servers=2)
    await sim_gateway.gateway.poller.poll(account, Kind.INSTANCE)
    target = sorted(await _instances(sim_gateway, account))[0]
    sim_gateway.cloud.faults.outage = True
    sim_gateway.cloud.oob_update("p1", "servers", target, name="renamed", status="SHUTOFF")
    assert not (await sim_gateway.gateway.poller.poll(account, Kind.INSTANCE)).ok

    sim_gateway.cloud.faults.outage = False
    await sim_gateway.gateway.poller.poll(account, Kind.INSTANCE)

    record = next(r for r in await sim_gateway.stored(account) if r.cloud_id == target)
    assert (record.name, record.state, record.cloud_state) == ("renamed", "stopped", "SHUTOFF")
    update = [e for e in await sim_gateway.events() if e.type == "updated" and e.resource_id == record.id]
    assert {"name", "state", "cloud_state"} <= set(update[-1].changed)


async def test_eventual_consistency_does_not_delete_a_fresh_create(sim_gateway: SimWorld):
    account = await sim_gateway.account()
    await sim_gateway.poll_all(account)
    sim_gateway.cloud.faults.consistency_delay = 30.0
    gateway = sim_gateway.gateway
    spec = await sim_gateway.instance_spec(account, "web")

    record, op = await gateway.core.operations.create(sim_gateway.admin, Kind.INSTANCE, spec)
    for _ in range(3):  # listings that lack the new instance: it must survive them
        await gateway.poller.poll(account, Kind.INSTANCE)
        stored = await gateway.core.resources.get(sim_gateway.admin, record.id)
        assert stored.state == "pending"
    sim_gateway.clock.advance(30)  # past the consistency delay
    await sim_gateway.settle()

    stored = await gateway.core.resources.get(sim_gateway.admin, record.id)
    assert stored.state == "running" and stored.cloud_id is not None
    assert (await gateway.core.operations.get(sim_gateway.admin, op.id)).state == "succeeded"
    assert len([r for r in await sim_gateway.stored(account) if r.kind == Kind.INSTANCE]) == 1


async def test_clock_skew_is_refused_at_registration(sim_gateway: SimWorld):
    sim_gateway.cloud.faults.clock_skew = 400.0
    with pytest.raises(ClockSkew) as refused:
        await sim_gateway.account()
    assert refused.value.details["skew_seconds"] == pytest.approx(400.0, abs=5)
    sim_gateway.cloud.faults.clock_skew = -1000.0  # a clock far behind is as wrong as one ahead
    with pytest.raises(ClockSkew) as refused:
        await sim_gateway.account()
    assert refused.value.details["skew_seconds"] == pytest.approx(-1000.0, abs=5)
    sim_gateway.cloud.faults.clock_skew = -120.0  # inside the 5 minutes allowed
    assert await sim_gateway.account()


async def test_wrong_credentials_are_refused_at_registration(sim_gateway: SimWorld):
    sim_gateway.cloud.add_account("k", "right", "p9")
    with pytest.raises(CloudAuthFailed):
        await sim_gateway.gateway.core.accounts.register(
            sim_gateway.admin, cloud="sim", endpoint=sim_gateway.cloud.endpoint, region=None,
            credentials={"access_key": "k", "secret_key": "wrong"},
        )  # fmt: skip


async def test_an_account_stays_degraded_until_every_failing_kind_lists_again(sim_gateway: SimWorld):
    account = await sim_gateway.account()
    poller, threshold = sim_gateway.gateway.poller, sim_gateway.gateway.settings.breaker_threshold
    sim_gateway.cloud.faults.outage = True
    for _ in range(threshold):
        for kind in (Kind.INSTANCE, Kind.VOLUME):
            assert not (await poller.poll(account, kind)).ok
    assert (await _health(sim_gateway, account))[0] == "degraded"

    sim_gateway.cloud.faults.outage = False
    assert (await poller.poll(account, Kind.INSTANCE)).ok
    assert (await _health(sim_gateway, account))[0] == "degraded"  # volumes still back off
    assert (await poller.poll(account, Kind.VOLUME)).ok
    assert await _health(sim_gateway, account) == ("ok", None)


async def test_a_throttled_poll_holds_the_account_s_other_kinds_until_retry_after(sim_gateway: SimWorld):
    account = await sim_gateway.account()
    poller = sim_gateway.gateway.poller
    sim_gateway.cloud.faults.configure(throttle_rate=1.0, retry_after=1.5)
    began = time.monotonic()  # before the cloud says Retry-After: the hold counts from its answer, a little later
    throttled = await poller.poll(account, Kind.INSTANCE)
    assert isinstance(throttled.error, Throttled)
    sim_gateway.cloud.faults.configure(throttle_rate=0.0)  # the cloud would answer now: the gateway must not ask yet

    volumes = asyncio.create_task(poller.poll(account, Kind.VOLUME))
    done, _pending = await asyncio.wait({volumes}, timeout=0.75)
    assert not done  # half the wait asked for: the other kind of the account still holds back
    assert (await volumes).ok and time.monotonic() - began >= 1.5
