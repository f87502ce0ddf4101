"""Glance v2 with the unmodified openstack CLI and openstacksdk: the project's images and its cloud's public ones
listed, filtered, paged and shown; an image made from a server renamed, retagged and deleted; what the gateway
cannot do (uploads, data, another's image) refused in glance's own shape."""

from __future__ import annotations

import asyncio

import httpx
import openstack.exceptions
import pytest

from cloudgate.core import Caller
from cloudgate.foreign_ids import to_uuid
from cloudgate.model import Kind
from tests.frontends.conftest import ADMIN
from tests.frontends.openstack.conftest import OpenStackWorld
from tests.services.served import wait_for

PUBLIC = {"ubuntu-24.04", "debian-12", "rocky-9", "windows-2022"}  # the sim's public images


async def _server_image(stack: OpenStackWorld, name: str, caller: Caller | None = None, project: str = "") -> str:
    """An image of a project (alice's by default) made from one of its servers, through the core (as nova's
    createImage does)."""
    core = stack.served.gateway.core
    project = project or stack.project
    caller = caller or Caller(await core.auth.verify(stack.user, stack.password), account_id=project)
    spec = {"account": project, "name": "web", "flavor": "s1.tiny", "image": "ubuntu-24.04",
            "datacenter": "sim-east-a"}  # fmt: skip
    server, made = await core.operations.create(caller, Kind.INSTANCE, spec)
    assert (await core.operations.wait(caller, made.id, 30)).state == "succeeded"
    image, made = await core.operations.create(caller, Kind.IMAGE, {"account": project, "name": name,
                                                                    "instance": server.id})  # fmt: skip
    assert (await core.operations.wait(caller, made.id, 30)).state == "succeeded"
    return image.id


async def test_the_cli_lists_and_shows_the_public_images(stack: OpenStackWorld):
    def run() -> None:
        listed = {image["Name"]: image for image in stack.cli("image", "list", "-f", "json")}
        assert set(listed) == PUBLIC and {image["Status"] for image in listed.values()} == {"active"}
        shown = stack.cli("image", "show", "rocky-9", "-f", "json")
        assert shown["id"] == listed["rocky-9"]["ID"] and shown["min_disk"] == 10
        assert shown["visibility"] == "public" and shown["status"] == "active"
        assert stack.cli("image", "show", listed["debian-12"]["ID"], "-f", "json")["name"] == "debian-12"
        public = stack.cli("image", "list", "--public", "-f", "json")
        assert {image["Name"] for image in public} == PUBLIC
        assert stack.cli("image", "list", "--private", "-f", "json") == []
        named = stack.cli("image", "list", "--name", "debian-12", "-f", "json")
        assert [image["Name"] for image in named] == ["debian-12"]
        by_name = stack.cli("image", "list", "--sort", "name:asc", "-f", "json")
        assert [image["Name"] for image in by_name] == sorted(PUBLIC)

    await asyncio.to_thread(run)


async def test_the_sdk_pages_images_by_marker(stack: OpenStackWorld):
    def run() -> None:
        conn = stack.connect()
        everything = [image.name for image in conn.image.images(sort_key="name", sort_dir="asc")]
        assert everything == sorted(PUBLIC)
        token = conn.session.get_token()
        url = f"{stack.served.url}/openstack/image/v2/images"
        first = httpx.get(url, params={"limit": 3, "sort": "name:asc"}, headers={"X-Auth-Token": token}).json()
        assert [image["name"] for image in first["images"]] == sorted(PUBLIC)[:3]
        assert first["next"].startswith("/v2/images?") and "marker=" in first["next"]
        rest = httpx.get(f"{stack.served.url}/openstack/image{first['next']}", headers={"X-Auth-Token": token}).json()
        assert [image["name"] for image in rest["images"]] == sorted(PUBLIC)[3:] and "next" not in rest
        assert [image.name for image in conn.image.images(limit=1, sort="name:desc")] == sorted(PUBLIC, reverse=True)
        assert [image.name for image in conn.image.images(status="active", visibility="public", tag=["none"])] == []
        windows = conn.image.get_image(next(iter(conn.image.images(name="windows-2022"))).id)
        assert windows.os_type == "windows" and windows.min_disk == 40
        assert [image.name for image in conn.image.images(id=windows.id)] == ["windows-2022"]
        for query, names in (({"os_type": "windows"}, ["windows-2022"]), ({"hw_firmware_type": "uefi"}, [])):
            found = httpx.get(url, params=query, headers={"X-Auth-Token": token}).json()["images"]
            assert [image["name"] for image in found] == names
        refused = httpx.get(url, params={"size_min": 1}, headers={"X-Auth-Token": token})
        assert refused.status_code == 400 and "not filtered by size_min" in refused.text

    await asyncio.to_thread(run)


async def test_an_image_made_from_a_server_is_renamed_tagged_and_deleted(stack: OpenStackWorld):
    image_id = await _server_image(stack, "golden")

    def run() -> None:
        mine = stack.cli("image", "list", "--private", "-f", "json")
        assert [image["Name"] for image in mine] == ["golden"]
        os_id = mine[0]["ID"]
        shown = stack.cli("image", "show", os_id, "-f", "json")
        assert shown["owner"] == stack.project and shown["visibility"] == "private"
        stack.cli("image", "set", "--name", "silver", "--tag", "blue", os_id)
        shown = stack.cli("image", "show", os_id, "-f", "json")
        assert shown["name"] == "silver" and shown["tags"] == ["blue"]
        conn = stack.connect()
        assert [image.name for image in conn.image.images(tag=["blue"])] == ["silver"]
        conn.image.update_image(os_id, name="bronze", tags=["env=prod", "blue"])
        assert sorted(conn.image.get_image(os_id).tags) == ["blue", "env=prod"]
        stack.cli("image", "unset", "--tag", "blue", os_id)
        assert stack.cli("image", "show", os_id, "-f", "json")["tags"] == ["env=prod"]
        stack.cli("image", "delete", os_id)
        wait_for(lambda: not stack.cli("image", "list", "--private", "-f", "json"), 30, "the image to go")

    await asyncio.to_thread(run)
    assert image_id.startswith("img-")


async def test_what_glance_here_refuses(stack: OpenStackWorld):
    core = stack.served.gateway.core
    (other,) = [a.row.id for a in await core.accounts.list(ADMIN) if a.row.id != stack.project]
    theirs = to_uuid(await _server_image(stack, "theirs", ADMIN, other))

    def run() -> None:
        conn = stack.connect()
        token = conn.session.get_token()
        headers = {"X-Auth-Token": token}
        base = f"{stack.served.url}/openstack/image"
        unknown = httpx.get(f"{base}/v2/images/9b2f1c34-0000-4000-8000-000000000000", headers=headers)
        assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("text/html")
        assert "No image found with ID" in unknown.text
        with pytest.raises(openstack.exceptions.NotFoundException):
            conn.image.get_image("9b2f1c34-0000-4000-8000-000000000000")
        made = stack.cli_run("image", "create", "--disk-format", "qcow2", "fresh")
        assert made.returncode == 1 and "403" in made.stderr and "openstack server image create" in made.stderr
        public = next(iter(conn.image.images(name="debian-12")))
        junk = httpx.patch(f"{base}/v2/images/{public.id}", content=b"{not json",
                           headers={**headers, "Content-Type": "application/openstack-images-v2.1-json-patch"})  # fmt: skip
        assert junk.status_code == 400 and "<h1>400 Bad Request</h1>" in junk.text
        plain = httpx.patch(f"{base}/v2/images/{public.id}", json=[], headers=headers)
        assert plain.status_code == 415
        refused = stack.cli_run("image", "set", "--name", "mine-now", public.id)
        assert refused.returncode == 1 and "403" in refused.stderr
        assert stack.cli_run("image", "delete", public.id).returncode == 1
        data = httpx.get(f"{base}/v2/images/{public.id}/file", headers=headers)
        assert data.status_code == 403 and "stores no image data" in data.text
        for path in (f"/v2/images/{theirs}", f"/v2/images/{theirs}/file"):
            another = httpx.get(f"{base}{path}", headers=headers)
            assert another.status_code == 404 and f"No image found with ID {theirs}" in another.text
        assert httpx.delete(f"{base}/v2/images/{theirs}", headers=headers).status_code == 404
        assert "theirs" not in {image["Name"] for image in stack.cli("image", "list", "-f", "json")}
        for paging in ({"limit": "-1"}, {"limit": "many"}, {"marker": "not-an-id"}):
            junk_page = httpx.get(f"{base}/v2/images", params=paging, headers=headers)
            assert junk_page.status_code == 400 and "<h1>400 Bad Request</h1>" in junk_page.text
        bad_status = httpx.get(f"{base}/v2/images", params={"status": "melting"}, headers=headers)
        assert bad_status.status_code == 400 and "Invalid status value" in bad_status.text
        bad_sort = httpx.get(f"{base}/v2/images", params={"sort_key": "colour"}, headers=headers)
        assert bad_sort.status_code == 400
        foreign = httpx.get(f"{base}/v2/images", headers={"X-Auth-Token": "cgt_forged"})
        assert foreign.status_code == 401 and foreign.json()["error"]["code"] == 401  # keystonemiddleware's shape
        versions = httpx.get(f"{base}/")
        assert versions.status_code == 300 and versions.json()["versions"][0]["id"] == "v2.16"

    await asyncio.to_thread(run)
