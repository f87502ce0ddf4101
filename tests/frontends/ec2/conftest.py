"""Fixtures for the EC2 front-end: an account on the quick sim, an access key for it, and an unmodified
boto3 EC2 client pointed at the gateway's /ec2 with that key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from cloudgate.drivers.sim import SimCloud
from tests.frontends.conftest import ADMIN, Served


@dataclass
class Ec2World:
    served: Served
    cloud: SimCloud
    account: str
    key_id: str
    secret: str
    region: str

    def client(self, **overrides: Any) -> Any:
        settings = {"endpoint_url": f"{self.served.url}/ec2", "region_name": self.region,
                    "aws_access_key_id": self.key_id, "aws_secret_access_key": self.secret, **overrides}  # fmt: skip
        return boto3.client("ec2", **settings)


@pytest.fixture
async def ec2(served: Served, quick_sim: SimCloud) -> Ec2World:
    account = await served.account(quick_sim, "AK-A")
    view, secret = await served.gateway.core.credentials.issue(ADMIN, account, name="boto3")
    return Ec2World(served, quick_sim, account, view.id, secret, quick_sim.regions[0])
