"""Fixtures for the GCE front-end: an account on the quick sim, a gateway token, and the unmodified Google
clients pointed at the gateway's /compute/v1 with it (google-api-python-client with its bundled discovery
document, google-cloud-compute over REST)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import google.oauth2.credentials
import pytest
from googleapiclient import discovery

from cloudgate.core.auth import ADMIN_ID
from cloudgate.drivers.sim import SimCloud
from tests.api.conftest import ADMIN_SECRET
from tests.frontends.conftest import ADMIN, Served


@dataclass
class GceWorld:
    served: Served
    cloud: SimCloud
    account: str
    project: str  # the account's name, as the URL names it
    token: str

    @property
    def endpoint(self) -> str:
        return f"{self.served.url}/compute/v1/"

    def compute(self, token: str | None = None) -> Any:
        """google-api-python-client's Compute service, as a user builds it against another endpoint."""
        credentials = google.oauth2.credentials.Credentials(token=token or self.token)
        return discovery.build("compute", "v1", credentials=credentials, static_discovery=True, cache_discovery=False,
                               client_options={"api_endpoint": self.endpoint})  # fmt: skip


async def gce_world(served: Served, cloud: SimCloud, key: str = "AK-A") -> GceWorld:
    account = await served.account(cloud, key)
    view = await served.gateway.core.accounts.get(ADMIN, account)
    issued = await served.gateway.core.auth.issue_token(ADMIN_ID, ADMIN_SECRET)
    return GceWorld(served, cloud, account, view.row.name or account, issued.token)


@pytest.fixture
async def gce(served: Served, quick_sim: SimCloud) -> GceWorld:
    return await gce_world(served, quick_sim)
