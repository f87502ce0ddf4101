"""Changes made behind the gateway's back, with the `openstack` CLI, reach its store and its event
feed through its poller."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from typing import Any

from cloudgate.app import Gateway
from cloudgate.model import Kind
from tests.api.conftest import Caller, feed_position
from tests.openstack.conftest import done, instance_spec, polled_until
from tests.services.openstack import MARKS, OpenStackCloud

pytestmark = MARKS


def event(**wanted: Any) -> Callable[[dict[str, Any]], bool]:
    """Accepts an event whose fields (or, for `state` and `cloud_id`, its resource's) are as given."""
    in_resource = {"state", "cloud_id"}

    def accepts(seen: dict[str, Any]) -> bool:
        return all((seen["resource"] if key in in_resource else seen)[key] == value for key, value in wanted.items())

    return accepts


async def test_a_server_deleted_with_the_cli_goes_with_an_event(
    alice: Caller, alice_account: str, gateway: Gateway, openstack_cloud: OpenStackCloud
):
    response = await alice.post("/v1/instances", json=await instance_spec(alice, alice_account, "oob-vm"))
    await done(alice, response)
    vm = (await alice.get(f"/v1/instances/{response.json()['resource']['id']}")).json()
    after = await feed_position(alice)
    await asyncio.to_thread(openstack_cloud.cli, "alice", "server", "delete", "--wait", vm["cloud_id"])
    events = await polled_until(gateway, alice, alice_account, Kind.INSTANCE, after,
                                event(resource_id=vm["id"], type="deleted"))  # fmt: skip
    assert (events[-1]["kind"], events[-1]["account"]) == ("instance", alice_account)
    assert (await alice.get(f"/v1/instances/{vm['id']}")).status_code == 404


async def test_a_volume_created_with_the_cli_comes_with_an_event(
    alice: Caller, alice_account: str, gateway: Gateway, openstack_cloud: OpenStackCloud
):
    after = await feed_position(alice)
    name = f"oob-vol-{secrets.token_hex(3)}"
    made = await asyncio.to_thread(openstack_cloud.cli, "alice", "volume", "create", "--size", "1", name, "-f", "json")
    events = await polled_until(gateway, alice, alice_account, Kind.VOLUME, after,
                                event(type="created", cloud_id=made["id"]))  # fmt: skip
    created = events[-1]
    assert (created["kind"], created["account"], created["resource"]["name"]) == ("volume", alice_account, name)
    listed = (await alice.get("/v1/volumes", params={"cloud_id": made["id"]})).json()["items"]
    assert [item["id"] for item in listed] == [created["resource_id"]]
    await polled_until(gateway, alice, alice_account, Kind.VOLUME, after,
                       event(resource_id=created["resource_id"], state="available"))  # fmt: skip
    after = await feed_position(alice)
    await asyncio.to_thread(openstack_cloud.cli, "alice", "volume", "delete", made["id"])
    await polled_until(gateway, alice, alice_account, Kind.VOLUME, after,
                       event(resource_id=created["resource_id"], type="deleted"))  # fmt: skip
