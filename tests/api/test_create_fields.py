"""Create fields are data: each cloud declares them (`GET /v1/clouds`), and a create with a bad value is
refused before the 202 with the field named, so it never becomes a created/deleted event pair. An
idempotency key is bound to the request it was first used for."""

from __future__ import annotations

from typing import Any

import pytest

from cloudgate.app import Gateway
from cloudgate.drivers.sim import SimCloud
from tests.api.conftest import Caller, eventually, feed_position, finished_operation, instance_spec, only_id


async def test_the_clouds_declare_their_create_fields(alice: Caller):
    sim = (await alice.get("/v1/clouds")).json()["sim"]
    instance = sim["fields"]["instance"]
    assert instance["flavor"] == {"type": "string", "required": True, "max_length": 500, "reference": "flavor",
                                  "description": "The flavor (instance size)."}  # fmt: skip
    assert instance["security_groups"]["type"] == "list[string]" and instance["security_groups"]["reference"] == "security_group"
    assert sim["fields"]["volume"]["size_gb"]["minimum"] == 1 and sim["fields"]["volume"]["size_gb"]["type"] == "integer"
    assert instance["name"]["max_length"] == 255 and not instance["name"]["required"]
    gce = (await alice.get("/v1/clouds")).json()["gce"]
    assert gce["fields"]["instance"]["name"]["max_length"] == 63


async def _volume(alice: Caller, account: str, **fields: Any) -> dict[str, Any]:
    datacenter = await only_id(alice, "datacenters", name="sim-east-a")
    return {"account": account, "name": "data", "size_gb": 10, "datacenter": datacenter, **fields}


@pytest.mark.parametrize(
    ("collection", "change", "field"),
    [
        ("volumes", {"size_gb": -5}, "size_gb"),
        ("volumes", {"size_gb": 0}, "size_gb"),
        ("volumes", {"size_gb": "ten"}, "size_gb"),
        ("volumes", {"size_gb": 10.5}, "size_gb"),
        ("volumes", {"size_gb": True}, "size_gb"),
        ("volumes", {"name": "n" * 500}, "name"),
        ("volumes", {"datacenter": "no-such-zone"}, "datacenter"),
        ("volumes", {"datacenter": "dc-00000000000000000000"}, "datacenter"),
        ("volumes", {"snapshot": "snap-does-not-exist"}, "snapshot"),
        ("volumes", {"colour": "red"}, "colour"),
        ("subnets", {"cidr": "10.0.0.0/33"}, "cidr"),
        ("subnets", {"cidr": 42}, "cidr"),
        ("security_groups", {"rules": [{"direction": "sideways"}]}, "rules"),
        ("security_groups", {"rules": [{"protocol": "tcp", "from_port": 70000}]}, "rules"),
        ("instances", {"security_groups": "sg-not-a-list"}, "security_groups"),
    ],
)
async def test_a_bad_value_is_refused_before_anything_is_recorded(
    alice: Caller, alice_account: str, collection: str, change: dict[str, Any], field: str
):
    valid = {
        "volumes": lambda: _volume(alice, alice_account),
        "instances": lambda: instance_spec(alice, alice_account, "x"),
    }.get(collection)
    body = {**(await valid() if valid else {"account": alice_account, "name": "x"}), **change}
    before = await feed_position(alice)
    response = await alice.post(f"/v1/{collection}", json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_request" and error["details"]["field"] == field, error
    assert field in error["message"]
    assert await feed_position(alice) == before  # no created (then deleted) event pair
    assert (await alice.get(f"/v1/{collection}", params={"name": body["name"]})).json()["items"] == []


async def test_references_are_taken_by_gateway_id_cloud_id_or_name(
    alice: Caller, alice_account: str, sim: SimCloud, gateway: Gateway
):
    zone = (await alice.get("/v1/datacenters", params={"name": "sim-east-a"})).json()["items"][0]
    for reference in (zone["id"], zone["cloud_id"], zone["name"]):
        response = await alice.post("/v1/volumes", json={**await _volume(alice, alice_account), "datacenter": reference})
        assert response.status_code == 202, response.text
        volume_id = response.json()["resource"]["id"]

        async def named(volume_id: str = volume_id) -> bool:
            return bool((await alice.get(f"/v1/volumes/{volume_id}")).json()["cloud_id"])

        await eventually(named, what="the volume to be named")
        sim.clock.advance(sim.delays.volume_create + 1)
        assert (await finished_operation(alice, response.json()["operation"]["id"]))["state"] == "succeeded"
    volumes = (await alice.get("/v1/volumes", params={"name": "data"})).json()["items"]
    assert [v["attrs"]["datacenter"] for v in volumes] == [zone["cloud_id"]] * 3


async def test_an_idempotency_key_reused_for_another_request_is_a_conflict(
    alice: Caller, alice_account: str, gateway: Gateway
):
    headers = {"Idempotency-Key": "deploy-key"}
    first = await alice.post("/v1/keypairs", json={"account": alice_account, "name": "deploy"}, headers=headers)
    assert first.status_code == 202
    for method, path, body in (
        ("POST", "/v1/keypairs", {"account": alice_account, "name": "other"}),  # another body
        ("POST", "/v1/volumes", await _volume(alice, alice_account)),  # another route
    ):
        response = await alice.request(method, path, json=body, headers=headers)
        assert response.status_code == 409, response.text
        assert response.json()["error"]["code"] == "idempotency_key_reused"
        assert response.json()["error"]["details"]["operation"] == first.json()["operation"]["id"]
    again = await alice.post("/v1/keypairs", json={"account": alice_account, "name": "deploy"}, headers=headers)
    assert again.json()["operation"]["id"] == first.json()["operation"]["id"]
    await gateway.core.operations.wait_idle()
    assert len((await alice.get("/v1/keypairs")).json()["items"]) == 1
