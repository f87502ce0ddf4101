"""A durable sim cloud: kept in a file, it outlives its process (ids never repeat, states stay), and several
processes share it, faults included."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from cloudgate.drivers.sim import Credentials, SimClock, SimCloud
from cloudgate.drivers.sim.native import SimApiError
from cloudgate.drivers.sim.rows import Image

CREDENTIALS = Credentials("AK", "SK")

# Another process opening the same cloud: creates a server, turns a fault on, prints the server's id.
OTHER_PROCESS = """
import sys
from pathlib import Path
from cloudgate.drivers.sim import SimCloud

def never_built():
    raise SystemExit("the cloud was built again instead of read from its file")

cloud = SimCloud.durable(Path(sys.argv[1]), never_built)
made = cloud.oob_create("p", "servers", name="from-elsewhere", flavor_id="s1.tiny", image_id=sys.argv[2], zone="sim-east-a")
cloud.set_faults(latency=0.25)
print(made["id"])
"""


def _build() -> SimCloud:
    cloud = SimCloud("sim://durable", clock=SimClock.real())
    cloud.add_account(CREDENTIALS.access_key, CREDENTIALS.secret_key, "p")
    return cloud


def _image(cloud: SimCloud) -> str:
    return next(iter(cloud.catalog.public_images.rows.values())).id


async def _servers(cloud: SimCloud) -> dict[str, dict]:
    page, _token = await cloud.list_page(CREDENTIALS, "servers", cloud.regions[0])
    return {server["id"]: server for server in page}


async def test_a_durable_cloud_is_found_again_as_it_was_left(tmp_path: Path):
    path = tmp_path / "durable.state"
    first = SimCloud.durable(path, _build)
    spec = {"flavor_id": "s1.tiny", "image_id": _image(first), "zone": "sim-east-a"}
    web = await first.create(CREDENTIALS, "servers", first.regions[0], {"name": "web", **spec})
    db = await first.create(CREDENTIALS, "servers", first.regions[0], {"name": "db", **spec})
    first.oob_update("p", "servers", web["id"], status="ACTIVE")
    await first.perform(CREDENTIALS, "servers", first.regions[0], web["id"], "stop")
    first.clock.advance(first.delays.stop + 1)
    before = await _servers(first)
    assert before[web["id"]]["status"] == "SHUTOFF"

    def rebuilt() -> SimCloud:
        raise AssertionError("the cloud must be read from its file, not built again")

    again = SimCloud.durable(path, rebuilt)  # a new process's view of it
    assert await _servers(again) == before  # same ids, states, creation times: nothing to report
    new = await again.create(CREDENTIALS, "servers", again.regions[0], {"name": "web-2", **spec})
    assert new["id"] not in (web["id"], db["id"])  # ids never repeat
    assert path.stat().st_mode & 0o777 == 0o600


async def test_processes_sharing_a_cloud_see_each_other_s_changes(tmp_path: Path):
    path = tmp_path / "shared.state"
    mine = SimCloud.durable(path, _build)
    image = _image(mine)
    own = await mine.create(CREDENTIALS, "servers", mine.regions[0],
                            {"name": "here", "flavor_id": "s1.tiny", "image_id": image, "zone": "sim-east-a"})  # fmt: skip
    other = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS, str(path), image], capture_output=True, text=True, timeout=60, check=True
    )
    theirs = other.stdout.strip()
    servers = await _servers(mine)
    assert set(servers) == {own["id"], theirs} and servers[theirs]["name"] == "from-elsewhere"
    assert mine.faults.latency == 0.25  # a fault turned on elsewhere holds here too


async def test_faults_are_set_by_name_and_checked(tmp_path: Path):
    cloud = SimCloud.durable(tmp_path / "faults.state", _build)
    assert cloud.set_faults(outage=True)["outage"] is True
    with pytest.raises(SimApiError, match="ServiceUnavailable|down"):
        await cloud.whoami(CREDENTIALS)
    for bad in ({"meltdown": True}, {"error_rate": 2}, {"outage": "yes"}, {"latency": -1}):
        with pytest.raises(SimApiError) as raised:
            cloud.set_faults(**bad)
        assert raised.value.code == "InvalidParameter"
    assert cloud.set_faults(outage=False)["outage"] is False
    assert (await cloud.whoami(CREDENTIALS))["project"] == "p"


def test_rows_saved_before_fields_were_added_load_with_their_defaults():
    """A demo data dir from an older cloudgate opens: its rows lack the image fields added since."""
    image = Image(seq=3, name="old", created=1.0, os="linux", min_disk=8, status="ACTIVE", size=5, spool="f")
    _none, slots = image.__reduce_ex__(5)[2]
    older = (None, {name: value for name, value in slots.items() if name not in ("size", "spool", "checksums")})
    restored = Image.__new__(Image)
    restored.__setstate__(older)
    assert (restored.size, restored.spool, restored.checksums, restored.min_disk) == (0, None, None, 8)
    assert pickle.loads(pickle.dumps(image)).spool == "f"
