"""Fixtures for the CloudStack front-end: an account on the quick sim, an API key for it, and the unmodified
`cs` clients (sync and asyncio) pointed at the gateway's /client/api with that key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from cs import AIOCloudStack, CloudStack

from cloudgate.drivers.sim import SimCloud
from tests.frontends.conftest import ADMIN, Served

POLL = 0.1  # how often `cs` asks for a job's result


@dataclass
class CsWorld:
    served: Served
    cloud: SimCloud
    account: str
    key: str
    secret: str

    @property
    def endpoint(self) -> str:
        return f"{self.served.url}/client/api"

    def client(self, **overrides: Any) -> CloudStack:
        settings = {"endpoint": self.endpoint, "key": self.key, "secret": self.secret, "poll_interval": POLL,
                    "job_timeout": 60, "fetch_result": True, **overrides}  # fmt: skip
        return CloudStack(**settings)

    def aio_client(self, **overrides: Any) -> AIOCloudStack:
        settings = {"endpoint": self.endpoint, "key": self.key, "secret": self.secret, "poll_interval": POLL,
                    "job_timeout": 60, "fetch_result": True, **overrides}  # fmt: skip
        return AIOCloudStack(**settings)


async def cs_world(served: Served, cloud: SimCloud) -> CsWorld:
    """Project a of `cloud` registered with the served gateway, and an API key for it."""
    account = await served.account(cloud, "AK-A")
    view, secret = await served.gateway.core.credentials.issue(ADMIN, account, name="cs")
    return CsWorld(served, cloud, account, view.id, secret)


@pytest.fixture
async def cloudstack(served: Served, quick_sim: SimCloud) -> CsWorld:
    return await cs_world(served, quick_sim)
