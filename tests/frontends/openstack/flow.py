"""The whole flow of the issue with the unmodified `openstack` CLI, over whichever cloud a world's project is
on: images and flavors, a key pair, a security group and its rule, a subnet of the project's network, a
server created with --wait (BUILD to ACTIVE as the poller sees it), listed with filters, stopped, started,
rebooted, a volume attached and detached, a snapshot, and everything deleted again."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.frontends.openstack.conftest import DEADLINE_SECONDS, OpenStackWorld


@dataclass(frozen=True)
class Backend:
    flavor: str
    image: str
    zone: str
    cidr: str  # a range for the new subnet, free on the cloud


def until(what: str, look: Callable[[], Any], wanted: Callable[[Any], bool]) -> Any:
    """What `look` returns once `wanted` holds of it (a deadline: each call is one look at the condition)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    seen = None
    while time.monotonic() < deadline:
        seen = look()
        if wanted(seen):
            return seen
        time.sleep(0.1)  # pacing between looks at the condition, not synchronisation
    raise AssertionError(f"{what}: never, last seen {seen!r}")


def lifecycle(world: OpenStackWorld, backend: Backend, tmp: Path) -> dict[str, Any]:
    """Every step, asserting as it goes; what it saw, for the test to assert on."""
    cli, conn, seen = world.cli, world.connect(), {}
    assert backend.image in {i["Name"] for i in cli("image", "list", "-f", "json")}
    assert cli("image", "show", backend.image, "-f", "json")["status"] == "active"
    assert backend.flavor in {f["Name"] for f in cli("flavor", "list", "-f", "json")}
    cli("keypair", "create", "--private-key", str(tmp / "flow.pem"), "flow-key", "-f", "json")
    cli("security", "group", "create", "flow-web", "--description", "the flow's web servers", "-f", "json")
    rule = cli("security", "group", "rule", "create", "--protocol", "tcp", "--dst-port", "22",
               "--remote-ip", "0.0.0.0/0", "flow-web", "-f", "json")  # fmt: skip
    assert (rule["port_range_min"], rule["port_range_max"], rule["protocol"]) == (22, 22, "tcp")
    (network,) = cli("network", "list", "-f", "json")
    subnet = cli("subnet", "create", "--network", network["ID"], "--subnet-range", backend.cidr, "flow-subnet",
                 "-f", "json")  # fmt: skip
    assert subnet["cidr"] == backend.cidr
    server = cli("server", "create", "--flavor", backend.flavor, "--image", backend.image, "--network", network["ID"],
                 "--key-name", "flow-key", "--security-group", "flow-web", "--availability-zone", backend.zone,
                 "--wait", "flow-vm", "-f", "json")  # fmt: skip
    assert server["status"] == "ACTIVE" and server["key_name"] == "flow-key"
    seen["server"] = server
    listed = cli("server", "list", "--name", "^flow-", "--status", "ACTIVE", "-f", "json")
    assert [s["ID"] for s in listed] == [server["id"]]
    assert cli("server", "list", "--name", "^flow-", "--status", "SHUTOFF", "-f", "json") == []  # the project may hold more
    seen["shown"] = cli("server", "show", "flow-vm", "-f", "json")
    cli("server", "stop", "flow-vm")
    until("the server stops", lambda: conn.compute.get_server(server["id"]).status, lambda s: s == "SHUTOFF")
    cli("server", "start", "flow-vm")
    until("the server starts", lambda: conn.compute.get_server(server["id"]).status, lambda s: s == "ACTIVE")
    cli("server", "reboot", "--wait", "flow-vm")
    volume = cli("volume", "create", "--size", "1", "--availability-zone", backend.zone, "flow-data", "-f", "json")
    status = lambda: conn.block_storage.get_volume(volume["id"]).status  # noqa: E731
    until("the volume is made", status, lambda s: s == "available")
    cli("server", "add", "volume", "flow-vm", "flow-data")
    until("the volume is attached", status, lambda s: s == "in-use")
    seen["attachments"] = cli("volume", "show", "flow-data", "-f", "json")["attachments"]
    cli("server", "remove", "volume", "flow-vm", "flow-data")
    until("the volume is detached", status, lambda s: s == "available")
    snapshot = cli("volume", "snapshot", "create", "--volume", "flow-data", "flow-snap", "-f", "json")
    until("the snapshot is made", lambda: conn.block_storage.get_snapshot(snapshot["id"]).status,
          lambda s: s == "available")  # fmt: skip
    cli("volume", "snapshot", "delete", "flow-snap")
    until("the snapshot is gone", lambda: [s["Name"] for s in cli("volume", "snapshot", "list", "-f", "json")],
          lambda names: "flow-snap" not in names)  # fmt: skip
    cli("volume", "delete", "flow-data")
    cli("server", "delete", "--wait", "flow-vm")
    assert cli("server", "list", "--name", "^flow-", "-f", "json") == []
    until("the volume is gone", lambda: [v["Name"] for v in cli("volume", "list", "-f", "json")],
          lambda names: "flow-data" not in names)  # fmt: skip
    cli("keypair", "delete", "flow-key")
    cli("security", "group", "delete", "flow-web")
    cli("subnet", "delete", "flow-subnet")
    return seen
