"""Fixtures for the OpenStack front-end: a client of the gateway (a keystone user) that proved a sim project
(an account), and unmodified openstacksdk connections to the gateway's keystone as that user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import openstack
import pytest

from cloudgate.core import Caller
from cloudgate.drivers.sim import SimCloud
from tests.frontends.conftest import ADMIN, Served


@dataclass
class OpenStackWorld:
    served: Served
    cloud: SimCloud
    user: str  # the client's name
    password: str
    project: str  # the account's id
    project_name: str

    @property
    def auth_url(self) -> str:
        return f"{self.served.url}/openstack/identity"

    def connect(self, **overrides: Any) -> openstack.connection.Connection:
        auth = {"auth_url": self.auth_url, "username": self.user, "password": self.password,
                "project_name": self.project_name, "user_domain_name": "Default", "project_domain_name": "Default",
                **overrides}  # fmt: skip
        return openstack.connect(auth=auth, identity_api_version="3", interface="public")


@pytest.fixture
async def stack(served: Served, quick_sim: SimCloud) -> OpenStackWorld:
    row, secret = await served.gateway.core.auth.create_client(ADMIN, "alice")
    alice = Caller(
        await served.gateway.core.auth.authenticate((await served.gateway.core.auth.issue_token(row.id, secret)).token)
    )
    account = await served.account(quick_sim, "AK-A", caller=alice)
    await served.account(quick_sim, "AK-B")  # the admin's only: alice never proved it
    view = await served.gateway.core.accounts.get(alice, account)
    return OpenStackWorld(served, quick_sim, "alice", secret, account, view.row.name or account)
