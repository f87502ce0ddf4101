"""Every kind's life through the gateway's API against real nova, glance, cinder and neutron, with the
events it emits: instances boot, stop, start, reboot and go; volumes attach, get snapshotted and
detach; images are made from instances; subnets, keypairs and security groups are made, changed
and destroyed."""

from __future__ import annotations

import secrets
from typing import Any

from cloudgate.app import Gateway
from cloudgate.model import COLLECTIONS
from tests.api.conftest import Caller, feed_position
from tests.openstack.conftest import done, events_until, instance_spec, only, polled_until
from tests.services.openstack import MARKS

pytestmark = MARKS


def about(resource_id: str, event_type: str | None = None, state: str | None = None):
    """Accepts events of the resource (of that type, showing that state)."""

    def accepts(event: dict[str, Any]) -> bool:
        return (
            event["resource_id"] == resource_id
            and (event_type is None or event["type"] == event_type)
            and (state is None or event["resource"]["state"] == state)
        )

    return accepts


async def states_seen(caller: Caller, after: int, resource_id: str, final_state: str) -> list[str]:
    """The states the resource's events show after `after`, up to the first in `final_state`."""
    events = await events_until(caller, after, about(resource_id, state=final_state))
    return [e["resource"]["state"] for e in events if e["resource_id"] == resource_id]


async def create(caller: Caller, collection: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Create through the API; the resource once its operation succeeded."""
    response = await caller.post(f"/v1/{collection}", json=spec)
    await done(caller, response)
    return (await caller.get(f"/v1/{collection}/{response.json()['resource']['id']}")).json()


async def destroy(caller: Caller, gateway: Gateway, collection: str, resource: dict[str, Any]) -> None:
    """Destroy through the API, then see the resource's `deleted` event once the cloud lists it no more
    (the operation may be done before: at a state like nova's DELETED)."""
    after = await feed_position(caller)
    await done(caller, await caller.delete(f"/v1/{collection}/{resource['id']}"))
    kind = COLLECTIONS[collection]
    await polled_until(gateway, caller, resource["account"], kind, after, about(resource["id"], "deleted"))
    assert (await caller.get(f"/v1/{collection}/{resource['id']}")).status_code == 404


async def test_an_instance_boots_stops_starts_reboots_gives_an_image_and_goes(
    alice: Caller, alice_account: str, gateway: Gateway
):
    start = await feed_position(alice)
    spec = await instance_spec(alice, alice_account, "life-vm", tags={"role": "web"})
    response = await alice.post("/v1/instances", json=spec)
    assert response.status_code == 202, response.text
    pending = response.json()["resource"]
    assert pending["state"] == "pending" and pending["cloud_id"] is None
    await done(alice, response)
    vm = (await alice.get(f"/v1/instances/{pending['id']}")).json()
    assert (vm["state"], vm["cloud_state"], vm["tags"]) == ("running", "ACTIVE", {"role": "web"})
    assert vm["attrs"]["addresses"][0].startswith("192.0.2.") and vm["attrs"]["datacenter"] == "nova"
    flavor = await only(alice, "flavors", name="m1.tiny", account=alice_account)
    assert vm["attrs"]["flavor"] == flavor["cloud_id"]
    states = await states_seen(alice, start, vm["id"], "running")
    assert states[0] == "pending" and states[-1] == "running"
    first = await events_until(alice, start, about(vm["id"]))
    assert first[-1]["type"] == "created"

    for action, settled, during in (("stop", "stopped", {"stopping", "stopped"}), ("start", "running", None),
                                    ("reboot", "running", None)):  # fmt: skip
        after = await feed_position(alice)
        await done(alice, await alice.post(f"/v1/instances/{vm['id']}/actions/{action}"))
        assert (await alice.get(f"/v1/instances/{vm['id']}")).json()["state"] == settled
        if during is not None:
            assert set(await states_seen(alice, after, vm["id"], settled)) <= during

    image = await create(alice, "images", {"account": alice_account, "name": "life-image", "instance": vm["id"]})
    assert (image["state"], image["public"], image["account"]) == ("available", False, alice_account)
    assert image["attrs"]["visibility"] == "private" and image["cloud_attrs"]["instance_uuid"] == vm["cloud_id"]
    after = await feed_position(alice)
    await done(alice, await alice.patch(f"/v1/images/{image['id']}", json={"name": "life-image-2", "tags": {"a": "b"}}))
    changed = await events_until(alice, after, lambda e: about(image["id"], "updated")(e) and e["resource"]["tags"])
    assert (changed[-1]["resource"]["name"], changed[-1]["resource"]["tags"]) == ("life-image-2", {"a": "b"})
    await destroy(alice, gateway, "images", image)
    await destroy(alice, gateway, "instances", vm)


async def test_a_volume_attaches_gets_a_snapshot_detaches_and_goes(alice: Caller, alice_account: str, gateway: Gateway):
    vm = await create(alice, "instances", await instance_spec(alice, alice_account, "disk-host"))
    zone = await only(alice, "datacenters", name="nova", account=alice_account)
    start = await feed_position(alice)
    volume = await create(alice, "volumes", {"account": alice_account, "name": "life-vol", "size_gb": 1,
                                             "datacenter": zone["id"], "tags": {"tier": "db"}})  # fmt: skip
    assert (volume["state"], volume["attrs"]["size_gb"], volume["tags"]) == ("available", 1, {"tier": "db"})
    assert (await states_seen(alice, start, volume["id"], "available"))[0] == "creating"

    after = await feed_position(alice)
    await done(alice, await alice.post(f"/v1/volumes/{volume['id']}/actions/attach", json={"instance": vm["id"]}))
    attached = (await alice.get(f"/v1/volumes/{volume['id']}")).json()
    assert (attached["state"], attached["attrs"]["attached_to"]) == ("in_use", vm["cloud_id"])
    assert attached["attrs"]["device"]
    assert (await states_seen(alice, after, volume["id"], "in_use"))[-1] == "in_use"

    snapshot = await create(alice, "snapshots", {"account": alice_account, "name": "life-snap", "volume": volume["id"]})
    assert snapshot["state"] == "available" and snapshot["attrs"] == {"volume": volume["cloud_id"], "size_gb": 1}

    after = await feed_position(alice)
    await done(alice, await alice.post(f"/v1/volumes/{volume['id']}/actions/detach"))
    assert (await states_seen(alice, after, volume["id"], "available"))[-1] == "available"
    assert (await alice.get(f"/v1/volumes/{volume['id']}")).json()["attrs"]["attached_to"] is None

    after = await feed_position(alice)
    await done(alice, await alice.patch(f"/v1/volumes/{volume['id']}", json={"size_gb": 2}))
    grown = await events_until(alice, after, lambda e: about(volume["id"])(e) and e["resource"]["attrs"]["size_gb"] > 1)
    assert "attrs.size_gb" in grown[-1]["changed"]

    await destroy(alice, gateway, "snapshots", snapshot)
    await destroy(alice, gateway, "volumes", volume)
    await destroy(alice, gateway, "instances", vm)


async def test_subnets_keypairs_and_security_groups_are_made_changed_and_destroyed(
    alice: Caller, alice_account: str, gateway: Gateway
):
    subnet = await create(alice, "subnets", {"account": alice_account, "name": "life-net", "cidr": "10.77.0.0/24",
                                             "tags": {"env": "test"}})  # fmt: skip
    assert (subnet["state"], subnet["attrs"]["cidr"], subnet["tags"]) == ("available", "10.77.0.0/24", {"env": "test"})
    after = await feed_position(alice)
    await done(alice, await alice.patch(f"/v1/subnets/{subnet['id']}", json={"name": "life-net-2"}))
    assert (await events_until(alice, after, about(subnet["id"], "updated")))[-1]["resource"]["name"] == "life-net-2"
    await destroy(alice, gateway, "subnets", subnet)

    key_name = f"life-key-{secrets.token_hex(4)}"  # unique per user, and the cloud may outlive a session
    operation_response = await alice.post("/v1/keypairs", json={"account": alice_account, "name": key_name})
    operation = await done(alice, operation_response)
    assert operation["result"]["private_key"].startswith("-----BEGIN")
    keypair = (await alice.get(f"/v1/keypairs/{operation_response.json()['resource']['id']}")).json()
    assert keypair["cloud_id"] == key_name and keypair["attrs"]["fingerprint"]
    assert "private_key" not in keypair["attrs"] and "private_key" not in keypair["cloud_attrs"]
    await destroy(alice, gateway, "keypairs", keypair)

    https = {"direction": "ingress", "protocol": "tcp", "from_port": 443, "to_port": 443, "cidr": "0.0.0.0/0"}
    group = await create(alice, "security_groups", {"account": alice_account, "name": "life-sg", "description": "web",
                                                    "rules": [https]})  # fmt: skip
    assert group["attrs"] == {"description": "web", "rules": [https]}
    ssh = {**https, "from_port": 22, "to_port": 22, "cidr": "10.0.0.0/8"}
    after = await feed_position(alice)
    await done(alice, await alice.patch(f"/v1/security_groups/{group['id']}", json={"rules": [https, ssh]}))
    changed = await events_until(alice, after, about(group["id"], "updated"))
    assert "attrs.rules" in changed[-1]["changed"]
    assert sorted(changed[-1]["resource"]["attrs"]["rules"], key=str) == sorted([https, ssh], key=str)
    await destroy(alice, gateway, "security_groups", group)
