"""Reading resources: listings, filters, cursor pagination, single records, unknown collections, and
that a client sees its own accounts' resources and its endpoints' public ones, nothing else."""

from __future__ import annotations

import httpx
import pytest

from cloudgate.app import Gateway
from cloudgate.drivers.sim import Credentials, SimCloud
from cloudgate.model import COLLECTIONS
from tests.api.conftest import Caller, sync_account

RECORD_FIELDS = {
    "id", "cloud_id", "kind", "cloud", "account", "scope", "public", "name", "state", "cloud_state", "attrs",
    "cloud_attrs", "tags", "created_at", "updated_at", "revision",
}  # fmt: skip


async def test_listings_show_the_accounts_resources_and_the_public_ones(alice: Caller, alice_account: str):
    flavors = (await alice.get("/v1/flavors")).json()
    assert flavors["next_cursor"] is None
    assert sorted(f["name"] for f in flavors["items"]) == ["s1.large", "s1.medium", "s1.small", "s1.tiny", "s1.xlarge"]
    assert all(set(f) == RECORD_FIELDS and f["account"] == alice_account for f in flavors["items"])
    images = (await alice.get("/v1/images")).json()["items"]
    assert {i["name"] for i in images} == {"ubuntu-24.04", "debian-12", "rocky-9", "windows-2022"}
    assert all(i["public"] and i["account"] is None for i in images)
    zones = (await alice.get("/v1/datacenters", params={"name": "sim-east-b"})).json()["items"]
    assert [z["attrs"]["type"] for z in zones] == ["zone"]
    for collection in COLLECTIONS:
        response = await alice.get(f"/v1/{collection}")
        assert response.status_code == 200, (collection, response.text)


async def test_account_filter_lists_what_the_account_can_use(
    alice: Caller, alice_account: str, gateway: Gateway, sim: SimCloud
):
    sim.populate("project-a", "sim-east", images=1)
    await sync_account(gateway, alice_account)
    usable = (await alice.get("/v1/images", params={"account": alice_account})).json()["items"]
    # Its own private image and every image its endpoint publishes.
    assert sorted(i["public"] for i in usable) == [False, True, True, True, True]
    assert {i["account"] for i in usable if not i["public"]} == {alice_account}
    unknown = await alice.get("/v1/images", params={"account": "acc-0000000000000000"})  # an error, not an empty page
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"


async def test_filters(alice: Caller, alice_account: str, gateway: Gateway, sim: SimCloud):
    sim.populate("project-a", "sim-east", volumes=3)
    volume_ids = [v["id"] for v in (await sim.list_page(Credentials("AK-A", "SK-A"), "volumes", "sim-east"))[0]]
    sim.oob_update("project-a", "volumes", volume_ids[0], tags={"env": "prod"})
    await sync_account(gateway, alice_account)

    async def cloud_ids(**filters: str | list[str]) -> list[str]:
        response = await alice.get("/v1/volumes", params=filters)
        assert response.status_code == 200, response.text
        return [item["cloud_id"] for item in response.json()["items"]]

    assert len(await cloud_ids()) == 3
    assert await cloud_ids(tag="env=prod") == [volume_ids[0]]
    assert await cloud_ids(tag="env=dev") == []
    assert await cloud_ids(cloud_id=volume_ids[1]) == [volume_ids[1]]
    assert len(await cloud_ids(account=alice_account, cloud="sim", state="available")) == 3
    assert await cloud_ids(state="in_use") == []
    assert await cloud_ids(state=["in_use", "available"]) == await cloud_ids()  # any of several values
    assert sorted(await cloud_ids(cloud_id=volume_ids[:2])) == sorted(volume_ids[:2])
    for bad, status, field in (({"account": "acc-someone-else"}, 404, "account"), ({"state": "running"}, 422, "state"),
                               ({"datacenter": "no-such-zone"}, 422, "datacenter")):  # fmt: skip
        response = await alice.get("/v1/volumes", params=bad)
        assert response.status_code == status and response.json()["error"]["details"]["field"] == field, response.text


async def test_cursor_pagination_walks_every_record_once(alice: Caller, alice_account: str, gateway: Gateway, sim: SimCloud):
    sim.populate("project-a", "sim-east", keypairs=7)
    await sync_account(gateway, alice_account)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await alice.get("/v1/keypairs", params=params)).json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and len(seen) == 7 and seen == sorted(set(seen))


@pytest.mark.parametrize(
    "params, field",
    [({"limit": 0}, "query.limit"), ({"limit": 1001}, "query.limit"), ({"limit": "many"}, "query.limit"),
     ({"cursor": "not-a-cursor"}, "cursor"), ({"cursor": "eyJrIjoiaW1hZ2UiLCJhIjoieCJ9"}, "cursor"),
     ({"tag": "no-equals-sign"}, "query.tag"), ({"name": "x" * 600}, "query.name")],
)  # fmt: skip
async def test_bad_listing_parameters_are_invalid(alice: Caller, params: dict, field: str):
    # (the second cursor is a valid cursor of the image collection, used on keypairs)
    response = await alice.get("/v1/keypairs", params=params)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    fields = [f["field"] for f in error["details"]["fields"]] if "fields" in error["details"] else [error["details"]["field"]]
    assert field in fields


async def test_a_cursor_from_one_page_only_continues_its_own_collection(alice: Caller, alice_account: str):
    page = (await alice.get("/v1/flavors", params={"limit": 2})).json()
    assert page["next_cursor"]
    response = await alice.get("/v1/datacenters", params={"cursor": page["next_cursor"]})
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"


async def test_getting_one_record_checks_its_collection(alice: Caller, alice_account: str):
    flavor = (await alice.get("/v1/flavors", params={"name": "s1.small"})).json()["items"][0]
    got = await alice.get(f"/v1/flavors/{flavor['id']}")
    assert got.status_code == 200 and got.json() == flavor
    for path in (f"/v1/instances/{flavor['id']}", "/v1/flavors/fl-00000000000000000000"):
        response = await alice.get(path)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "method, path",
    [("GET", "/v1/widgets"), ("POST", "/v1/widgets"), ("GET", "/v1/widgets/w-1"), ("DELETE", "/v1/instance/i-1"),
     ("PATCH", "/v1/widgets/w-1"), ("POST", "/v1/widgets/w-1/actions/spin")],
)  # fmt: skip
async def test_unknown_collections_are_unknown_kind(alice: Caller, method: str, path: str):
    response = await alice.request(method, path, json={})
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "unknown_kind"


async def test_other_unknown_paths_are_not_found_and_wrong_methods_not_allowed(alice: Caller):
    for path in ("/v1/instances/i-1/extra", "/v2/instances", "/nowhere", "/v1/whoami/more"):
        response = await alice.get(path)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found", path
    for method, path in (("PUT", "/v1/instances"), ("POST", "/v1/whoami"), ("GET", "/v1/tokens/current"),
                         ("DELETE", "/v1/clouds"), ("PUT", "/v1/instances/i-1/actions/start")):  # fmt: skip
        response = await alice.request(method, path)
        assert response.status_code == 405, (method, path, response.text)
        assert response.json()["error"]["code"] == "method_not_allowed"
        assert "allow" in response.headers


async def test_clients_see_only_their_accounts_resources(
    alice: Caller, bob: Caller, alice_account: str, bob_account: str, gateway: Gateway, sim: SimCloud
):
    sim.populate("project-b", "sim-east", keypairs=2)
    await sync_account(gateway, bob_account)
    bobs = (await bob.get("/v1/keypairs")).json()["items"]
    assert len(bobs) == 2
    assert (await alice.get("/v1/keypairs")).json()["items"] == []
    hidden = await alice.get("/v1/keypairs", params={"account": bob_account})  # as if it did not exist
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "not_found"
    assert all(f["account"] == alice_account for f in (await alice.get("/v1/flavors")).json()["items"])
    for keypair in bobs:
        response = await alice.get(f"/v1/keypairs/{keypair['id']}")
        assert response.status_code == 404 and keypair["name"] not in response.text
        assert (await alice.delete(f"/v1/keypairs/{keypair['id']}")).status_code == 404
        assert (await alice.patch(f"/v1/keypairs/{keypair['id']}", json={"name": "mine"})).status_code == 404
    # Both see the endpoint's public images: they are the cloud's, not an account's.
    public = {i["id"] for i in (await alice.get("/v1/images")).json()["items"]}
    assert public == {i["id"] for i in (await bob.get("/v1/images")).json()["items"]} and len(public) == 4


async def test_resources_need_a_token(http: httpx.AsyncClient):
    for method, path in (("GET", "/v1/instances"), ("GET", "/v1/instances/i-1"), ("POST", "/v1/instances"),
                         ("DELETE", "/v1/instances/i-1"), ("POST", "/v1/instances/i-1/actions/stop")):  # fmt: skip
        response = await http.request(method, path, json={"account": "acc-1"})
        assert response.status_code == 401, (method, path)
