"""Foreign credentials over /v1: issued for an account the caller may use (the secret once), listed
without secrets, revoked by their owner (or an admin) only."""

from __future__ import annotations

from tests.api.conftest import Caller


async def test_keys_are_issued_listed_and_revoked_by_their_owner(
    admin: Caller, alice: Caller, bob: Caller, alice_account: str, bob_account: str
):
    issued = await alice.post("/v1/credentials", json={"account": alice_account, "name": "ci"})
    assert issued.status_code == 201, issued.text
    key = issued.json()
    assert key["id"].startswith("CG") and key["secret"] and key["account"] == alice_account
    assert key["client_id"] == alice.client_id and key["revoked_at"] is None

    refused = await bob.post("/v1/credentials", json={"account": alice_account})
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
    assert (await bob.post("/v1/credentials", json={"account": bob_account})).status_code == 201

    mine = (await alice.get("/v1/credentials")).text
    assert key["id"] in mine and key["secret"] not in mine
    assert key["id"] not in (await bob.get("/v1/credentials")).text
    everyone = (await admin.get("/v1/credentials")).json()["items"]
    assert {k["client_id"] for k in everyone} == {alice.client_id, bob.client_id}
    assert (await alice.get("/v1/credentials", params={"account": bob_account})).json()["items"] == []

    assert (await bob.delete(f"/v1/credentials/{key['id']}")).status_code == 404
    assert (await alice.delete(f"/v1/credentials/{key['id']}")).status_code == 204
    listed = (await alice.get("/v1/credentials")).json()["items"]
    assert [k["revoked_at"] is not None for k in listed] == [True]


async def test_bad_requests_for_keys_are_refused(alice: Caller, alice_account: str):
    for body in ({}, {"account": ""}, {"account": alice_account, "scope": {"image": 5}},
                 {"account": alice_account, "region": ""}):  # fmt: skip
        response = await alice.post("/v1/credentials", json=body)
        assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request", body
    wrong_region = await alice.post("/v1/credentials", json={"account": alice_account, "region": "mars-1"})
    assert wrong_region.status_code == 422 and wrong_region.json()["error"]["details"]["field"] == "region"
