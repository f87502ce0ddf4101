"""Image transfer on the sim: an image's bytes read out of one sim cloud and written into another, with their
checksums, progress, faults (corruption, a capped rate, an outage), quotas, deletions under way, failed uploads
that leave nothing, and where the uploaded bytes are kept (a spool beside a durable cloud's file, or a temporary
directory that goes with the cloud)."""

from __future__ import annotations

import asyncio
import gc
import hashlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from cloudgate.drivers.base import ImageData
from cloudgate.drivers.sim import SimClock, SimCloud, SimDriver, register, unregister
from cloudgate.errors import Conflict, InvalidRequest, NotFound, QuotaExceeded, Unavailable
from cloudgate.model import CloudResource, Kind
from tests.drivers.simworld import SimWorld

MIB = 1 << 20
TIMEOUT = 30.0  # seconds any one wait below may take before the test fails


async def public_image(driver: SimDriver, name: str = "ubuntu-24.04") -> CloudResource:
    return next(r for r in await driver.list(Kind.IMAGE) if r.public and r.name == name)


def console_image(world: SimWorld, size: int, name: str = "console-made") -> str:
    """A private ACTIVE image of the world's account holding `size` made-up bytes; its id."""
    made = world.cloud.oob_create(world.project, "images", name=name, os_type="linux", size=size)
    world.cloud.oob_update(world.project, "images", made["id"], status="ACTIVE")
    return made["id"]


async def read_all(data: ImageData) -> bytes:
    return b"".join([chunk async for chunk in data.chunks])


def digests(content: bytes) -> dict[str, str]:
    return {algorithm: hashlib.new(algorithm, content).hexdigest() for algorithm in ("md5", "sha512")}


async def copy(
    source: SimDriver, cloud_id: str, target: SimDriver, name: str = "copy", **spec: object
) -> CloudResource:
    async with source.read_image(cloud_id) as data:
        return await target.write_image({"name": name, **data.properties, **spec}, data, lambda sent: None)


async def named(driver: SimDriver, name: str) -> list[CloudResource]:
    return [r for r in await driver.list(Kind.IMAGE) if r.name == name]


async def nothing_left(world: SimWorld, name: str) -> None:
    """No image `name` on the world's cloud once deletions have run, none counted, no spooled bytes."""
    world.clock.advance(world.cloud.delays.image_delete)
    assert await named(world.driver(), name) == []
    usage = world.cloud.usage(world.project)
    assert (usage["images"], usage["image_mb"]) == (0, 0)
    assert spooled(world.cloud) == []


def spooled(cloud: SimCloud) -> list[Path]:
    directory = cloud._provisioner.spool._directory
    return sorted(directory.iterdir()) if directory is not None and directory.exists() else []


async def test_an_image_copied_between_clouds_keeps_its_bytes_checksums_and_properties(
    make_sim: Callable[..., SimWorld],
) -> None:
    source_world, target_world = make_sim(), make_sim()
    source, target = source_world.driver(), target_world.driver()
    image = await public_image(source)
    while_uploading: list[list[str]] = []

    async def watched(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        async for chunk in chunks:
            yield chunk
            while_uploading.append([r.state for r in await named(target, "copy")])

    async with source.read_image(image.cloud_id) as data:
        assert data.size == 5_832_704 and set(data.checksums) == {"md5", "sha512"}
        assert data.properties == {"disk_format": "raw", "container_format": "bare", "min_disk": 8, "min_ram": 0}
        watching = ImageData(data.size, data.checksums, data.properties, watched(data.chunks))
        spec = {"name": "copy", **data.properties, "min_ram": 512, "tags": {"replica-of": image.cloud_id}}
        made = await target.write_image(spec, watching, lambda sent: None)

    assert (made.state, made.name, made.tags) == ("available", "copy", {"replica-of": image.cloud_id})
    assert while_uploading and all(states == ["pending"] for states in while_uploading)
    assert [r.state for r in await named(target, "copy")] == ["available"]
    async with source.read_image(image.cloud_id) as original, target.read_image(made.cloud_id) as replica:
        assert replica.checksums == original.checksums
        assert replica.properties == {**original.properties, "min_ram": 512}
        content = await read_all(original)
        assert await read_all(replica) == content
    assert digests(content) == original.checksums and len(content) == original.size
    assert target_world.cloud.usage(target_world.project)["image_mb"] == 6  # 5.6 MiB, counted in whole MiB


async def test_progress_counts_up_to_the_size(make_sim: Callable[..., SimWorld]) -> None:
    source_world, target_world = make_sim(), make_sim()
    image_id = console_image(source_world, 3 * MIB + 12_345)
    heard: list[int] = []
    async with source_world.driver().read_image(image_id) as data:
        await target_world.driver().write_image({"name": "copy"}, data, heard.append)
    assert heard == [MIB, 2 * MIB, 3 * MIB, 3 * MIB + 12_345]


async def test_a_corrupted_read_reports_the_true_checksums(sim: SimWorld) -> None:
    driver = sim.driver()
    image = await public_image(driver, "debian-12")
    sim.cloud.set_faults(image_corruption=1.0)
    async with driver.read_image(image.cloud_id) as data:
        corrupted = await read_all(data)
    sim.cloud.set_faults(image_corruption=0.0)
    async with driver.read_image(image.cloud_id) as data:
        intact = await read_all(data)
        assert digests(intact) == data.checksums
    assert len(corrupted) == len(intact) and corrupted != intact
    assert digests(corrupted)["md5"] != data.checksums["md5"]


async def test_the_transfer_faults_are_checked(sim: SimWorld) -> None:
    for bad in ({"image_corruption": 1.5}, {"transfer_rate": -1}, {"transfer_rate": 1 << 40}, {"transfer_rate": "x"}):
        with pytest.raises(InvalidRequest):
            SimDriver.configure_endpoint(sim.cloud.endpoint, bad)
    assert SimDriver.configure_endpoint(sim.cloud.endpoint, {"transfer_rate": MIB})["transfer_rate"] == MIB


@pytest.mark.parametrize("uploaded", [False, True], ids=["made-up", "uploaded"])
async def test_deleting_an_image_fails_its_read_at_the_next_chunk(sim: SimWorld, uploaded: bool) -> None:
    driver = sim.driver()
    image_id = console_image(sim, 3 * MIB)
    if uploaded:
        image_id = (await copy(driver, image_id, driver)).cloud_id
        assert len(spooled(sim.cloud)) == 1
    async with driver.read_image(image_id) as data:
        first = await anext(data.chunks)
        await driver.destroy(Kind.IMAGE, image_id)
        with pytest.raises(NotFound):
            await anext(data.chunks)
    assert len(first) == MIB and spooled(sim.cloud) == []  # a deleted image's bytes go at once
    with pytest.raises(NotFound):
        async with driver.read_image(image_id):
            pass


async def test_an_image_without_data_yet_cannot_be_read(sim: SimWorld) -> None:
    queued = sim.cloud.oob_create(sim.project, "images", name="empty", upload=True)
    assert queued["status"] == "QUEUED"
    with pytest.raises(Conflict):
        async with sim.driver().read_image(queued["id"]):
            pass


async def test_a_failing_stream_leaves_no_image(make_sim: Callable[..., SimWorld]) -> None:
    source_world, target_world = make_sim(), make_sim()
    mismatch = InvalidRequest("checksum mismatch")  # what the core's verification raises at the end

    async def failing(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        async for chunk in chunks:
            yield chunk
        raise mismatch

    async with source_world.driver().read_image(console_image(source_world, 2 * MIB + 1)) as data:
        broken = ImageData(data.size, data.checksums, data.properties, failing(data.chunks))
        with pytest.raises(InvalidRequest) as raised:
            await target_world.driver().write_image({"name": "copy"}, broken, lambda sent: None)
    assert raised.value is mismatch
    await nothing_left(target_world, "copy")


async def test_an_outage_during_an_upload_leaves_no_image(make_sim: Callable[..., SimWorld]) -> None:
    source_world, target_world = make_sim(), make_sim()

    def cut_off(sent: int) -> None:
        target_world.cloud.faults.outage = sent >= MIB

    with pytest.raises(Unavailable):
        async with source_world.driver().read_image(console_image(source_world, 3 * MIB)) as data:
            await target_world.driver().write_image({"name": "copy"}, data, cut_off)
    # the delete that cleans up met the outage too: the image waits, QUEUED and empty, until it is over
    target_world.cloud.faults.outage = False
    assert [(r.state, r.cloud_state) for r in await named(target_world.driver(), "copy")] == [("pending", "QUEUED")]
    assert target_world.cloud.usage(target_world.project)["image_mb"] == 0 and spooled(target_world.cloud) == []


@pytest.mark.parametrize(
    ("quotas", "refused_after"),
    [({"images": 0}, 0), ({"image_mb": 2}, 2 * MIB)],
    ids=["image count", "image storage"],
)
async def test_an_upload_over_quota_is_refused_and_leaves_no_image(
    make_sim: Callable[..., SimWorld], quotas: dict[str, int], refused_after: int
) -> None:
    source_world, target_world = make_sim(), make_sim(quotas=quotas)
    heard: list[int] = []
    async with source_world.driver().read_image(console_image(source_world, 5 * MIB)) as data:
        with pytest.raises(QuotaExceeded):
            await target_world.driver().write_image({"name": "copy"}, data, heard.append)
    assert max(heard, default=0) == refused_after
    await nothing_left(target_world, "copy")


async def test_deleting_the_source_during_a_paced_copy_stops_it(make_sim: Callable[..., SimWorld]) -> None:
    source_world, target_world = make_sim(), make_sim()
    source = source_world.driver()
    image_id = console_image(source_world, 2 * MIB)
    source_world.cloud.set_faults(transfer_rate=2 * MIB)  # a second for the whole image, in 256 KiB chunks
    started = asyncio.Event()

    async def copying() -> None:
        async with source.read_image(image_id) as data:
            await target_world.driver().write_image({"name": "copy"}, data, lambda sent: started.set())

    task = asyncio.create_task(copying())
    await asyncio.wait_for(started.wait(), TIMEOUT)
    await source.destroy(Kind.IMAGE, image_id)
    with pytest.raises(NotFound):
        await asyncio.wait_for(task, TIMEOUT)
    await nothing_left(target_world, "copy")


async def test_a_capped_rate_paces_reads(sim: SimWorld) -> None:
    driver = sim.driver()
    image_id = console_image(sim, MIB)
    sim.cloud.set_faults(transfer_rate=4 * MIB)
    loop = asyncio.get_running_loop()
    async with driver.read_image(image_id) as data:
        began = loop.time()
        chunks = [chunk async for chunk in data.chunks]
        took = loop.time() - began
    assert took >= 0.25 and len(chunks) == 2  # 1 MiB at 4 MiB/s: two chunks of 512 KiB, an eighth of a second each


async def test_a_durable_cloud_keeps_uploaded_bytes_beside_its_file(sim: SimWorld, tmp_path: Path) -> None:
    path = tmp_path / "durable.state"

    def build() -> SimCloud:
        cloud = SimCloud("sim://transfer-durable", clock=SimClock(sim.clock.now()))
        cloud.add_account(sim.access_key, sim.secret_key, sim.project)
        return cloud

    def never_built() -> SimCloud:
        raise AssertionError("the cloud must be read from its file")

    durable = register(SimCloud.durable(path, build))
    try:
        kept = SimWorld(durable.clock, durable)
        made = await copy(sim.driver(), console_image(sim, MIB + 7), kept.driver())
        [spool_file] = spooled(durable)
        assert spool_file.parent == tmp_path / "durable.state.images" and spool_file.stat().st_size == MIB + 7
        assert path.stat().st_size < MIB  # the state file holds the file's name, not its bytes

        unregister(durable.endpoint)
        durable = register(SimCloud.durable(path, never_built))  # another process's view of it
        again = SimWorld(durable.clock, durable).driver()
        [source] = await named(sim.driver(), "console-made")
        async with sim.driver().read_image(source.cloud_id) as original, again.read_image(made.cloud_id) as data:
            assert data.checksums == original.checksums
            assert await read_all(data) == await read_all(original)
        await again.destroy(Kind.IMAGE, made.cloud_id)
        assert not spool_file.exists()
    finally:
        unregister(durable.endpoint)


async def test_a_cloud_in_memory_spools_to_a_directory_that_goes_with_it(sim: SimWorld) -> None:
    cloud = register(SimCloud("sim://transfer-memory", clock=SimClock(sim.clock.now())))
    cloud.add_account(sim.access_key, sim.secret_key, sim.project)
    world = SimWorld(cloud.clock, cloud)
    source = console_image(sim, MIB)
    # the first two uploads at once: one directory made, both files in it
    first, second = await asyncio.gather(*(copy(sim.driver(), source, world.driver(), name) for name in ("a", "b")))
    files = spooled(cloud)
    assert len(files) == 2 and files[0].parent == files[1].parent
    for made in (first, second):
        async with world.driver().read_image(made.cloud_id) as data:
            assert len(await read_all(data)) == MIB
    unregister(cloud.endpoint)
    del world, cloud
    gc.collect()
    assert not files[0].parent.exists()
