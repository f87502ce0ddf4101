"""Cinder v3 with the unmodified openstack CLI and openstacksdk: volumes created in a zone, listed, shown, extended,
snapshotted, attached to a server and detached, deleted; the project's types, zones and usage; junk input and
another project's volumes refused in cinder's named faults."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from cloudgate.core import Caller
from cloudgate.foreign_ids import to_uuid
from cloudgate.model import Kind
from tests.frontends.conftest import ADMIN
from tests.frontends.openstack.conftest import OpenStackWorld
from tests.services.served import wait_for

SETTLE = 30  # seconds a volume or snapshot gets to settle on the quick sim


def _volume(stack: OpenStackWorld, name: str, **expected: Any) -> dict[str, Any] | None:
    """`openstack volume show` of `name` once it shows every `expected` field, else None."""
    shown = stack.cli("volume", "show", name, "-f", "json")
    return shown if all(shown.get(key) == value for key, value in expected.items()) else None


async def test_the_cli_creates_extends_snapshots_and_deletes_a_volume(stack: OpenStackWorld):
    def run() -> None:
        zones = stack.cli("availability", "zone", "list", "--volume", "-f", "json")
        assert {zone["Zone Name"] for zone in zones} == {"sim-east-a", "sim-east-b", "sim-east-c"}
        assert {zone["Zone Status"] for zone in zones} == {"available"}
        (default,) = stack.cli("volume", "type", "list", "-f", "json")
        assert default["Name"] == "__DEFAULT__" and default["Is Public"] is True
        assert stack.cli("volume", "type", "show", "__DEFAULT__", "-f", "json")["id"] == default["ID"]
        assert stack.cli("volume", "type", "show", default["ID"], "-f", "json")["name"] == "__DEFAULT__"
        made = stack.cli("volume", "create", "--size", "1", "--availability-zone", "sim-east-b", "--property",
                         "team=web", "data", "-f", "json")  # fmt: skip
        assert made["status"] == "creating" and made["size"] == 1 and made["availability_zone"] == "sim-east-b"
        shown = wait_for(lambda: _volume(stack, "data", status="available"), SETTLE, "the volume to be available")
        assert shown["id"] == made["id"] and shown["type"] == "__DEFAULT__" and shown["properties"] == {"team": "web"}
        listed = stack.cli("volume", "list", "-f", "json")
        assert [(v["Name"], v["Status"], v["Size"]) for v in listed] == [("data", "available", 1)]
        assert stack.cli("volume", "list", "--status", "in-use", "-f", "json") == []
        stack.cli_run("volume", "set", "--size", "2", "data").check_returncode()
        wait_for(lambda: _volume(stack, made["id"], size=2, status="available"), SETTLE, "the volume to grow")
        stack.cli_run("volume", "set", "--name", "data-2", "data").check_returncode()
        assert stack.cli("volume", "show", made["id"], "-f", "json")["name"] == "data-2"

        snap = stack.cli("volume", "snapshot", "create", "--volume", "data-2", "nightly", "-f", "json")
        assert snap["volume_id"] == made["id"] and snap["size"] == 2
        wait_for(lambda: stack.cli("volume", "snapshot", "show", "nightly", "-f", "json")["status"] == "available",
                 SETTLE, "the snapshot to be available")  # fmt: skip
        snapshots = stack.cli("volume", "snapshot", "list", "-f", "json")
        assert [(s["Name"], s["Status"], s["Size"]) for s in snapshots] == [("nightly", "available", 2)]
        stack.cli_run("volume", "snapshot", "set", "--name", "weekly", "nightly").check_returncode()
        assert stack.cli("volume", "snapshot", "show", snap["id"], "-f", "json")["name"] == "weekly"
        restored = stack.cli("volume", "create", "--snapshot", "weekly", "restored", "-f", "json")
        assert restored["size"] == 2 and restored["availability_zone"] == "sim-east-b"  # the snapshot's volume's
        wait_for(lambda: _volume(stack, "restored", status="available", size=2), SETTLE, "the restored volume")
        stack.cli_run("volume", "delete", "restored").check_returncode()
        stack.cli_run("volume", "snapshot", "delete", "weekly").check_returncode()
        wait_for(lambda: not stack.cli("volume", "snapshot", "list", "-f", "json"), SETTLE, "the snapshot to go")
        stack.cli_run("volume", "delete", "data-2").check_returncode()
        wait_for(lambda: not stack.cli("volume", "list", "-f", "json"), SETTLE, "the volumes to go")

    await asyncio.to_thread(run)


async def _server(stack: OpenStackWorld) -> str:
    """A running server of the project, made through the core (nova's part of the front-end makes them too)."""
    core = stack.served.gateway.core
    alice = Caller(await core.auth.verify(stack.user, stack.password), account_id=stack.project)
    spec = {"account": stack.project, "name": "web", "flavor": "s1.tiny", "image": "ubuntu-24.04",
            "datacenter": "sim-east-a"}  # fmt: skip
    server, made = await core.operations.create(alice, Kind.INSTANCE, spec)
    assert (await core.operations.wait(alice, made.id, SETTLE)).state == "succeeded"
    return to_uuid(server.id)


async def test_the_sdk_attaches_and_detaches_pages_and_counts_volumes(stack: OpenStackWorld):
    server_id = await _server(stack)

    def run() -> None:
        conn = stack.connect()
        storage = conn.block_storage
        first = storage.create_volume(size=1, name="one", availability_zone="sim-east-a")
        second = storage.create_volume(size=3, name="two")  # in the cloud's first zone, as cinder's default
        for made in (first, second):
            storage.wait_for_status(made, status="available", failures=["error"], interval=0.2, wait=SETTLE)
        assert storage.get_volume(second.id).availability_zone == "sim-east-a"
        assert sorted(v.name for v in storage.volumes(limit=1)) == ["one", "two"]
        assert [v.name for v in storage.volumes(name="two")] == ["two"]
        storage.attach_volume(first, "/dev/vdb", instance=server_id)
        attached = storage.wait_for_status(storage.get_volume(first.id), status="in-use", interval=0.2, wait=SETTLE)
        (attachment,) = attached.attachments
        assert attachment["server_id"] == server_id and attachment["device"] == "/dev/vdb"
        refused = stack.cli_run("volume", "delete", first.id)
        assert refused.returncode == 1 and "400" in refused.stderr
        storage.detach_volume(first, attachment["attachment_id"])
        detached = storage.wait_for_status(storage.get_volume(first.id), status="available", interval=0.2, wait=SETTLE)
        assert detached.attachments == []
        used = storage.get_limits().absolute
        assert (used.total_volumes_used, used.total_snapshots_used, used.total_gigabytes_used) == (2, 0, 4)
        assert used.max_total_volumes is None  # the cloud's quota is not known here, so not shown

    await asyncio.to_thread(run)


async def _foreign_volume(stack: OpenStackWorld) -> str:
    """A volume of the admin's project, which alice never proved."""
    core = stack.served.gateway.core
    (other,) = [a.row.id for a in await core.accounts.list(ADMIN) if a.row.id != stack.project]
    record, made = await core.operations.create(ADMIN, Kind.VOLUME, {"account": other, "name": "theirs", "size_gb": 1,
                                                                     "datacenter": "sim-east-a"})  # fmt: skip
    assert (await core.operations.wait(ADMIN, made.id, SETTLE)).state == "succeeded"
    return to_uuid(record.id)


def _fault(response: httpx.Response, status: int, name: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == [name] and body[name]["code"] == status
    return body[name]["message"]


@pytest.mark.parametrize(
    "body", [b"{not json", b"[]", b'{"volume": {"size": -1}}', b'{"volume": {"size": 0}}',
             b'{"volume": {"size": 10000000000}}', b'{"volume": {"size": "big"}}', b'{"volume": {"size": true}}',
             b'{"volume": {"size": 1, "colour": "blue"}}', b'{"volume": {"size": 1, "imageRef": "x"}}',
             b'{"volume": {"size": 1, "metadata": ["a"]}}', b'{"volume": {"size": 1, "availability_zone": 5}}',
             b'{"volume": {"size": "' + b"9" * 5000 + b'"}}', b'{"volume": {"size": 1, "name": ["x"]}}'],
)  # fmt: skip
async def test_junk_volume_creates_are_bad_requests(stack: OpenStackWorld, body: bytes):
    def run() -> None:
        conn = stack.connect()
        url = conn.session.get_endpoint(service_type="block-storage", interface="public")
        headers = {"X-Auth-Token": conn.session.get_token(), "Content-Type": "application/json"}
        _fault(httpx.post(f"{url}/volumes", content=body, headers=headers), 400, "badRequest")
        assert conn.block_storage.volumes() is not None and list(conn.block_storage.volumes()) == []

    await asyncio.to_thread(run)


async def test_what_cinder_here_refuses(stack: OpenStackWorld):
    theirs = await _foreign_volume(stack)

    def run() -> None:
        conn = stack.connect()
        url = conn.session.get_endpoint(service_type="block-storage", interface="public")
        assert url.endswith(f"/openstack/volume/v3/{stack.project}")
        headers = {"X-Auth-Token": conn.session.get_token()}
        message = _fault(httpx.get(f"{url}/volumes/{theirs}", headers=headers), 404, "itemNotFound")
        assert message == f"Volume {theirs} could not be found."
        _fault(httpx.delete(f"{url}/volumes/{theirs}", headers=headers), 404, "itemNotFound")
        _fault(httpx.post(f"{url}/volumes/{theirs}/action", json={"os-extend": {"new_size": 5}}, headers=headers),
               404, "itemNotFound")  # fmt: skip
        _fault(httpx.post(f"{url}/snapshots", json={"snapshot": {"volume_id": theirs}}, headers=headers),
               404, "itemNotFound")  # fmt: skip
        shown = stack.cli_run("volume", "show", theirs)
        assert shown.returncode == 1 and f"No Volume found for {theirs}" in shown.stderr

        negative = httpx.post(f"{url}/volumes", json={"volume": {"size": -1}}, headers=headers)
        assert "-1 is less than the minimum of 1" in _fault(negative, 400, "badRequest")
        mine = conn.block_storage.create_volume(size=1, name="mine", availability_zone="sim-east-a")
        action = f"{url}/volumes/{mine.id}/action"
        _fault(httpx.post(action, json={"os-extend": {"new_size": -4}}, headers=headers), 400, "badRequest")
        _fault(httpx.post(action, json={"os-extend": {"new_size": 1}}, headers=headers), 400, "badRequest")
        _fault(httpx.post(action, json={"os-reset_status": {"status": "available"}}, headers=headers), 403, "forbidden")
        _fault(httpx.post(action, json={"os-melt": {}}, headers=headers), 400, "badRequest")
        _fault(httpx.put(f"{url}/volumes/{mine.id}", json={"volume": {"size": 9}}, headers=headers), 400, "badRequest")
        _fault(httpx.get(f"{url}/volumes/detail", params={"colour": "blue"}, headers=headers), 400, "badRequest")
        _fault(httpx.get(f"{url}/volumes/not-a-uuid", headers=headers), 404, "itemNotFound")

        versioned = httpx.get(f"{url}/volumes", headers={**headers, "OpenStack-API-Version": "volume 3.59"})
        assert versioned.status_code == 200 and versioned.headers["OpenStack-API-Version"] == "volume 3.59"
        _fault(httpx.get(f"{url}/volumes", headers={**headers, "OpenStack-API-Version": "volume 3.99"}),
               406, "computeFault")  # fmt: skip
        _fault(httpx.get(f"{url}/volumes", headers={**headers, "OpenStack-API-Version": "volume 3.x"}),
               400, "badRequest")  # fmt: skip
        other = url.replace(stack.project, "0" * 16)
        _fault(httpx.get(f"{other}/volumes", headers=headers), 403, "forbidden")
        forged = httpx.get(f"{url}/volumes", headers={"X-Auth-Token": "cgt_forged"})
        assert forged.status_code == 401 and forged.json()["error"]["code"] == 401  # keystonemiddleware's shape

        types = f"{url}/types"
        default = httpx.get(f"{types}/default", headers=headers).json()["volume_type"]
        assert default["name"] == "__DEFAULT__" and default == httpx.get(types, headers=headers).json()["volume_types"][0]
        _fault(httpx.get(f"{types}/gold", headers=headers), 404, "itemNotFound")
        root = url.split("/v3/")[0]
        listed = httpx.get(f"{root}/")
        assert listed.status_code == 300 and listed.json()["versions"][0]["version"] == "3.70"

    await asyncio.to_thread(run)
