"""The whole flow with the unmodified openstack CLI over the simulated cloud."""

from __future__ import annotations

import asyncio
import json

from tests.frontends.openstack.conftest import FLAVOR, IMAGE, OpenStackWorld
from tests.frontends.openstack.flow import Backend, lifecycle


async def test_the_whole_flow_with_the_openstack_cli(stack: OpenStackWorld, tmp_path):
    backend = Backend(flavor=FLAVOR, image=IMAGE, zone=stack.zone_names[0], cidr="10.42.0.0/24")
    seen = await asyncio.to_thread(lifecycle, stack, backend, tmp_path)
    shown = seen["shown"]
    assert FLAVOR in json.dumps(shown["flavor"]) and IMAGE in json.dumps(shown["image"])  # names, as looked up
    assert shown["OS-EXT-AZ:availability_zone"] == backend.zone and shown["addresses"]
    assert seen["attachments"][0]["server_id"] == seen["server"]["id"]
