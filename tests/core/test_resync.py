"""Resync: wiping resource state and polling again rebuilds the same records with the same ids."""

from __future__ import annotations

from cloudgate.model import Kind
from tests.conftest import SimWorld

COMPARED = ("id", "cloud_id", "scope", "account_id", "kind", "name", "state", "cloud_state", "attrs", "cloud_attrs", "tags", "public")


def _comparable(records) -> dict[str, tuple]:
    return {r.id: tuple(getattr(r, f) for f in COMPARED) for r in records}


async def test_resync_rebuilds_identical_ids_and_state(sim_gateway: SimWorld):
    gateway = sim_gateway.gateway
    first = await sim_gateway.account("p1")
    second = await sim_gateway.account("p2")
    sim_gateway.cloud.populate("p1", sim_gateway.cloud.regions[0], servers=4, volumes=3, snapshots=1, keypairs=2)
    sim_gateway.cloud.populate("p2", sim_gateway.cloud.regions[0], servers=2, subnets=2, security_groups=1)
    await sim_gateway.poll_all(first)
    await sim_gateway.poll_all(second)
    # One resource created through the gateway: its pre-assigned id must survive the wipe too.
    record, _op = await gateway.core.operations.create(sim_gateway.admin, Kind.INSTANCE, await sim_gateway.instance_spec(first))
    await sim_gateway.settle()
    before = _comparable(await sim_gateway.stored())
    assert record.id in before and len(before) > 20
    accounts_before = [a.to_dict() for a in await gateway.core.accounts.list(sim_gateway.admin)]

    operation = await gateway.core.operations.resync(sim_gateway.admin, rebuild=True)
    await sim_gateway.settle()
    done = await gateway.core.operations.get(sim_gateway.admin, operation.id)
    assert done.state == "succeeded" and done.progress == {"done": done.result["listings"], "total": 18, "unit": "listings"}
    rebuilt = done.result["records"]

    assert rebuilt == len(before)
    assert _comparable(await sim_gateway.stored()) == before
    accounts_after = [a.to_dict() for a in await gateway.core.accounts.list(sim_gateway.admin)]
    assert [(a["id"], a["identity"]) for a in accounts_after] == [(a["id"], a["identity"]) for a in accounts_before]
    # Credentials are intact: the accounts still authenticate.
    assert (await gateway.core.accounts.check(sim_gateway.admin, first))["ok"]
