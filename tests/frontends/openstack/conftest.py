"""Fixtures for the OpenStack front-end: a client of the gateway (a keystone user) that proved a project (an
account), unmodified openstacksdk connections to the gateway's keystone as that user, and the unmodified
`openstack` CLI pointed at it by a clouds.yaml. `stack` is the world over a quick sim cloud; `open_world`
builds one over any cloud."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openstack
import pytest
import yaml

from cloudgate.core import Caller
from cloudgate.drivers.sim import SimCloud
from cloudgate.foreign_ids import to_uuid
from cloudgate.model import Kind
from cloudgate.query import Match, ResourceQuery
from tests.frontends.conftest import ADMIN, Served
from tests.services.openstack import openstack_cli, run_openstack_cli

DEADLINE_SECONDS = 60  # how long a server may take to reach a state
CLOUD = "cloudgate"  # the cloud's name in the world's clouds.yaml
FLAVOR, IMAGE = "s1.tiny", "ubuntu-24.04"  # a sim flavor and a public image that fits it


@dataclass
class OpenStackWorld:
    served: Served
    user: str  # the client's name
    password: str
    project: str  # the account's id
    project_name: str
    clouds_yaml: Path
    image_id: str  # the gateway id of a public image that fits the flavor ("" where none was asked for)
    zone_names: list[str]
    flavor_name: str

    @property
    def auth_url(self) -> str:
        return f"{self.served.url}/openstack/identity"

    @property
    def os_image_id(self) -> str:
        return to_uuid(self.image_id)

    @property
    def auth(self) -> dict[str, str]:
        return {"auth_url": self.auth_url, "username": self.user, "password": self.password,
                "project_name": self.project_name, "user_domain_name": "Default", "project_domain_name": "Default"}  # fmt: skip

    def connect(self, **overrides: Any) -> openstack.connection.Connection:
        auth = {**self.auth, **overrides}
        return openstack.connect(auth=auth, identity_api_version="3", interface="public")

    def cli(self, *args: str) -> Any:
        """`openstack …` as this user; its JSON output (add `-f json` where the command prints)."""
        return openstack_cli(self.clouds_yaml, CLOUD, *args)

    def cli_run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`openstack …` as this user, whatever its outcome (for refusals)."""
        return run_openstack_cli(self.clouds_yaml, CLOUD, *args)


def await_status(conn: openstack.connection.Connection, server_id: str, status: str) -> tuple[Any, list[str]]:
    """The server once nova shows `status`, and the statuses seen on the way (a deadline, no fixed sleep:
    each GET is one look at the condition)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    seen: list[str] = []
    while time.monotonic() < deadline:
        server = conn.compute.get_server(server_id)
        seen.append(server.status)
        if server.status == status:
            return server, seen
        time.sleep(0.05)  # pacing between looks at the condition, not synchronisation
    raise AssertionError(f"server {server_id} never became {status}: {seen[-5:]}")


async def open_world(
    served: Served, tmp_path: Path, register: Callable[[Caller], Awaitable[str]], *, flavor: str, image: str | None,
    user: str = "alice",
) -> OpenStackWorld:  # fmt: skip
    """A keystone user (a new gateway client) with the project `register` proves as that client, listed once."""
    auth = served.gateway.core.auth
    row, secret = await auth.create_client(ADMIN, user)
    caller = Caller(await auth.authenticate((await auth.issue_token(row.id, secret)).token))
    account = await register(caller)
    for kind in sorted((await served.gateway.pool.get(account))[0].capabilities.kinds):
        assert (await served.gateway.poller.poll(account, kind)).ok
    view = await served.gateway.core.accounts.get(caller, account)
    resources, mine = served.gateway.core.resources, Match("account", (account,))
    found = await resources.find(caller, ResourceQuery(kind=Kind.IMAGE, matches=(mine, Match("name", (image,))))) if image else None
    zones = await resources.query(caller, ResourceQuery(kind=Kind.DATACENTER, matches=(mine, Match("attrs.type", ("zone",)))))
    clouds_yaml = tmp_path / "clouds.yaml"
    world = OpenStackWorld(served, user, secret, account, view.row.name or account, clouds_yaml, found.id if found else "",
                           [z.name for z in zones.records], flavor)  # fmt: skip
    clouds_yaml.write_text(yaml.safe_dump({"clouds": {CLOUD: {"auth": world.auth, "identity_api_version": 3,
                                                              "interface": "public"}}}))  # fmt: skip
    return world


@pytest.fixture
async def stack(served: Served, quick_sim: SimCloud, tmp_path: Path) -> OpenStackWorld:
    async def register(caller: Caller) -> str:
        return await served.account(quick_sim, "AK-A", caller=caller)

    world = await open_world(served, tmp_path, register, flavor=FLAVOR, image=IMAGE)
    await served.account(quick_sim, "AK-B")  # the admin's only: alice never proved it
    return world
