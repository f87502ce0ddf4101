"""Every kind's life on EC2 (moto) through the HTTP API, with its events: two clients, each with an
AWS account of its own, side by side on one gateway, each seeing only its own."""

from __future__ import annotations

import asyncio
from typing import Any

from cloudgate.app import Gateway
from cloudgate.model import SETTLED_STATES, Kind
from tests.api.conftest import Caller, feed_position, finished_operation, only_id, sync_account
from tests.ec2.conftest import account_body
from tests.services.moto import PUBLIC_AMIS, REGION, MotoAccount, MotoServer

SSH = {"direction": "ingress", "protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": "10.0.0.0/8"}


async def operate(caller: Caller, method: str, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """Send a mutation and wait for its operation to succeed; the response body."""
    response = await caller.request(method, url, json=body)
    assert response.status_code == 202, response.text
    accepted = response.json()
    operation = await finished_operation(caller, accepted["operation"]["id"], timeout=30)
    assert operation["state"] == "succeeded", operation
    return {**accepted, "operation": operation}


async def create(caller: Caller, collection: str, spec: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(gateway id, finished operation) of a new resource."""
    accepted = await operate(caller, "POST", f"/v1/{collection}", spec)
    return accepted["resource"]["id"], accepted["operation"]


async def record(caller: Caller, collection: str, resource_id: str) -> dict[str, Any]:
    response = await caller.get(f"/v1/{collection}/{resource_id}")
    assert response.status_code == 200, response.text
    return response.json()


async def events_after(caller: Caller, after: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    while True:
        page = (await caller.get("/v1/events", params={"after": after})).json()
        if not page["events"]:
            return events
        events += page["events"]
        after = page["next_after"]


def settled_path(events: list[dict[str, Any]], resource_id: str) -> tuple[str, list[str], str]:
    """(first state, the settled states it went through in order, last event type) of one resource.

    Transitional states are left out: moto has none, a real cloud shows them in between."""
    mine = [event for event in events if event["resource_id"] == resource_id]
    kind = Kind(mine[0]["kind"])
    path: list[str] = []
    for event in mine:
        state = event["resource"]["state"]
        if state in SETTLED_STATES[kind] and (not path or path[-1] != state):
            path.append(state)
    return mine[0]["resource"]["state"], path, mine[-1]["type"]


async def lifecycle(caller: Caller, gateway: Gateway, server: MotoServer, aws: MotoAccount) -> dict[str, Any]:
    """One client's account through every kind's life; what it made, and its events."""
    response = await caller.post("/v1/accounts", json=account_body(server, aws.credentials))
    assert response.status_code == 201, response.text
    account = response.json()
    assert (account["identity"], account["region"]) == (aws.id, REGION)
    await sync_account(gateway, account["id"])
    start = await feed_position(caller)
    zone = await only_id(caller, "datacenters", name=f"{REGION}a")
    image = await only_id(caller, "images", name=PUBLIC_AMIS[0]["name"])
    flavor = await only_id(caller, "flavors", name="t3.nano")
    spec = {"account": account["id"]}

    keypair, made = await create(caller, "keypairs", {**spec, "name": "deploy"})
    assert made["result"]["private_key"].startswith("-----BEGIN")
    group, _ = await create(caller, "security_groups", {**spec, "name": "web", "rules": [SSH]})
    subnet, _ = await create(caller, "subnets", {**spec, "name": "apps", "datacenter": zone})
    instance, _ = await create(caller, "instances", {
        **spec, "name": "vm", "flavor": flavor, "image": image, "datacenter": zone, "subnet": subnet,
        "keypair": keypair, "security_groups": [group], "tags": {"role": "web"},
    })  # fmt: skip
    vm = await record(caller, "instances", instance)
    assert (vm["state"], vm["tags"], vm["attrs"]["keypair"]) == ("running", {"role": "web"}, "deploy")
    assert vm["attrs"]["subnet"] == (await record(caller, "subnets", subnet))["cloud_id"]
    assert (await record(caller, "security_groups", group))["cloud_id"] in vm["attrs"]["security_groups"]
    for action, settled in (("stop", "stopped"), ("start", "running")):
        await operate(caller, "POST", f"/v1/instances/{instance}/actions/{action}")
        assert (await record(caller, "instances", instance))["state"] == settled

    volume, _ = await create(caller, "volumes", {**spec, "name": "data", "size_gb": 4, "datacenter": zone})
    await operate(caller, "POST", f"/v1/volumes/{volume}/actions/attach", {"instance": instance})
    disk = await record(caller, "volumes", volume)
    assert (disk["state"], disk["attrs"]["attached_to"]) == ("in_use", vm["cloud_id"])
    snapshot, _ = await create(caller, "snapshots", {**spec, "name": "data-backup", "volume": volume})
    assert (await record(caller, "snapshots", snapshot))["attrs"] == {"volume": disk["cloud_id"], "size_gb": 4}
    golden, _ = await create(caller, "images", {**spec, "name": "golden", "instance": instance})
    assert (await record(caller, "images", golden))["attrs"]["visibility"] == "private"

    await operate(caller, "PATCH", f"/v1/instances/{instance}", {"name": "vm-renamed"})
    await operate(caller, "PATCH", f"/v1/volumes/{volume}", {"size_gb": 8})
    await operate(caller, "POST", f"/v1/volumes/{volume}/actions/detach")
    disk = await record(caller, "volumes", volume)
    assert (disk["state"], disk["attrs"]["size_gb"], disk["attrs"]["attached_to"]) == ("available", 8, None)
    assert (await record(caller, "instances", instance))["name"] == "vm-renamed"

    made = {"keypairs": keypair, "security_groups": group, "subnets": subnet, "instances": instance,
            "volumes": volume, "snapshots": snapshot, "images": golden}  # fmt: skip
    for collection in ("images", "snapshots", "volumes", "instances", "security_groups", "subnets", "keypairs"):
        await operate(caller, "DELETE", f"/v1/{collection}/{made[collection]}")
    # Terminated instances stay listed a while (an hour on AWS, for good on moto): terminated, not gone.
    assert (await record(caller, "instances", instance))["state"] == "terminated"
    return {"account": account["id"], "made": made, "events": await events_after(caller, start)}


async def test_every_kind_lives_and_dies_with_its_events_for_two_accounts_at_once(
    gateway: Gateway, moto_server: MotoServer, alice: Caller, bob: Caller, alice_aws: MotoAccount, bob_aws: MotoAccount
) -> None:
    alices, bobs = await asyncio.gather(lifecycle(alice, gateway, moto_server, alice_aws),
                                        lifecycle(bob, gateway, moto_server, bob_aws))  # fmt: skip
    for seen in (alices, bobs):
        made, events = seen["made"], seen["events"]
        # Public images are every account's (and moto describes them slightly differently to each
        # account, snapshot ids in their block device mappings: each poll updates them).
        assert {event["account"] for event in events} <= {seen["account"], None}
        assert {event["kind"] for event in events if event["account"] is None} <= {"image"}
        assert settled_path(events, made["instances"]) == ("pending", ["running", "stopped", "running", "terminated"],
                                                           "updated")  # fmt: skip
        assert settled_path(events, made["volumes"]) == ("creating", ["available", "in_use", "available"], "deleted")
        for collection in ("snapshots", "images", "subnets"):
            assert settled_path(events, made[collection]) == ("pending", ["available"], "deleted"), collection
        for collection in ("keypairs", "security_groups"):
            assert settled_path(events, made[collection]) == ("available", ["available"], "deleted"), collection

    for caller, mine, theirs in ((alice, alices, bobs), (bob, bobs, alices)):
        instances = (await caller.get("/v1/instances")).json()["items"]
        assert [i["id"] for i in instances] == [mine["made"]["instances"]]
        response = await caller.get(f"/v1/instances/{theirs['made']['instances']}")
        assert response.status_code == 404
        images = (await caller.get("/v1/images")).json()["items"]
        assert {i["cloud_id"] for i in images} == {ami["ami_id"] for ami in PUBLIC_AMIS}
        assert all(i["public"] and i["account"] is None for i in images)
    alice_images = {i["id"] for i in (await alice.get("/v1/images")).json()["items"]}
    assert alice_images == {i["id"] for i in (await bob.get("/v1/images")).json()["items"]}  # stored once
