"""The reads a dashboard's overview and detail pages make through the core, on SQLite and PostgreSQL: counts
per kind and state in one grouped read, the newest events, and one resource's history; each limited to what
the caller may see."""

from __future__ import annotations

from collections import Counter

import pytest

from cloudgate.core import Caller
from cloudgate.errors import InvalidRequest
from cloudgate.model import Kind
from cloudgate.query import ResourceQuery
from tests.conftest import SimWorld


async def _other_client(world: SimWorld) -> Caller:
    """A second, non-admin client with an account of its own (project p2)."""
    core = world.gateway.core
    client, secret = await core.auth.create_client(world.admin, "other")
    caller = Caller.of(await core.auth.authenticate((await core.auth.issue_token(client.id, secret)).token))
    world.cloud.add_account("p2-key", "p2-secret", "p2")
    await core.accounts.register(caller, cloud="sim", endpoint=world.cloud.endpoint, region=None,
                                 credentials={"access_key": "p2-key", "secret_key": "p2-secret"})  # fmt: skip
    return caller


async def test_counts_per_kind_and_state_are_what_the_caller_sees(sim_gateway: SimWorld):
    core = sim_gateway.gateway.core
    mine = await sim_gateway.account("p1")
    await sim_gateway.poll_all(mine)
    record, _op = await core.operations.create(sim_gateway.admin, Kind.INSTANCE, await sim_gateway.instance_spec(mine))
    other = await _other_client(sim_gateway)

    stored = await sim_gateway.stored()
    expected: dict[Kind, Counter[str]] = {}
    for r in stored:
        expected.setdefault(r.kind, Counter())[r.state] += 1
    assert await core.resources.counts(sim_gateway.admin) == {k: dict(v) for k, v in expected.items()}
    assert (await core.resources.counts(sim_gateway.admin))[Kind.INSTANCE]["pending"] >= 1

    # The other client's account was never listed: it sees no resource of the admin's p1, nor its pending instance.
    assert Kind.INSTANCE not in await core.resources.counts(other)
    assert record.id not in {r.id for r in (await core.resources.query(other, ResourceQuery(Kind.INSTANCE))).records}
    await sim_gateway.settle()


async def test_recent_events_newest_first_and_one_resources_history(sim_gateway: SimWorld):
    core, admin = sim_gateway.gateway.core, sim_gateway.admin
    account = await sim_gateway.account("p1")
    await sim_gateway.poll_all(account)
    record, _op = await core.operations.create(admin, Kind.INSTANCE, await sim_gateway.instance_spec(account, "vm"))
    await sim_gateway.settle()
    await core.operations.act(admin, record.id, "stop", {})
    await sim_gateway.settle()

    everything = await sim_gateway.events()
    newest = await core.events.recent(admin, limit=5)
    assert [e.seq for e in newest] == [e.seq for e in reversed(everything)][:5]

    history = await core.events.recent(admin, limit=100, resource_id=record.id)
    assert [e.seq for e in history] == [e.seq for e in reversed(everything) if e.resource_id == record.id]
    assert history[-1].type == "created" and history[0].resource["state"] == "stopped"

    other = await _other_client(sim_gateway)
    assert await core.events.recent(other, limit=100, resource_id=record.id) == []
    assert all(e.account_id != account for e in await core.events.recent(other, limit=100))
    with pytest.raises(InvalidRequest):
        await core.events.recent(admin, limit=0)
