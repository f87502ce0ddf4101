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


async def test_a_machine_just_asked_for_is_there_at_once(gce: GceWorld) -> None:
    def run() -> str:
        compute = gce.compute()
        body = {"name": "early", "machineType": "zones/sim-east-a/machineTypes/s1.small",
                "disks": [{"boot": True, "initializeParams": {"sourceImage": "projects/debian-cloud/global/images/debian-12"}}]}  # fmt: skip
        compute.instances().insert(project=gce.project, zone="sim-east-a", body=body).execute()
        # asked for at once, before the cloud has named it: GCE shows it PROVISIONING, not a 404
        return compute.instances().get(project=gce.project, zone="sim-east-a", instance="early").execute()["status"]

    assert await asyncio.to_thread(run) in ("PROVISIONING", "RUNNING")
