"""Mutations as operations: create with a pre-assigned id and Idempotency-Key, edit, destroy, actions,
and what each refuses."""

from __future__ import annotations

import asyncio

import pytest

from cloudgate.app import Gateway
from cloudgate.drivers.sim import SimCloud
from cloudgate.store.schema import resources
from tests.api.conftest import Caller, eventually, feed_position, finished_operation, instance_spec


async def read_until(caller: Caller, after: int, done, *, timeout: float = 10.0) -> list[dict]:
    """Events after `after` (long-polling the feed) up to the first one for which `done(event)` holds."""
    seen: list[dict] = []
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        page = (await caller.get("/v1/events", params={"after": after, "wait": 1})).json()
        for event in page["events"]:
            seen.append(event)
            if done(event):
                return seen
        after = page["next_after"]
    raise AssertionError(f"no matching event; saw {[(e['type'], e['resource']['state']) for e in seen]}")


async def test_create_is_visible_at_once_as_pending_then_runs(alice: Caller, alice_account: str, sim: SimCloud):
    start = await feed_position(alice)
    response = await alice.post("/v1/instances", json=await instance_spec(alice, alice_account, "web-1"))
    assert response.status_code == 202, response.text
    resource, operation = response.json()["resource"], response.json()["operation"]
    assert resource["id"].startswith("i-") and resource["state"] == "pending" and resource["cloud_id"] is None
    assert resource["name"] == "web-1" and resource["tags"] == {"role": "web"} and resource["account"] == alice_account
    assert operation["action"] == "create" and operation["resource_id"] == resource["id"]
    assert response.headers["location"] == f"/v1/operations/{operation['id']}"
    # The pre-assigned id answers at once, before the cloud has named the resource.
    got = await alice.get(f"/v1/instances/{resource['id']}")
    assert got.status_code == 200 and got.json()["state"] == "pending"
    listed = (await alice.get("/v1/instances", params={"name": "web-1"})).json()["items"]
    assert [item["id"] for item in listed] == [resource["id"]]

    async def named_by_cloud() -> dict | None:
        record = (await alice.get(f"/v1/instances/{resource['id']}")).json()
        return record if record["cloud_id"] else None

    named = await eventually(named_by_cloud, what="the cloud to name the instance")
    assert named["state"] == "pending"
    sim.clock.advance(sim.delays.boot + 1)
    events = await read_until(
        alice, start, lambda e: e["resource_id"] == resource["id"] and e["resource"]["state"] == "running"
    )
    mine = [e for e in events if e["resource_id"] == resource["id"]]
    assert mine[0]["type"] == "created" and mine[0]["resource"]["state"] == "pending"
    assert [e["type"] for e in mine[1:]] == ["updated"] * (len(mine) - 1)
    assert "state" in mine[-1]["changed"] and mine[-1]["resource"]["cloud_id"] == named["cloud_id"]
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    done = await finished_operation(alice, operation["id"])
    assert done["state"] == "succeeded" and done["error"] is None
    assert done["result"]["cloud_id"] == named["cloud_id"]
    assert (await alice.get(f"/v1/instances/{resource['id']}")).json()["state"] == "running"


async def test_idempotency_key_replays_the_first_create(alice: Caller, alice_account: str, gateway: Gateway):
    headers = {"Idempotency-Key": "create-kp-1"}
    first = await alice.post("/v1/keypairs", json={"account": alice_account, "name": "deploy"}, headers=headers)
    again = await alice.post("/v1/keypairs", json={"account": alice_account, "name": "deploy"}, headers=headers)
    assert first.status_code == again.status_code == 202
    assert again.json()["operation"]["id"] == first.json()["operation"]["id"]
    assert again.json()["resource"]["id"] == first.json()["resource"]["id"]
    await gateway.core.operations.wait_idle()
    # Concurrent retries of a new key still make one resource.
    racers = await asyncio.gather(*(
        alice.post("/v1/keypairs", json={"account": alice_account, "name": "raced"}, headers={"Idempotency-Key": "k2"})
        for _ in range(3)
    ))  # fmt: skip
    assert {r.status_code for r in racers} == {202}
    assert len({r.json()["operation"]["id"] for r in racers}) == 1
    await gateway.core.operations.wait_idle()
    names = sorted(k["name"] for k in (await alice.get("/v1/keypairs")).json()["items"])
    assert names == ["deploy", "raced"]


async def test_idempotency_keys_belong_to_their_client(
    alice: Caller, bob: Caller, alice_account: str, bob_account: str, gateway: Gateway
):
    headers = {"Idempotency-Key": "same-key"}
    mine = await alice.post("/v1/keypairs", json={"account": alice_account, "name": "a"}, headers=headers)
    theirs = await bob.post("/v1/keypairs", json={"account": bob_account, "name": "b"}, headers=headers)
    assert mine.json()["operation"]["id"] != theirs.json()["operation"]["id"]
    assert theirs.json()["resource"]["account"] == bob_account
    await gateway.core.operations.wait_idle()


async def test_a_created_keypairs_private_key_is_shown_to_its_creator_only(
    alice: Caller, bob: Caller, alice_account: str
):
    response = await alice.post("/v1/keypairs", json={"account": alice_account, "name": "ssh"})
    operation_id = response.json()["operation"]["id"]
    done = await finished_operation(alice, operation_id)
    assert done["state"] == "succeeded" and "PRIVATE KEY" in done["result"]["private_key"]
    record = (await alice.get(f"/v1/keypairs/{response.json()['resource']['id']}")).json()
    assert "private_key" not in record["attrs"]
    other = await bob.get(f"/v1/operations/{operation_id}")
    assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "spec, code, field",
    [({}, "invalid_request", "body.account"), ({"account": 5}, "invalid_request", "body.account"),
     ({"name": 7}, "invalid_request", "body.name"), ({"tags": {"a": 1}}, "invalid_request", "body.tags.a"),
     ({"tags": ["a"]}, "invalid_request", "body.tags")],
)  # fmt: skip
async def test_malformed_create_requests_are_invalid(alice: Caller, alice_account: str, spec: dict, code: str, field: str):
    body = {"account": alice_account, "name": "x", **spec} if spec else {}
    response = await alice.post("/v1/volumes", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code
    details = response.json()["error"]["details"]
    # The body's shape is checked by the schema (`fields`); a missing account by the core (no scope names one).
    assert field in [f["field"] for f in details.get("fields", [])] or details.get("field") == field.split(".")[-1]


async def test_create_needs_the_kinds_fields_and_a_visible_account(alice: Caller, alice_account: str, bob_account: str):
    missing = await alice.post("/v1/volumes", json={"account": alice_account, "name": "data"})
    assert missing.status_code == 422 and missing.json()["error"]["details"]["fields"] == ["datacenter", "size_gb"]
    for account in (bob_account, "acc-does-not-exist"):
        response = await alice.post("/v1/keypairs", json={"account": account, "name": "x"})
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    unsupported = await alice.post("/v1/flavors", json={"account": alice_account, "name": "huge"})
    assert unsupported.status_code == 422 and unsupported.json()["error"]["code"] == "unsupported"
    bad_reference = await alice.post(
        "/v1/snapshots", json={"account": alice_account, "name": "s", "volume": "vol-00000000000000000000"}
    )
    assert bad_reference.status_code == 422 and bad_reference.json()["error"]["details"]["field"] == "volume"


async def _volume(alice: Caller, account: str, sim: SimCloud, name: str = "data") -> str:
    """A settled (available) volume's gateway id."""
    datacenter = (await alice.get("/v1/datacenters", params={"name": "sim-east-a"})).json()["items"][0]["id"]
    response = await alice.post(
        "/v1/volumes", json={"account": account, "name": name, "size_gb": 10, "datacenter": datacenter}
    )
    assert response.status_code == 202, response.text
    volume_id = response.json()["resource"]["id"]

    async def named() -> bool:
        return bool((await alice.get(f"/v1/volumes/{volume_id}")).json()["cloud_id"])

    await eventually(named, what="the volume to be named")
    sim.clock.advance(sim.delays.volume_create + 1)
    assert (await finished_operation(alice, response.json()["operation"]["id"]))["state"] == "succeeded"
    return volume_id


async def test_edit_renames_and_refuses_what_the_cloud_cannot_change(alice: Caller, alice_account: str, sim: SimCloud):
    volume_id = await _volume(alice, alice_account, sim)
    response = await alice.patch(f"/v1/volumes/{volume_id}", json={"name": "renamed", "tags": {"env": "prod"}})
    assert response.status_code == 202, response.text
    operation = response.json()["operation"]
    assert operation["action"] == "edit" and operation["resource_id"] == volume_id
    assert (await finished_operation(alice, operation["id"]))["state"] == "succeeded"
    record = (await alice.get(f"/v1/volumes/{volume_id}")).json()
    assert record["name"] == "renamed" and record["tags"] == {"env": "prod"}
    for changes, code in (({"colour": "red"}, "unsupported"), ({}, "invalid_request")):
        refused = await alice.patch(f"/v1/volumes/{volume_id}", json=changes)
        assert refused.status_code == 422 and refused.json()["error"]["code"] == code
    for body in ([1, 2], "name"):
        assert (await alice.patch(f"/v1/volumes/{volume_id}", json=body)).status_code == 422
    # The id must name a resource of the collection in the path.
    assert (await alice.patch(f"/v1/instances/{volume_id}", json={"name": "x"})).status_code == 404


async def test_actions_attach_a_volume_and_stop_an_instance(alice: Caller, alice_account: str, sim: SimCloud):
    volume_id = await _volume(alice, alice_account, sim)
    created = await alice.post("/v1/instances", json=await instance_spec(alice, alice_account, "app-1"))
    instance_id = created.json()["resource"]["id"]

    async def named() -> bool:
        return bool((await alice.get(f"/v1/instances/{instance_id}")).json()["cloud_id"])

    await eventually(named, what="the instance to be named")
    sim.clock.advance(sim.delays.boot + 1)
    assert (await finished_operation(alice, created.json()["operation"]["id"]))["state"] == "succeeded"

    attach = await alice.post(f"/v1/volumes/{volume_id}/actions/attach", json={"instance": instance_id})
    assert attach.status_code == 202, attach.text
    assert attach.json()["operation"]["action"] == "attach"
    await eventually(lambda: _state(alice, f"/v1/volumes/{volume_id}", "attaching", "in_use"), what="attaching")
    sim.clock.advance(sim.delays.attach + 1)
    assert (await finished_operation(alice, attach.json()["operation"]["id"]))["state"] == "succeeded"
    volume = (await alice.get(f"/v1/volumes/{volume_id}")).json()
    assert volume["state"] == "in_use" and volume["attrs"]["attached_to"] is not None

    stop = await alice.post(f"/v1/instances/{instance_id}/actions/stop")
    assert stop.status_code == 202
    await eventually(lambda: _state(alice, f"/v1/instances/{instance_id}", "stopping", "stopped"), what="stopping")
    sim.clock.advance(sim.delays.stop + 1)
    assert (await finished_operation(alice, stop.json()["operation"]["id"]))["state"] == "succeeded"
    assert (await alice.get(f"/v1/instances/{instance_id}")).json()["state"] == "stopped"

    for path, body, code in (
        (f"/v1/instances/{instance_id}/actions/explode", None, "unsupported"),
        (f"/v1/volumes/{instance_id}/actions/attach", {"instance": instance_id}, "not_found"),
        (f"/v1/instances/{instance_id}/actions/start", [1], "invalid_request"),
    ):
        refused = await alice.post(path, json=body)
        assert refused.json()["error"]["code"] == code, (path, refused.text)


async def _state(caller: Caller, path: str, *states: str) -> bool:
    return (await caller.get(path)).json()["state"] in states


async def test_destroy_removes_the_resource(alice: Caller, alice_account: str):
    created = await alice.post("/v1/keypairs", json={"account": alice_account, "name": "old"})
    keypair_id = created.json()["resource"]["id"]
    assert (await finished_operation(alice, created.json()["operation"]["id"]))["state"] == "succeeded"
    response = await alice.delete(f"/v1/keypairs/{keypair_id}")
    assert response.status_code == 202 and response.json()["operation"]["action"] == "destroy"
    assert (await finished_operation(alice, response.json()["operation"]["id"]))["state"] == "succeeded"
    gone = await alice.get(f"/v1/keypairs/{keypair_id}")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"


async def test_public_resources_cannot_be_changed(alice: Caller, alice_account: str):
    image_id = (await alice.get("/v1/images", params={"name": "debian-12"})).json()["items"][0]["id"]
    for response in (await alice.delete(f"/v1/images/{image_id}"), await alice.patch(f"/v1/images/{image_id}", json={"name": "x"})):
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert (await alice.get(f"/v1/images/{image_id}")).status_code == 200


async def test_unknown_operations_are_not_found(alice: Caller):
    response = await alice.get("/v1/operations/op-0000")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


async def test_operations_are_listed_newest_first_by_their_client(
    alice: Caller, bob: Caller, admin: Caller, alice_account: str, bob_account: str, gateway: Gateway
):
    for name in ("k1", "k2", "k3"):
        assert (await alice.post("/v1/keypairs", json={"account": alice_account, "name": name})).status_code == 202
    assert (await bob.post("/v1/keypairs", json={"account": bob_account, "name": "b"})).status_code == 202
    await gateway.core.operations.wait_idle()

    first = (await alice.get("/v1/operations", params={"limit": 2})).json()
    rest = (await alice.get("/v1/operations", params={"limit": 2, "cursor": first["next_cursor"]})).json()
    listed = first["items"] + rest["items"]
    assert rest["next_cursor"] is None and len(listed) == 3 and {o["account"] for o in listed} == {alice_account}
    assert [o["created_at"] for o in listed] == sorted((o["created_at"] for o in listed), reverse=True)
    assert all(o["state"] == "succeeded" and o["request_id"].startswith("req-") for o in listed)
    assert len((await admin.get("/v1/operations")).json()["items"]) == 4
    assert (await alice.get("/v1/operations", params={"state": "failed"})).json()["items"] == []
    for params, status in (({"state": "exploded"}, 422), ({"account": bob_account}, 404), ({"cursor": "nope"}, 422)):
        response = await alice.get("/v1/operations", params=params)
        assert response.status_code == status, response.text


async def test_a_request_id_is_answered_and_kept_by_its_operation(alice: Caller, alice_account: str, gateway: Gateway):
    response = await alice.post(
        "/v1/keypairs", json={"account": alice_account, "name": "traced"}, headers={"X-Request-Id": "trace-42"}
    )
    assert response.headers["x-request-id"] == "trace-42"
    assert response.json()["operation"]["request_id"] == "trace-42"
    insane = await alice.get("/v1/whoami", headers={"X-Request-Id": "no spaces or <tags> please"})
    assert insane.headers["x-request-id"].startswith("req-")
    await gateway.core.operations.wait_idle()


async def test_a_resync_restores_what_the_store_lost_at_once(
    admin: Caller, alice: Caller, alice_account: str, gateway: Gateway
):
    flavors = (await admin.get("/v1/flavors", params={"account": alice_account})).json()["items"]
    async with gateway.store.write() as conn:  # the store loses rows behind everyone's back
        await conn.execute(resources.delete().where(resources.c.kind.in_(["flavor", "datacenter"])))
    assert (await admin.get("/v1/flavors", params={"account": alice_account})).json()["items"] == []

    refused = await alice.post("/v1/resync", json={"account": alice_account})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    accepted = await admin.post("/v1/resync", json={"account": alice_account})
    assert accepted.status_code == 202 and accepted.headers["location"].startswith("/v1/operations/op-")
    done = await finished_operation(admin, accepted.json()["operation"]["id"])
    assert done["state"] == "succeeded" and done["kind"] == "account" and done["action"] == "resync"
    assert done["progress"] == {"done": 9, "total": 9, "unit": "listings"}
    restored = (await admin.get("/v1/flavors", params={"account": alice_account})).json()["items"]
    assert sorted(f["id"] for f in restored) == sorted(f["id"] for f in flavors)  # the same ids
    unknown = await admin.post("/v1/resync", json={"account": "acc-0000000000000000"})
    assert unknown.status_code == 404
