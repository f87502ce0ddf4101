"""The whole lifecycle of every kind over the sim with the unmodified google-api-python-client."""

from __future__ import annotations

import asyncio

from tests.frontends.gce.conftest import GceWorld
from tests.frontends.gce.flow import Backend, lifecycle

SIM = Backend(machine_type="s1.small", image="debian-12", zone="sim-east-a", region="sim-east", cidr="10.9.7.0/24")


async def test_the_whole_flow_over_the_sim(gce: GceWorld) -> None:
    seen = await asyncio.to_thread(lifecycle, gce.compute(), gce.project, SIM)
    assert seen["left"] == 404
    # behind the gateway, the sim holds no disk or snapshot of the flow
    usage = gce.cloud.usage("project-a")
    assert (usage["volumes"], usage["snapshots"]) == (0, 0)
