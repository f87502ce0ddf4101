"""Scope through /v1: `{"<service>": "<cloud>"}` in the X-Cloudgate-Scope header or a create's `scope`
field, clouds named by the aliases a client gives its accounts; reads list each kind from the cloud its
service names; a create carries other clouds' key pairs over and refuses what cannot cross clouds."""

from __future__ import annotations

import pytest

from cloudgate.app import Gateway
from cloudgate.core import Caller as CoreCaller
from cloudgate.errors import InvalidScope
from cloudgate.model import Kind
from cloudgate.query import ResourceQuery
from tests.api.conftest import Caller, created, finished_operation, instance_body, scoped


async def test_aliases_name_a_clients_accounts(alice: Caller, bob: Caller, clouds: dict[str, str]):
    listed = {a["alias"]: a["id"] for a in (await alice.get("/v1/accounts")).json()["items"]}
    assert listed == clouds
    taken = await alice.put(f"/v1/accounts/{clouds['CloudOne']}/alias", json={"alias": "CloudTwo"})
    assert taken.status_code == 409 and taken.json()["error"]["details"]["field"] == "alias"
    bad = await alice.put(f"/v1/accounts/{clouds['CloudOne']}/alias", json={"alias": "two words"})
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "alias"
    by_alias = (await alice.get("/v1/keypairs", params={"account": "CloudTwo"})).json()
    assert by_alias["items"] == [] and "error" not in by_alias  # the account filter takes aliases too
    renamed = await alice.put(f"/v1/accounts/{clouds['CloudOne']}/alias", json={"alias": "Primary"})
    assert renamed.status_code == 200 and renamed.json()["alias"] == "Primary"
    assert (await alice.get("/v1/flavors", params={"account": "Primary"})).json()["items"]
    # Another client's account is not its to name, and not found for it.
    foreign = await bob.put(f"/v1/accounts/{clouds['CloudOne']}/alias", json={"alias": "Mine"})
    assert foreign.status_code == 404


async def test_a_listing_reads_the_cloud_its_service_names(alice: Caller, gateway: Gateway, clouds: dict[str, str]):
    one, two = clouds["CloudOne"], clouds["CloudTwo"]
    for account, name in ((one, "laptop"), (two, "ci")):
        await created(alice, gateway, "keypairs", {"account": account, "name": name})
    everything = (await alice.get("/v1/keypairs")).json()["items"]
    assert sorted(k["name"] for k in everything) == ["ci", "laptop"]
    under_scope = (await alice.get("/v1/keypairs", headers=scoped({"keypair": "CloudTwo"}))).json()["items"]
    assert [(k["name"], k["account"]) for k in under_scope] == [("ci", two)]
    images = (await alice.get("/v1/images", headers=scoped({"image": two}))).json()["items"]
    assert images and {i["scope"] for i in images} <= {two, images[0]["scope"]}
    assert all(i["account"] in (two, None) for i in images)
    # Other kinds are not bound by an image scope: both clouds' key pairs are still listed.
    both = (await alice.get("/v1/keypairs", headers=scoped({"image": "CloudTwo"}))).json()["items"]
    assert len(both) == 2


@pytest.mark.parametrize(
    "header, why",
    [("{bad", "a JSON object"), ('["image"]', "a JSON object"), ('{"storage": "CloudTwo"}', "no service 'storage'"),
     ('{"image": 7}', "names a cloud"), ('{"image": ""}', "names a cloud")],
)  # fmt: skip
async def test_a_malformed_scope_is_refused(alice: Caller, clouds: dict[str, str], header: str, why: str):
    response = await alice.get("/v1/images", headers={"X-Cloudgate-Scope": header})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_scope" and why in response.json()["error"]["message"]


async def test_a_scope_naming_no_account_of_the_client_tells_nothing(
    alice: Caller, bob: Caller, bob_account: str, clouds: dict[str, str]
):
    """Bob's account and an account that does not exist are refused in the same words."""
    answers = []
    for cloud in (bob_account, "acc-0000000000000000"):
        response = await alice.get("/v1/images", headers=scoped({"image": cloud}))
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        answers.append((error["code"], error["message"].replace(cloud, "<cloud>")))
    assert answers[0] == answers[1] == ("invalid_scope", "scope: image cloud '<cloud>' is none of your accounts")
    create = await bob.post("/v1/keypairs", json={"name": "k", "scope": {"keypair": clouds["CloudOne"]}})
    assert create.status_code == 400 and create.json()["error"]["code"] == "invalid_scope"


async def test_a_key_pair_of_another_cloud_is_imported(alice: Caller, gateway: Gateway, clouds: dict[str, str]):
    source = await created(alice, gateway, "keypairs", {"account": clouds["CloudTwo"], "name": "deploy"})
    scope = {"compute": "CloudOne", "keypair": "CloudTwo"}
    machine = await created(alice, gateway, "instances", instance_body(keypair="deploy", scope=scope))
    assert machine["account"] == clouds["CloudOne"]
    imported = (await alice.get("/v1/keypairs", params={"account": clouds["CloudOne"]})).json()["items"]
    assert [(k["name"], k["attrs"]["public_key"]) for k in imported] == [("deploy", source["attrs"]["public_key"])]
    assert machine["attrs"]["keypair"] == imported[0]["cloud_id"]
    # The next machine uses the key pair already there, not a second one.
    await created(alice, gateway, "instances", instance_body(name="web-2", keypair="deploy", scope=scope))
    again = (await alice.get("/v1/keypairs", params={"account": clouds["CloudOne"]})).json()["items"]
    assert [k["id"] for k in again] == [imported[0]["id"]]


async def test_the_operation_carries_the_bound_scope(alice: Caller, gateway: Gateway, clouds: dict[str, str]):
    response = await alice.post(
        "/v1/keypairs", json={"name": "k"}, headers=scoped({"keypair": "CloudTwo", "image": "CloudOne"})
    )
    assert response.status_code == 202, response.text
    operation = response.json()["operation"]
    assert operation["account"] == clouds["CloudTwo"]
    assert operation["scope"] == {"keypair": clouds["CloudTwo"], "image": clouds["CloudOne"]}
    assert (await finished_operation(alice, operation["id"]))["scope"] == operation["scope"]
    events = (await alice.get("/v1/events", params={"limit": 1000})).json()["events"]
    made = [e for e in events if e["resource_id"] == response.json()["resource"]["id"] and e["type"] == "created"]
    assert [e["cause"] for e in made] == [
        {"operation": operation["id"], "request_id": operation["request_id"], "scope": operation["scope"]}
    ]


async def test_a_network_of_another_cloud_is_refused_saying_why(
    alice: Caller, gateway: Gateway, clouds: dict[str, str]
):
    subnet = await created(
        alice, gateway, "subnets", {"account": clouds["CloudTwo"], "name": "back", "cidr": "10.9.0.0/24"}
    )
    body = instance_body(subnet=subnet["id"], scope={"compute": "CloudOne", "network": "CloudTwo"})
    response = await alice.post("/v1/instances", json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "cross_cloud_reference" and error["details"]["field"] == "subnet"
    assert "a network does not reach across clouds" in error["message"] and clouds["CloudOne"] in error["message"]
    assert (await alice.get("/v1/instances")).json()["items"] == []  # nothing recorded, no created/deleted pair


async def test_a_scope_and_an_account_that_disagree_are_refused(alice: Caller, clouds: dict[str, str]):
    body = {"account": clouds["CloudOne"], "name": "k", "scope": {"keypair": "CloudTwo"}}
    response = await alice.post("/v1/keypairs", json=body)
    assert response.status_code == 400 and response.json()["error"]["details"]["field"] == "account"


async def test_a_scope_kept_past_the_clients_access_is_refused(alice: Caller, gateway: Gateway, clouds: dict[str, str]):
    """A bound scope outlives the request that bound it (a token carries one): the account's removal ends it."""
    principal = await gateway.core.auth.authenticate(alice.token)
    kept = CoreCaller(principal, scope={"image": clouds["CloudTwo"], "keypair": clouds["CloudTwo"]})
    assert (await gateway.core.resources.query(kept, ResourceQuery(kind=Kind.IMAGE))).records
    assert (await alice.delete(f"/v1/accounts/{clouds['CloudTwo']}")).status_code == 204
    with pytest.raises(InvalidScope):
        await gateway.core.resources.query(kept, ResourceQuery(kind=Kind.IMAGE))
    body = {"account": clouds["CloudOne"], **instance_body(image="debian-12")}
    with pytest.raises(InvalidScope):
        await gateway.core.operations.create(kept, Kind.INSTANCE, body)
