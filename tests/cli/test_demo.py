from __future__ import annotations

from collections.abc import Iterator

import pytest

from cloudgate.app import demo
from cloudgate.app import Gateway
from cloudgate.drivers.sim import Credentials, SimCloud, unregister
from cloudgate.settings import Settings


@pytest.fixture
def demo_clouds() -> Iterator[dict[str, SimCloud]]:
    clouds = demo.register_demo_clouds()
    yield clouds
    for endpoint in clouds:
        unregister(endpoint)


def test_the_demo_clouds_are_registered_once_per_process(demo_clouds):
    assert sorted(demo_clouds) == ["sim://alpha", "sim://beta"]
    assert demo.register_demo_clouds() == demo_clouds


async def test_the_starting_resources_are_there_and_settled(demo_clouds):
    alpha = demo_clouds["sim://alpha"]
    servers, _next = await alpha.list_page(Credentials("demo", "demo-secret"), "servers", alpha.regions[0])
    assert {s["name"]: s["status"] for s in servers} == {"web-1": "ACTIVE", "web-2": "ACTIVE", "db-1": "ACTIVE"}
    assert (await alpha.whoami(Credentials("team-b", "team-b-secret")))["project"] == "team-b"


async def test_seeding_again_after_a_restart_finds_the_same_accounts(demo_clouds, tmp_path):
    settings = Settings(data_dir=tmp_path, run_poller=False, demo=True)
    seeded = []
    for _start in range(2):
        gateway = await Gateway.open(settings)
        try:
            seeded.append(await demo.seed_demo(gateway))
            accounts = await gateway.core.accounts.list(demo.ADMIN)
        finally:
            await gateway.close()
        assert sorted(a.row.name for a in accounts) == ["alpha-demo", "beta-demo"]
    assert seeded[0] == seeded[1]
    assert [c.access_key for c in seeded[0].unregistered] == ["team-b"]
