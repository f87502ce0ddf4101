"""Image transfer with the real glance (scripts/openstack-dev): a sim image uploaded into glance and read back
into a sim cloud, its bytes and checksums unchanged; an upload that fails or is given up leaves no image."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import AsyncIterator

import pytest

from cloudgate.drivers.base import AccountConfig, ImageData
from cloudgate.drivers.openstack import OpenStackDriver
from cloudgate.errors import InvalidRequest, NotFound
from cloudgate.model import Kind
from tests.drivers.simworld import SimWorld
from tests.drivers.test_openstack import NO_SUCH_UUID, backend, driver  # noqa: F401 - fixtures
from tests.services.openstack import on_openstack, openstack_cloud  # noqa: F401 - the session fixture

TIMEOUT = 60.0  # seconds any one wait below may take before the test fails


def unique(prefix: str) -> str:
    """glance's image names need not be unique, but the cloud may outlive a test session: find ours."""
    return f"{prefix}-{secrets.token_hex(4)}"


async def read_all(data: ImageData) -> bytes:
    return b"".join([chunk async for chunk in data.chunks])


async def images_named(driver: OpenStackDriver, name: str) -> list:  # noqa: F811
    return [image for image in await driver.list(Kind.IMAGE) if image.name == name]


@on_openstack
async def test_an_image_goes_from_the_sim_to_glance_and_back(sim: SimWorld, driver: OpenStackDriver) -> None:  # noqa: F811
    source = sim.driver()
    debian = next(r for r in await source.list(Kind.IMAGE) if r.name == "debian-12")
    name, heard = unique("from-sim"), []
    async with source.read_image(debian.cloud_id) as data:
        original = data.checksums
        spec = {"name": name, **data.properties, "tags": {"replica-of": debian.cloud_id}}
        made = await driver.write_image(spec, data, heard.append)
    try:
        assert (made.name, made.state, made.tags) == (name, "available", {"replica-of": debian.cloud_id})
        glance = made.cloud_attrs
        assert (glance["checksum"], glance["os_hash_algo"], glance["os_hash_value"]) == (
            original["md5"], "sha512", original["sha512"],
        )  # fmt: skip
        assert glance["size"] == 4_457_682 == heard[-1] and heard == sorted(heard)
        assert (glance["disk_format"], glance["container_format"], glance["min_disk"]) == ("raw", "bare", 8)
        assert glance["visibility"] == "private"

        back = sim.driver()
        async with driver.read_image(made.cloud_id) as data:
            assert data.checksums == original and data.size == 4_457_682
            assert data.properties == {"disk_format": "raw", "container_format": "bare", "min_disk": 8, "min_ram": 0}
            returned = await back.write_image({"name": "returned", **data.properties}, data, lambda sent: None)
        async with back.read_image(returned.cloud_id) as again, source.read_image(debian.cloud_id) as first:
            assert again.checksums == original
            content = await read_all(again)
            assert content == await read_all(first)
        assert hashlib.md5(content).hexdigest() == original["md5"]
    finally:
        await driver.destroy(Kind.IMAGE, made.cloud_id)


@on_openstack
async def test_a_failing_stream_leaves_no_image_in_glance(sim: SimWorld, driver: OpenStackDriver) -> None:  # noqa: F811
    mismatch = InvalidRequest("checksum mismatch")  # what the core's verification raises at the end
    name = unique("failing")

    async def failing(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        async for chunk in chunks:
            yield chunk
        raise mismatch

    image = next(r for r in await sim.driver().list(Kind.IMAGE) if r.name == "ubuntu-24.04")
    async with sim.driver().read_image(image.cloud_id) as data:
        broken = ImageData(data.size, data.checksums, data.properties, failing(data.chunks))
        with pytest.raises(InvalidRequest) as raised:
            await driver.write_image({"name": name}, broken, lambda sent: None)
    assert raised.value is mismatch
    assert await images_named(driver, name) == []


@on_openstack
async def test_data_glance_refuses_leaves_no_image(sim: SimWorld, driver: OpenStackDriver) -> None:  # noqa: F811
    name = unique("not-qcow2")
    image = next(r for r in await sim.driver().list(Kind.IMAGE) if r.name == "rocky-9")
    async with sim.driver().read_image(image.cloud_id) as data:
        with pytest.raises(InvalidRequest, match="Unsupported Media Type"):  # glance inspects it: raw, not qcow2
            await driver.write_image({"name": name, "disk_format": "qcow2"}, data, lambda sent: None)
    assert await images_named(driver, name) == []


@on_openstack
async def test_an_upload_given_up_midway_leaves_no_image_in_glance(driver: OpenStackDriver) -> None:  # noqa: F811
    name, started, never = unique("given-up"), asyncio.Event(), asyncio.Event()

    async def stalling() -> AsyncIterator[bytes]:
        yield b"\1" * (1 << 20)
        await never.wait()  # the source stalls: the upload waits on it until given up
        yield b"\2"

    data = ImageData(None, {}, {}, stalling())
    upload = asyncio.create_task(driver.write_image({"name": name}, data, lambda sent: started.set()))
    await asyncio.wait_for(started.wait(), TIMEOUT)
    assert [image.state for image in await images_named(driver, name)] == ["pending"]
    upload.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(upload, TIMEOUT)
    assert await images_named(driver, name) == []


@on_openstack
async def test_reading_a_missing_image_is_not_found(driver: OpenStackDriver) -> None:  # noqa: F811
    with pytest.raises(NotFound):
        async with driver.read_image(NO_SUCH_UUID):
            pass


async def nothing() -> AsyncIterator[bytes]:
    return
    yield


@pytest.mark.parametrize("spec", [{"name": "x", "tags": {"a=b": "c"}}, {"name": ""}, {"name": "x", "colour": "red"}])
async def test_a_bad_spec_is_refused_before_any_call(spec: dict) -> None:
    # a driver onto no cloud at all: what it refuses, it refuses before calling one
    credentials = {"username": "u", "password": "p", "project_name": "x"}
    nowhere = OpenStackDriver(AccountConfig("openstack", "http://127.0.0.1:9/identity/v3", None, credentials))
    with pytest.raises(InvalidRequest):
        await nowhere.write_image(spec, ImageData(0, {}, {}, nothing()), lambda sent: None)


def test_the_openstack_driver_moves_image_bytes_both_ways() -> None:
    assert OpenStackDriver.capabilities.image_transfer == {"read", "write"}
    assert OpenStackDriver.capabilities.to_dict()["image_transfer"] == ["read", "write"]
