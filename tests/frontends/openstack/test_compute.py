"""nova v2.1 with unmodified openstacksdk and the openstack CLI: microversions, flavors, zones, key pairs,
a server's life (BUILD to ACTIVE as the poller sees it, stop, start, reboot, metadata, delete), listings with
nova's filters and markers, and the refusals nova gives."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from cloudgate.foreign_ids import to_uuid
from cloudgate.model import Kind
from tests.frontends.conftest import ADMIN
from tests.frontends.openstack.conftest import DEADLINE_SECONDS, OpenStackWorld, await_status

async def test_the_version_document_names_the_microversions_and_they_are_negotiated(stack: OpenStackWorld):
    def run() -> None:
        conn = stack.connect()
        token = conn.session.get_token()
        root = f"{stack.served.url}/openstack/compute"
        version = httpx.get(f"{root}/v2.1/").json()["version"]
        assert (version["min_version"], version["version"]) == ("2.1", "2.79")
        headers = {"X-Auth-Token": token, "OpenStack-API-Version": "compute 2.60"}
        answered = httpx.get(f"{root}/v2.1/flavors", headers=headers)
        assert answered.headers["OpenStack-API-Version"] == "compute 2.60"
        assert answered.headers["X-OpenStack-Nova-API-Version"] == "2.60"
        latest = httpx.get(f"{root}/v2.1/flavors", headers={"X-Auth-Token": token, "X-OpenStack-Nova-API-Version": "latest"})
        assert latest.headers["X-OpenStack-Nova-API-Version"] == "2.79"
        for wrong, status in (("compute 2.200", 406), ("compute two", 400), ("compute 1.0", 406)):
            refused = httpx.get(f"{root}/v2.1/flavors", headers={"X-Auth-Token": token, "OpenStack-API-Version": wrong})
            assert refused.status_code == status, wrong
            assert {"computeFault", "badRequest"} & set(refused.json()), refused.text

    await asyncio.to_thread(run)


async def test_flavors_zones_and_key_pairs_with_the_cli(stack: OpenStackWorld, tmp_path):
    public_key = tmp_path / "id.pub"
    public_key.write_text("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGvCYBFVS1ZQkwYxrGb8N8QBhhdyQ4U8fHC/1xv1a0Kk me@here\n")

    def run() -> None:
        flavors = {f["Name"]: f for f in stack.cli("flavor", "list", "-f", "json")}
        assert stack.flavor_name in flavors and flavors[stack.flavor_name]["RAM"] > 0
        shown = stack.cli("flavor", "show", stack.flavor_name, "-f", "json")
        assert shown["vcpus"] >= 1
        zones = [z["Zone Name"] for z in stack.cli("availability", "zone", "list", "--compute", "-f", "json")]
        assert zones == sorted(stack.zone_names)
        made = stack.cli("keypair", "create", "--private-key", str(tmp_path / "made.pem"), "made", "-f", "json")
        assert made["name"] == "made" and "PRIVATE KEY" in (tmp_path / "made.pem").read_text()
        imported = stack.cli("keypair", "create", "--public-key", str(public_key), "imported", "-f", "json")
        assert imported["fingerprint"]
        assert {k["Name"] for k in stack.cli("keypair", "list", "-f", "json")} == {"made", "imported"}
        first = stack.connect().compute.get("/os-keypairs?limit=1").json()  # nova pages key pairs by name
        assert [k["keypair"]["name"] for k in first["keypairs"]] == ["imported"]
        assert "marker=imported" in first["keypairs_links"][0]["href"]
        duplicate = stack.cli_run("keypair", "create", "made")
        assert duplicate.returncode == 1 and "409" in duplicate.stderr
        stack.cli("keypair", "delete", "made", "imported")
        assert stack.cli("keypair", "list", "-f", "json") == []
        gone = stack.cli_run("keypair", "show", "made")
        assert gone.returncode == 1 and "made" in gone.stderr

    await asyncio.to_thread(run)


async def test_a_server_lives_through_openstacksdk(stack: OpenStackWorld):
    def run() -> None:
        conn = stack.connect()
        flavor = conn.compute.find_flavor(stack.flavor_name)
        created = conn.compute.create_server(name="web-1", image_id=stack.os_image_id, flavor_id=flavor.id,
                                             networks="auto", metadata={"team": "blue"})  # fmt: skip
        server, seen = await_status(conn, created.id, "ACTIVE")
        assert seen[0] == "BUILD"  # as the poller observed it
        assert server.flavor.original_name == stack.flavor_name and server.metadata == {"team": "blue"}
        assert server.availability_zone in stack.zone_names and list(server.addresses) == [stack.project_name]
        conn.compute.stop_server(server)
        await_status(conn, server.id, "SHUTOFF")
        conn.compute.start_server(server)
        await_status(conn, server.id, "ACTIVE")
        conn.compute.reboot_server(server, "SOFT")
        await_status(conn, server.id, "ACTIVE")
        conn.compute.set_server_metadata(server, env="prod")
        assert conn.compute.get_server_metadata(server).metadata == {"team": "blue", "env": "prod"}
        conn.compute.add_tag_to_server(server, "frontend")  # nova tags and metadata are kept apart
        shown = conn.compute.get_server(server.id)
        assert shown.tags == ["frontend"] and shown.metadata == {"team": "blue", "env": "prod"}
        conn.compute.delete_server_metadata(server, ["team"])
        conn.compute.remove_tag_from_server(server, "frontend")
        shown = conn.compute.get_server(server.id)
        assert shown.tags == [] and shown.metadata == {"env": "prod"}
        assert [s.id for s in conn.compute.servers(name="^web")] == [server.id]
        assert list(conn.compute.servers(name="^nope")) == []
        assert [s.id for s in conn.compute.servers(status="ACTIVE")] == [server.id]
        assert list(conn.compute.servers(status="SHUTOFF")) == []
        conn.compute.delete_server(server)
        conn.compute.wait_for_delete(server, wait=DEADLINE_SECONDS)
        assert list(conn.compute.servers()) == []

    await asyncio.to_thread(run)


async def test_listings_page_by_marker(stack: OpenStackWorld):
    def run() -> None:
        conn = stack.connect()
        flavor = conn.compute.find_flavor(stack.flavor_name)
        made = conn.compute.create_server(name="many", image_id=stack.os_image_id, flavor_id=flavor.id, networks="none",
                                          min_count=3, max_count=3)  # fmt: skip
        assert made.id
        everything = [s.id for s in conn.compute.servers()]
        assert len(everything) == 3
        paged = [s.id for s in conn.compute.servers(limit=2, paginated=True)]
        assert paged == everything  # the sdk follows servers_links from page to page
        first = conn.compute.get("/servers?limit=2").json()
        assert len(first["servers"]) == 2 and "marker=" in first["servers_links"][0]["href"]

    await asyncio.to_thread(run)


@pytest.fixture
async def other_project_server(stack: OpenStackWorld) -> str:
    """A server in the project alice has not proven, by its OpenStack id."""
    core = stack.served.gateway.core
    (other,) = [a.row.id for a in await core.accounts.list(ADMIN) if a.row.id != stack.project]
    record, operation = await core.operations.create(ADMIN, Kind.INSTANCE, {
        "account": other, "name": "theirs", "flavor": stack.flavor_name, "image": stack.image_id, "datacenter": stack.zone_names[0],
    })  # fmt: skip
    await core.operations.submitted(ADMIN, operation.id, 30)
    return to_uuid(record.id)


async def test_what_nova_refuses_is_refused_in_nova_s_shape(stack: OpenStackWorld, other_project_server):
    def run() -> None:
        conn = stack.connect()
        token = conn.session.get_token()
        url = f"{stack.served.url}/openstack/compute/v2.1"
        headers = {"X-Auth-Token": token, "OpenStack-API-Version": "compute 2.79"}
        flavor = conn.compute.find_flavor(stack.flavor_name).id
        good = {"name": "x", "imageRef": stack.os_image_id, "flavorRef": flavor, "networks": "none"}
        cases = [
            ("post", "/servers", b"{not json", 400, "badRequest"),
            ("post", "/servers", {"server": {**good, "surprise": 1}}, 400, "badRequest"),
            ("post", "/servers", {"server": {k: v for k, v in good.items() if k != "networks"}}, 400, "badRequest"),
            ("post", "/servers", {"server": {**good, "max_count": 10**9}}, 400, "badRequest"),
            ("post", "/servers", {"server": {**good, "min_count": -1}}, 400, "badRequest"),
            ("post", "/servers", {"server": {**good, "name": "x" * 100_000}}, 400, "badRequest"),
            ("post", "/servers", {"server": {**good, "imageRef": "00000000-0000-0000-0000-000000000000"}}, 400, "badRequest"),
            ("post", "/servers", {"server": {**good, "flavorRef": "no-such-flavor"}}, 400, "badRequest"),
            ("get", f"/servers/{other_project_server}", None, 404, "itemNotFound"),
            ("delete", f"/servers/{other_project_server}", None, 404, "itemNotFound"),
            ("get", "/servers/not-a-uuid", None, 404, "itemNotFound"),
            ("get", "/servers?status=MELTING", None, 400, "badRequest"),
            ("get", "/servers?name=(", None, 400, "badRequest"),
            ("get", "/servers?limit=-3", None, 400, "badRequest"),
            ("get", "/servers?changes-since=yesterday", None, 400, "badRequest"),
            ("get", "/servers?marker=00000000-0000-0000-0000-000000000000", None, 400, "badRequest"),
            ("get", "/nowhere", None, 404, "itemNotFound"),
            ("patch", "/servers", {}, 405, "badMethod"),
            ("post", "/os-keypairs", {"keypair": {"name": "bad/name"}}, 400, "badRequest"),
        ]
        for method, path, body, status, fault in cases:
            kwargs = {"content": body} if isinstance(body, bytes) else {"json": body} if body is not None else {}
            answer = httpx.request(method.upper(), url + path, headers=headers, **kwargs)
            assert answer.status_code == status, (method, path, answer.text[:300])
            assert list(answer.json()) == [fault], (method, path, answer.text[:300])
        foreign = httpx.get(url + "/servers", headers={"X-Auth-Token": "cgt_forged"})
        assert foreign.status_code == 401 and foreign.json()["error"]["code"] == 401  # keystonemiddleware's shape

    await asyncio.to_thread(run)
