"""Changes made on EC2 behind the gateway's back (boto3 straight to moto) reach the store and
the event feed through the poller alone."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from cloudgate.app import Gateway
from tests.api.conftest import Caller
from tests.ec2.conftest import FAST_POLLS, account_body
from tests.services.moto import PUBLIC_AMIS, REGION, MotoAccount, MotoServer

POLLING = {"run_poller": True, "poll_intervals": FAST_POLLS}


async def next_event(caller: Caller, after: int, wanted: Callable[[dict[str, Any]], bool], timeout: float = 20.0
                     ) -> tuple[dict[str, Any], int]:  # fmt: skip
    """The first event after `after` that `wanted` accepts, and the feed position past it."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        page = (await caller.get("/v1/events", params={"after": after, "wait": 1})).json()
        for event in page["events"]:
            if wanted(event):
                return event, event["seq"]
        after = page["next_after"]
    raise AssertionError("the awaited event did not come")


def about(kind: str, cloud_id: str, event_type: str, state: str | None = None) -> Callable[[dict[str, Any]], bool]:
    def wanted(event: dict[str, Any]) -> bool:
        resource = event["resource"]
        return (event["kind"], resource["cloud_id"], event["type"]) == (kind, cloud_id, event_type) and (
            state is None or resource["state"] == state)  # fmt: skip

    return wanted


@pytest.mark.parametrize("gateway", [POLLING], indirect=True)
async def test_a_terminated_instance_and_a_deleted_volume_come_back_as_events(
    gateway: Gateway, moto_server: MotoServer, alice: Caller, alice_aws: MotoAccount
) -> None:
    response = await alice.post("/v1/accounts", json=account_body(moto_server, alice_aws.credentials))
    assert response.status_code == 201, response.text
    account = response.json()["id"]
    ec2 = moto_server.client("ec2", alice_aws.credentials)
    reservation = await asyncio.to_thread(ec2.run_instances, ImageId=PUBLIC_AMIS[0]["ami_id"], InstanceType="t3.nano",
                                          MinCount=1, MaxCount=1)  # fmt: skip
    instance_id = reservation["Instances"][0]["InstanceId"]
    volume_id = (await asyncio.to_thread(ec2.create_volume, Size=3, AvailabilityZone=f"{REGION}a"))["VolumeId"]

    instance, after = await next_event(alice, 0, about("instance", instance_id, "created"))
    volume, _ = await next_event(alice, 0, about("volume", volume_id, "created"))
    assert instance["account"] == volume["account"] == account
    await asyncio.to_thread(ec2.terminate_instances, InstanceIds=[instance_id])
    await asyncio.to_thread(ec2.delete_volume, VolumeId=volume_id)

    terminated, _ = await next_event(alice, after, about("instance", instance_id, "updated", "terminated"))
    assert "state" in terminated["changed"] and terminated["resource_id"] == instance["resource_id"]
    deleted, _ = await next_event(alice, after, about("volume", volume_id, "deleted"))
    assert deleted["resource_id"] == volume["resource_id"]
    assert (await alice.get(f"/v1/volumes/{volume['resource_id']}")).status_code == 404
