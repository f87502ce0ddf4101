"""A sim cloud for tests: registered, on a manual clock, with one account and drivers onto it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from cloudgate.drivers.base import AccountConfig
from cloudgate.drivers.sim import SimClock, SimCloud, SimDriver, register

START = 1_700_000_000.0
_endpoints = itertools.count(1)


@dataclass
class SimWorld:
    """A sim cloud with one account ("demo"), its clock, and drivers onto it."""

    clock: SimClock
    cloud: SimCloud
    project: str = "demo"
    access_key: str = "AK-demo"
    secret_key: str = "SK-demo"

    def driver(self, *, region: str | None = None, secret_key: str | None = None) -> SimDriver:
        credentials = {"access_key": self.access_key, "secret_key": secret_key or self.secret_key}
        config = AccountConfig(cloud="sim", endpoint=self.cloud.endpoint, region=region, credentials=credentials)
        return SimDriver(config)


def make_world(*, seed: int = 0, page_size: int = 10, quotas: dict[str, int] | None = None) -> SimWorld:
    """A registered world; whoever makes one unregisters its endpoint."""
    clock = SimClock(START)
    cloud = register(SimCloud(f"sim://test-{next(_endpoints)}", seed=seed, clock=clock, page_size=page_size))
    world = SimWorld(clock, cloud)
    cloud.add_account(world.access_key, world.secret_key, world.project, quotas)
    return world
