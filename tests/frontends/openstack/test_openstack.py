"""The OpenStack front-end over a real OpenStack (keystone, nova, glance, cinder, neutron on 127.0.0.1): the
whole flow with the unmodified openstack CLI, through the gateway's OpenStack driver."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from cloudgate.core import Caller
from tests.frontends.conftest import Served
from tests.frontends.openstack.conftest import open_world
from tests.frontends.openstack.flow import Backend, lifecycle
from tests.services.openstack import OpenStackCloud, openstack_cloud  # noqa: F401 - the session fixture

pytestmark = pytest.mark.openstack


async def test_the_whole_flow_over_the_real_openstack(served: Served, openstack_cloud: OpenStackCloud, tmp_path: Path):  # noqa: F811
    async def register(caller: Caller) -> str:
        view, _created = await served.gateway.core.accounts.register(
            caller, cloud="openstack", endpoint=openstack_cloud.auth_url, region=None,
            credentials=openstack_cloud.password_credentials("project-a"),
        )  # fmt: skip
        return view.row.id

    world = await open_world(served, tmp_path, register, flavor="m1.tiny", image="cirros-fake")
    backend = Backend(flavor="m1.tiny", image="cirros-fake", zone="nova", cidr="10.77.0.0/24")
    seen = await asyncio.to_thread(lifecycle, world, backend, tmp_path)
    assert seen["shown"]["OS-EXT-AZ:availability_zone"] == "nova"
    # behind the gateway, nova has no server left of the flow
    nova = await asyncio.to_thread(lambda: [s.name for s in openstack_cloud.connect("alice").compute.servers()])
    assert "flow-vm" not in nova
