"""Accounts: registration with credential proof, 201 vs 200, reads, CheckCredentials, rotation, removal,
and that a client only ever sees the accounts it proved."""

from __future__ import annotations

import httpx
import pytest

from cloudgate.drivers.sim import SimCloud
from tests.api.conftest import Caller, account_body

ACCOUNT_FIELDS = {
    "id", "name", "alias", "cloud", "endpoint", "region", "identity", "identity_name", "options", "health", "last_error",
    "created_at", "updated_at", "polls",
}  # fmt: skip


async def test_registering_returns_the_view_without_credentials(alice: Caller, sim: SimCloud):
    response = await alice.post("/v1/accounts", json={**account_body(sim, "project-a"), "name": "team a"})
    assert response.status_code == 201, response.text
    view = response.json()
    assert set(view) == ACCOUNT_FIELDS
    assert view["id"].startswith("acc-") and view["name"] == "team a" and view["identity"] == "project-a"
    assert view["cloud"] == "sim" and view["endpoint"] == sim.endpoint and view["health"] == "ok"
    assert "SK-A" not in response.text and "AK-A" not in response.text


async def test_registering_an_existing_account_is_200_and_grants_it(alice: Caller, bob: Caller, sim: SimCloud):
    first = await alice.post("/v1/accounts", json=account_body(sim, "project-a"))
    assert first.status_code == 201
    assert (await alice.post("/v1/accounts", json=account_body(sim, "project-a"))).status_code == 200
    # Bob proves the same credentials: he gets the same account, and it is now listed for him.
    again = await bob.post("/v1/accounts", json=account_body(sim, "project-a"))
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert [a["id"] for a in (await bob.get("/v1/accounts")).json()["items"]] == [first.json()["id"]]


async def test_naming_the_default_region_or_not_registers_one_account(alice: Caller, sim: SimCloud):
    implicit = await alice.post("/v1/accounts", json={**account_body(sim, "project-a"), "region": None})
    assert implicit.status_code == 201 and implicit.json()["region"] == sim.regions[0]
    named = await alice.post("/v1/accounts", json={**account_body(sim, "project-a"), "region": sim.regions[0]})
    assert named.status_code == 200 and named.json()["id"] == implicit.json()["id"]
    other = await alice.post("/v1/accounts", json={**account_body(sim, "project-a"), "region": sim.regions[1]})
    assert other.status_code == 201 and other.json()["id"] != implicit.json()["id"]


async def test_wrong_credentials_are_refused_and_nothing_is_registered(alice: Caller, sim: SimCloud):
    body = {**account_body(sim, "project-a"), "credentials": {"access_key": "AK-A", "secret_key": "not-it-71c"}}
    response = await alice.post("/v1/accounts", json=body)
    assert response.status_code == 422 and response.json()["error"]["code"] == "cloud_auth_failed"
    assert "not-it-71c" not in response.text
    assert (await alice.get("/v1/accounts")).json() == {"items": []}


async def test_unknown_cloud_type_and_unreachable_endpoint_are_refused(alice: Caller, sim: SimCloud):
    unknown = await alice.post("/v1/accounts", json={**account_body(sim, "project-a"), "cloud": "nimbus"})
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unsupported"
    nowhere = await alice.post("/v1/accounts", json={**account_body(sim, "project-a"), "endpoint": "sim-nowhere"})
    assert nowhere.status_code == 503 and nowhere.json()["error"]["code"] == "cloud_unavailable"


async def test_clock_skew_is_refused(alice: Caller, sim: SimCloud):
    sim.clock.advance(3600)
    response = await alice.post("/v1/accounts", json=account_body(sim, "project-a"))
    assert response.status_code == 422 and response.json()["error"]["code"] == "clock_skew"
    assert response.json()["error"]["details"]["skew_seconds"] > 3000


@pytest.mark.parametrize(
    "change",
    [{"credentials": {"access_key": 5}}, {"credentials": "AK-A:SK-A"}, {"cloud": None}, {"endpoint": ""},
     {"options": []}, {"region": 3}],
)  # fmt: skip
async def test_malformed_registrations_are_invalid(alice: Caller, sim: SimCloud, change: dict):
    response = await alice.post("/v1/accounts", json={**account_body(sim, "project-a"), **change})
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"
    field = next(iter(change))
    assert any(f["field"].startswith(f"body.{field}") for f in response.json()["error"]["details"]["fields"])


async def test_list_get_and_check(alice: Caller, alice_account: str):
    listed = (await alice.get("/v1/accounts")).json()["items"]
    assert [a["id"] for a in listed] == [alice_account]
    view = (await alice.get(f"/v1/accounts/{alice_account}")).json()
    assert view["id"] == alice_account and {p["kind"] for p in view["polls"]} >= {"instance", "image"}
    check = await alice.post(f"/v1/accounts/{alice_account}/check")
    assert check.status_code == 200
    assert check.json()["ok"] is True and check.json()["identity"] == "project-a"


async def test_check_reports_a_cloud_failure_as_not_ok(alice: Caller, alice_account: str, sim: SimCloud):
    sim.faults.outage = True
    check = await alice.post(f"/v1/accounts/{alice_account}/check")
    assert check.status_code == 200
    assert check.json()["ok"] is False and check.json()["error"]["code"] == "cloud_unavailable"


async def test_rotating_credentials(alice: Caller, alice_account: str, sim: SimCloud):
    # The same identity under a new key pair is accepted…
    sim.add_account("AK-OTHER", "SK-OTHER", "project-other")
    wrong_identity = await alice.put(
        f"/v1/accounts/{alice_account}/credentials",
        json={"credentials": {"access_key": "AK-OTHER", "secret_key": "SK-OTHER"}},
    )
    assert wrong_identity.status_code == 409 and wrong_identity.json()["error"]["code"] == "conflict"
    same = await alice.put(
        f"/v1/accounts/{alice_account}/credentials", json={"credentials": {"access_key": "AK-A", "secret_key": "SK-A"}}
    )
    assert same.status_code == 200 and same.json()["id"] == alice_account and "SK-A" not in same.text
    bad = await alice.put(f"/v1/accounts/{alice_account}/credentials", json={"credentials": {"access_key": "AK-A"}})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "cloud_auth_failed"


async def test_removing_an_account_withdraws_access_and_its_resources(
    alice: Caller, bob: Caller, alice_account: str, sim: SimCloud
):
    assert (await bob.post("/v1/accounts", json=account_body(sim, "project-a"))).status_code == 200
    assert (await alice.delete(f"/v1/accounts/{alice_account}")).status_code == 204
    # Alice's access is gone; Bob still holds the account.
    assert (await alice.get(f"/v1/accounts/{alice_account}")).status_code == 404
    assert (await alice.get("/v1/accounts")).json() == {"items": []}
    assert (await bob.get(f"/v1/accounts/{alice_account}")).status_code == 200
    assert (await bob.get("/v1/datacenters", params={"account": alice_account})).json()["items"]
    # The last client to let go deletes the account, and its resources with it.
    assert (await bob.delete(f"/v1/accounts/{alice_account}")).status_code == 204
    assert (await bob.get("/v1/datacenters", params={"account": alice_account})).status_code == 404
    assert (await bob.get("/v1/datacenters")).json()["items"] == []
    assert (await bob.delete(f"/v1/accounts/{alice_account}")).status_code == 404


async def test_clients_cannot_see_or_touch_each_others_accounts(
    alice: Caller, bob: Caller, admin: Caller, alice_account: str, bob_account: str
):
    assert [a["id"] for a in (await alice.get("/v1/accounts")).json()["items"]] == [alice_account]
    assert [a["id"] for a in (await bob.get("/v1/accounts")).json()["items"]] == [bob_account]
    # Guessing (or knowing) the id changes nothing: same answer as for an id that does not exist.
    for account_id in (bob_account, "acc-0000000000000000"):
        for response in (
            await alice.get(f"/v1/accounts/{account_id}"),
            await alice.post(f"/v1/accounts/{account_id}/check"),
            await alice.put(f"/v1/accounts/{account_id}/credentials", json={"credentials": {"access_key": "AK-B", "secret_key": "SK-B"}}),
            await alice.delete(f"/v1/accounts/{account_id}"),
        ):  # fmt: skip
            assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
            assert "project-b" not in response.text
    assert (await bob.get(f"/v1/accounts/{bob_account}")).status_code == 200
    assert {a["id"] for a in (await admin.get("/v1/accounts")).json()["items"]} == {alice_account, bob_account}


async def test_accounts_need_a_token(http: httpx.AsyncClient, sim: SimCloud):
    response = await http.post("/v1/accounts", json=account_body(sim, "project-a"))
    assert response.status_code == 401


async def test_every_libcloud_provider_the_readme_names_registers_and_others_are_refused(alice: Caller):
    dummy = {"cloud": "libcloud:dummy", "endpoint": "dummy", "credentials": {"key": "2"}}
    registered = await alice.post("/v1/accounts", json=dummy)
    assert registered.status_code == 201, registered.text
    assert (await alice.post(f"/v1/accounts/{registered.json()['id']}/check")).json()["ok"]
    for body, code in (
        ({**dummy, "endpoint": "http://127.0.0.1:9/api"}, "invalid_request"),  # dummy takes no endpoint URL
        ({**dummy, "credentials": {"secret": "s"}}, "invalid_request"),
        ({**dummy, "cloud": "libcloud:no-such-provider"}, "unsupported"),
    ):
        response = await alice.post("/v1/accounts", json=body)
        assert response.status_code == 422 and response.json()["error"]["code"] == code, response.text
