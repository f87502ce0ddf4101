"""Image replication under scope, through /v1: a machine made on CloudOne from CloudTwo's image boots from
a replica streamed across, verified against the source's checksums, recorded and reused; a copy that reads
other bytes, loses its source mid-way or meets the target's quota fails and leaves nothing behind."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from cloudgate.app import Gateway
from cloudgate.core.replication import REPLICA_OF
from cloudgate.drivers.sim import SimCloud
from tests.api.conftest import (
    Caller,
    account_body,
    created,
    eventually,
    finished_operation,
    instance_body,
    sync_account,
)
from tests.services.moto import REGION, MotoServer, moto_server  # noqa: F401 - the session fixture

SIZE = 6 << 20  # bytes of the source image: several chunks, a quick copy
SCOPE = {"compute": "CloudOne", "image": "CloudTwo"}


@pytest.fixture
async def golden(gateway: Gateway, two_clouds: tuple[SimCloud, SimCloud], clouds: dict[str, str]) -> dict[str, Any]:
    """A private image of CloudTwo's project, as its cloud holds it."""
    two = two_clouds[1]
    made = two.oob_create("project-a", "images", name="golden", os_type="linux", size=SIZE)
    two.oob_update("project-a", "images", made["id"], status="ACTIVE")
    await sync_account(gateway, clouds["CloudTwo"])
    return made


async def image_bytes(gateway: Gateway, account_id: str, cloud_id: str) -> tuple[int, str]:
    """(size, md5) of an image's bytes as its cloud streams them."""
    driver, _ref = await gateway.pool.get(account_id)
    digest, size = hashlib.md5(usedforsecurity=False), 0
    async with driver.read_image(cloud_id) as data:
        async for chunk in data.chunks:
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


async def replicas(alice: Caller, gateway: Gateway, account_id: str) -> list[dict[str, Any]]:
    """The images of the account that are replicas, as its cloud lists them now."""
    await sync_account(gateway, account_id)
    images = (await alice.get("/v1/images", params={"account": account_id, "limit": 500})).json()["items"]
    return [i for i in images if i["account"] == account_id]


async def failed_create(alice: Caller, body: dict[str, Any]) -> dict[str, Any]:
    response = await alice.post("/v1/instances", json=body)
    assert response.status_code == 202, response.text
    operation = await finished_operation(alice, response.json()["operation"]["id"], timeout=30)
    assert operation["state"] == "failed", operation
    assert (await alice.get(f"/v1/instances/{response.json()['resource']['id']}")).status_code == 404
    return operation


async def test_an_image_of_another_cloud_is_replicated_verified_and_reused(
    alice: Caller, gateway: Gateway, two_clouds: tuple[SimCloud, SimCloud], clouds: dict[str, str],
    golden: dict[str, Any],
):  # fmt: skip
    one = clouds["CloudOne"]
    response = await alice.post("/v1/instances", json=instance_body(image="golden", scope=SCOPE))
    assert response.status_code == 202, response.text
    operation = await finished_operation(alice, response.json()["operation"]["id"], timeout=30)
    assert operation["state"] == "succeeded", operation
    assert operation["progress"]["unit"] == "bytes" and operation["progress"]["done"] == SIZE
    assert operation["progress"]["total"] == SIZE

    [replica] = await replicas(alice, gateway, one)
    source = (await alice.get("/v1/images", params={"name": "golden", "account": clouds["CloudTwo"]})).json()
    assert replica["name"] == "golden" and replica["tags"][REPLICA_OF] == source["items"][0]["id"]
    assert replica["state"] == "available"
    assert await image_bytes(gateway, one, replica["cloud_id"]) == await image_bytes(
        gateway, clouds["CloudTwo"], golden["id"]
    )
    machine = (await alice.get(f"/v1/instances/{response.json()['resource']['id']}")).json()
    assert machine["account"] == one and machine["attrs"]["image"] == replica["cloud_id"]

    # The next machine boots from the same replica; once the replica is deleted, another copy is made.
    second = await created(alice, gateway, "instances", instance_body(name="web-2", image="golden", scope=SCOPE))
    assert [r["id"] for r in await replicas(alice, gateway, one)] == [replica["id"]]
    assert second["attrs"]["image"] == replica["cloud_id"]
    destroy = await alice.delete(f"/v1/images/{replica['id']}")
    assert destroy.status_code == 202, destroy.text
    assert (await finished_operation(alice, destroy.json()["operation"]["id"]))["state"] == "succeeded"
    third = await created(alice, gateway, "instances", instance_body(name="web-3", image="golden", scope=SCOPE))
    [again] = await replicas(alice, gateway, one)
    assert again["id"] != replica["id"] and third["attrs"]["image"] == again["cloud_id"]


def rewrite_bytes(cloud: SimCloud, image_id: str, size: int) -> None:
    """The image's bytes replaced in place, as a cloud operator re-uploading it would (no API of the sim does it)."""
    _table, row = cloud._provisioner.locate(cloud._account("project-a"), "images", image_id)
    row.size, row.checksums = size, None  # made-up bytes of another length: other checksums at the next read


async def test_a_changed_source_makes_a_new_replica(
    alice: Caller, gateway: Gateway, two_clouds: tuple[SimCloud, SimCloud], clouds: dict[str, str],
    golden: dict[str, Any],
):  # fmt: skip
    one = clouds["CloudOne"]
    first = await created(alice, gateway, "instances", instance_body(image="golden", scope=SCOPE))
    rewrite_bytes(two_clouds[1], golden["id"], SIZE // 2)
    second = await created(alice, gateway, "instances", instance_body(name="web-2", image="golden", scope=SCOPE))
    made = {
        r["cloud_id"]: (await image_bytes(gateway, one, r["cloud_id"]))[0] for r in await replicas(alice, gateway, one)
    }
    assert made == {first["attrs"]["image"]: SIZE, second["attrs"]["image"]: SIZE // 2}


async def test_a_copy_that_reads_other_bytes_keeps_nothing(
    alice: Caller, gateway: Gateway, two_clouds: tuple[SimCloud, SimCloud], clouds: dict[str, str],
    golden: dict[str, Any],
):  # fmt: skip
    two_clouds[1].faults.configure(image_corruption=1.0)
    operation = await failed_create(alice, instance_body(image="golden", scope=SCOPE))
    assert operation["error"]["code"] == "operation_failed" and "checksum" in operation["error"]["message"]
    assert await replicas(alice, gateway, clouds["CloudOne"]) == []
    two_clouds[1].faults.configure(image_corruption=0.0)  # the same request goes through once the bytes are true
    await created(alice, gateway, "instances", instance_body(image="golden", scope=SCOPE))
    assert len(await replicas(alice, gateway, clouds["CloudOne"])) == 1


async def test_a_source_deleted_mid_copy_fails_the_copy_cleanly(
    alice: Caller, gateway: Gateway, two_clouds: tuple[SimCloud, SimCloud], clouds: dict[str, str],
    golden: dict[str, Any],
):  # fmt: skip
    two_clouds[1].faults.configure(transfer_rate=SIZE / 4)  # four seconds of copying
    response = await alice.post("/v1/instances", json=instance_body(image="golden", scope=SCOPE))
    assert response.status_code == 202, response.text
    operation_id = response.json()["operation"]["id"]

    async def copying() -> bool:
        progress = (await alice.get(f"/v1/operations/{operation_id}")).json()["progress"]
        return bool(progress and 0 < progress["done"] < SIZE)

    await eventually(copying, what="the copy under way")
    two_clouds[1].oob_delete("project-a", "images", golden["id"])
    operation = await finished_operation(alice, operation_id, timeout=30)
    assert operation["state"] == "failed" and operation["error"]["code"] == "not_found", operation
    assert await replicas(alice, gateway, clouds["CloudOne"]) == []


async def test_the_targets_quota_refuses_the_copy_and_nothing_stays(
    alice: Caller, gateway: Gateway, two_clouds: tuple[SimCloud, SimCloud], clouds: dict[str, str],
    golden: dict[str, Any],
):  # fmt: skip
    two_clouds[0].add_account("AK-Q", "SK-Q", "project-q", quotas={"image_mb": 2})
    response = await alice.post("/v1/accounts", json={**account_body(two_clouds[0], "project-q"), "alias": "Tight"})
    assert response.status_code == 201, response.text
    tight = response.json()["id"]
    await sync_account(gateway, tight)
    operation = await failed_create(alice, instance_body(image="golden", scope={**SCOPE, "compute": "Tight"}))
    assert operation["error"]["code"] == "quota_exceeded", operation
    assert await replicas(alice, gateway, tight) == []


async def test_a_cloud_that_cannot_take_image_bytes_is_refused_before_anything_is_made(
    alice: Caller, gateway: Gateway, clouds: dict[str, str], golden: dict[str, Any], request: pytest.FixtureRequest
):
    moto: MotoServer = request.getfixturevalue("moto_server")
    response = await alice.post("/v1/accounts", json={
        "cloud": "ec2", "endpoint": moto.endpoint, "region": REGION, "alias": "Amazon",
        "credentials": moto.new_account().credentials,
    })  # fmt: skip
    assert response.status_code == 201, response.text
    await sync_account(gateway, response.json()["id"])
    body = {"name": "web", "flavor": "t3.micro", "image": "golden", "scope": {"compute": "Amazon", "image": "CloudTwo"}}
    refused = await alice.post("/v1/instances", json=body)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "cross_cloud_reference" and error["details"] == {
        "field": "image",
        "account": clouds["CloudTwo"],
    }
    assert "images cannot be uploaded to ec2" in error["message"]
    assert (await alice.get("/v1/instances")).json()["items"] == []
