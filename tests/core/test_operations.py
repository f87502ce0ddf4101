"""Operations through the core: pre-assigned ids, settling, events, idempotency, failures."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from cloudgate.core import Caller, Principal
from cloudgate.errors import InvalidRequest, NotFound, Unsupported
from cloudgate.model import Kind, gateway_id, new_gateway_id
from cloudgate.store import resources as resource_rows
from tests.conftest import SimWorld


async def test_instance_lifecycle_with_events_in_order(sim_gateway: SimWorld):
    gateway, admin = sim_gateway.gateway, sim_gateway.admin
    account = await sim_gateway.account()
    await sim_gateway.poll_all(account)
    head = len(await sim_gateway.events())

    record, op = await gateway.core.operations.create(admin, Kind.INSTANCE, await sim_gateway.instance_spec(account, "web"))
    assert record.state == "pending" and record.id.startswith("i-")
    assert (await gateway.core.resources.get(admin, record.id)).state == "pending"  # visible at once
    await sim_gateway.settle()
    assert (await gateway.core.operations.get(admin, op.id)).state == "succeeded"
    assert (await gateway.core.resources.get(admin, record.id)).state == "running"

    stop = await gateway.core.operations.act(admin, record.id, "stop", {})
    await sim_gateway.settle()
    assert (await gateway.core.operations.get(admin, stop.id)).state == "succeeded"
    assert (await gateway.core.resources.get(admin, record.id)).state == "stopped"

    destroy = await gateway.core.operations.destroy(admin, record.id)
    await sim_gateway.settle()
    assert (await gateway.core.operations.get(admin, destroy.id)).state == "succeeded"

    mine = [e for e in (await sim_gateway.events())[head:] if e.resource_id == record.id]
    states = [e.resource["state"] for e in mine]
    assert mine[0].type == "created" and states[0] == "pending"
    assert states.index("running") < states.index("stopped") < states.index("terminated")
    # Nothing was filed twice: one instance record under the pre-assigned id.
    assert [r.id for r in await sim_gateway.stored(account) if r.kind == Kind.INSTANCE] == [record.id]


async def test_volume_attach_snapshot_and_detach(sim_gateway: SimWorld):
    gateway, admin = sim_gateway.gateway, sim_gateway.admin
    account = await sim_gateway.account()
    await sim_gateway.poll_all(account)
    spec = await sim_gateway.instance_spec(account)
    instance, _ = await gateway.core.operations.create(admin, Kind.INSTANCE, spec)
    volume, _ = await gateway.core.operations.create(
        admin, Kind.VOLUME, {"account": account, "name": "data", "size_gb": 5, "datacenter": spec["datacenter"]}
    )
    await sim_gateway.settle()

    attach = await gateway.core.operations.act(admin, volume.id, "attach", {"instance": instance.id})
    await sim_gateway.settle()
    assert (await gateway.core.operations.get(admin, attach.id)).state == "succeeded"
    attached = await gateway.core.resources.get(admin, volume.id)
    assert attached.state == "in_use"
    assert attached.attrs["attached_to"] == (await gateway.core.resources.get(admin, instance.id)).cloud_id

    snap, snap_op = await gateway.core.operations.create(admin, Kind.SNAPSHOT, {"account": account, "name": "s", "volume": volume.id})
    await sim_gateway.settle()
    assert (await gateway.core.operations.get(admin, snap_op.id)).state == "succeeded"
    assert (await gateway.core.resources.get(admin, snap.id)).attrs["volume"] == attached.cloud_id

    await gateway.core.operations.act(admin, volume.id, "detach", {})
    await sim_gateway.settle()
    assert (await gateway.core.resources.get(admin, volume.id)).state == "available"


async def test_idempotency_key_returns_the_same_operation(sim_gateway: SimWorld):
    gateway, admin = sim_gateway.gateway, sim_gateway.admin
    account = await sim_gateway.account()
    await sim_gateway.poll_all(account)
    spec = await sim_gateway.instance_spec(account)
    first = await gateway.core.operations.create(admin.keyed("k-1"), Kind.INSTANCE, spec)
    again = await gateway.core.operations.create(admin.keyed("k-1"), Kind.INSTANCE, spec)
    assert again[0].id == first[0].id and again[1].id == first[1].id
    await sim_gateway.settle()
    assert len([r for r in await sim_gateway.stored(account) if r.kind == Kind.INSTANCE]) == 1


async def test_failed_create_removes_the_placeholder_and_fails_the_operation(sim_gateway: SimWorld):
    gateway, admin = sim_gateway.gateway, sim_gateway.admin
    account = await sim_gateway.account()
    await sim_gateway.poll_all(account)
    spec = await sim_gateway.instance_spec(account)
    sim_gateway.cloud.faults.outage = True
    record, op = await gateway.core.operations.create(admin, Kind.INSTANCE, spec)
    await sim_gateway.settle()
    failed = await gateway.core.operations.get(admin, op.id)
    assert failed.state == "failed" and failed.error["code"] == "cloud_unavailable"
    with pytest.raises(NotFound):
        await gateway.core.resources.get(admin, record.id)
    kinds = [(e.type, e.resource_id) for e in await sim_gateway.events() if e.resource_id == record.id]
    assert kinds == [("created", record.id), ("deleted", record.id)]


async def test_requests_are_validated_before_anything_is_recorded(sim_gateway: SimWorld):
    gateway, admin = sim_gateway.gateway, sim_gateway.admin
    account = await sim_gateway.account()
    await sim_gateway.poll_all(account)
    events = len(await sim_gateway.events())
    with pytest.raises(InvalidRequest):
        await gateway.core.operations.create(admin, Kind.INSTANCE, {"account": account, "name": "x"})
    with pytest.raises(Unsupported):
        await gateway.core.operations.create(admin, Kind.FLAVOR, {"account": account, "name": "x"})
    with pytest.raises(InvalidRequest):  # a reference to a resource of another kind
        spec = await sim_gateway.instance_spec(account)
        await gateway.core.operations.create(admin, Kind.INSTANCE, {**spec, "image": spec["flavor"].replace("fl-", "img-")})
    assert len(await sim_gateway.events()) == events


async def test_generated_keypair_private_key_is_returned_once_in_the_operation(sim_gateway: SimWorld):
    gateway, admin = sim_gateway.gateway, sim_gateway.admin
    account = await sim_gateway.account()
    record, op = await gateway.core.operations.create(admin, Kind.KEYPAIR, {"account": account, "name": "deploy"})
    await sim_gateway.settle()
    done = await gateway.core.operations.get(admin, op.id)
    assert done.result["private_key"].startswith("-----BEGIN")
    stored = await gateway.core.resources.get(admin, record.id)
    assert "private_key" not in stored.attrs and "PRIVATE KEY" not in str(stored.cloud_attrs)


async def test_a_throttled_create_is_retried_when_the_cloud_says(sim_gateway: SimWorld):
    gateway, admin = sim_gateway.gateway, sim_gateway.admin
    account = await sim_gateway.account()
    await sim_gateway.poll_all(account)
    sim_gateway.cloud.faults.configure(throttle_rate=0.8, retry_after=0.01)  # most calls refused, briefly
    record, op = await gateway.core.operations.create(admin, Kind.INSTANCE, await sim_gateway.instance_spec(account))
    await sim_gateway.settle()
    assert (await gateway.core.operations.get(admin, op.id)).state == "succeeded"
    assert (await gateway.core.resources.get(admin, record.id)).state == "running"


async def test_a_create_the_store_cannot_file_fails_clearly_and_leaves_nothing_pending(sim_gateway: SimWorld):
    gateway, admin = sim_gateway.gateway, sim_gateway.admin
    account = await sim_gateway.account()
    await sim_gateway.poll_all(account)
    # The store already files the cloud id the cloud hands out next (as when a cloud's ids started over).
    taken = f"srv-{sim_gateway.cloud._provisioner.seqs._next:06d}"
    stray = dataclasses.replace((await sim_gateway.stored(account))[0], id=gateway_id(account, Kind.INSTANCE, taken),
                                cloud_id=taken, kind=Kind.INSTANCE, name="stray")  # fmt: skip
    async with gateway.store.write() as conn:
        await resource_rows.insert_records(conn, [(stray, None)])
    record, op = await gateway.core.operations.create(admin, Kind.INSTANCE, await sim_gateway.instance_spec(account))
    await sim_gateway.settle()
    failed = await gateway.core.operations.get(admin, op.id)
    assert failed.state == "failed" and failed.error["code"] == "operation_failed" and taken in failed.error["message"]
    with pytest.raises(NotFound):  # not stuck pending
        await gateway.core.resources.get(admin, record.id)


async def test_a_record_whose_create_never_reached_the_cloud_can_be_deleted_only(sim_gateway: SimWorld):
    gateway, admin = sim_gateway.gateway, sim_gateway.admin
    account = await sim_gateway.account()
    await sim_gateway.poll_all(account)
    left = dataclasses.replace((await sim_gateway.stored(account))[0], id=new_gateway_id(Kind.INSTANCE), cloud_id=None,
                               kind=Kind.INSTANCE, name="left-pending", state="pending")  # fmt: skip
    async with gateway.store.write() as conn:  # as a crash between the placeholder and its cleanup leaves it
        await resource_rows.insert_records(conn, [(left, None)])
    with pytest.raises(InvalidRequest, match="never created"):
        await gateway.core.operations.act(admin, left.id, "stop", {})
    destroy = await gateway.core.operations.destroy(admin, left.id)
    await sim_gateway.settle()
    assert (await gateway.core.operations.get(admin, destroy.id)).state == "succeeded"
    with pytest.raises(NotFound):
        await gateway.core.resources.get(admin, left.id)


async def test_changed_operations_are_read_after_a_time_and_this_process_wakes_who_waits(sim_gateway: SimWorld):
    """What a live page follows: the operations changed after a time (an admin's: every client's; another
    client's: none of them), and a wait that ends when this process changes one."""
    gateway, admin = sim_gateway.gateway, sim_gateway.admin
    operations = gateway.core.operations
    account = await sim_gateway.account()
    await sim_gateway.poll_all(account)
    before = (await operations.changed(admin, 0.0))[-1:] or []
    since = before[0].updated_at if before else 0.0

    waiting = asyncio.ensure_future(operations.next_change(30.0))
    _record, op = await operations.create(admin, Kind.INSTANCE, await sim_gateway.instance_spec(account, "live"))
    assert await asyncio.wait_for(waiting, 5.0) is True  # woken by the change, long before the 30 s
    await sim_gateway.settle()
    changed = await operations.changed(admin, since)
    assert [o.id for o in changed] == [op.id] and changed[0].state == "succeeded"
    assert changed[0].params and changed[0].params["name"] == "live"
    assert await operations.changed(admin, changed[0].updated_at) == []
    stranger = Caller(Principal("cl-stranger", "stranger", False))
    assert await operations.changed(stranger, since) == []
    assert await operations.next_change(0.05) is False  # nothing changes: the wait ends at its timeout
