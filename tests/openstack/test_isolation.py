"""Two clients, each with the account of its own OpenStack project, see and touch only their own
resources; the cloud's public images are stored once and seen by both."""

from __future__ import annotations

import secrets

from tests.api.conftest import Caller
from tests.openstack.conftest import done, only
from tests.services.openstack import MARKS

pytestmark = MARKS


async def make_keypair(caller: Caller, account_id: str, name: str) -> dict:
    # nova's keypair names are unique per user, and the cloud may outlive a test session.
    response = await caller.post("/v1/keypairs", json={"account": account_id, "name": f"{name}-{secrets.token_hex(4)}"})
    await done(caller, response)
    return (await caller.get(f"/v1/keypairs/{response.json()['resource']['id']}")).json()


async def test_two_projects_stay_isolated(alice: Caller, bob: Caller, alice_account: str, bob_account: str):
    alices = await make_keypair(alice, alice_account, "iso-key-a")
    bobs = await make_keypair(bob, bob_account, "iso-key-b")
    assert {k["account"] for k in (await alice.get("/v1/keypairs")).json()["items"]} == {alice_account}
    assert {k["account"] for k in (await bob.get("/v1/keypairs")).json()["items"]} == {bob_account}
    assert alices["id"] in {k["id"] for k in (await alice.get("/v1/keypairs")).json()["items"]}
    # Bob cannot read, change or destroy Alice's resources, nor create in her account.
    for response in (
        await bob.get(f"/v1/keypairs/{alices['id']}"),
        await bob.delete(f"/v1/keypairs/{alices['id']}"),
        await bob.post("/v1/keypairs", json={"account": alice_account, "name": "intruder"}),
        await bob.get(f"/v1/accounts/{alice_account}"),
    ):
        assert response.status_code == 404, response.text
    # Each one's events are about their own account, or the cloud's public resources.
    for caller, account_id, other in ((alice, alice_account, bobs), (bob, bob_account, alices)):
        events = (await caller.get("/v1/events")).json()["events"]
        assert events and {e["account"] for e in events} <= {account_id, None}
        assert other["id"] not in {e["resource_id"] for e in events}
    # The seeded public image: one record, seen by both.
    image = await only(alice, "images", name="cirros-fake")
    assert image["public"] and image["account"] is None
    assert (await only(bob, "images", name="cirros-fake"))["id"] == image["id"]
    # The projects' own instances and networks are theirs alone, in the cloud too.
    hidden = await alice.get("/v1/instances", params={"account": bob_account})
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "not_found"
    for caller, keypair in ((alice, alices), (bob, bobs)):
        await done(caller, await caller.delete(f"/v1/keypairs/{keypair['id']}"))
