"""Gateways for benchmarks: settings that keep request budgets out of the figures, sim accounts to fill them,
and the admin's token over HTTP."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

import httpx

from cloudgate.core import Caller, Principal
from cloudgate.core.auth import ADMIN_ID
from cloudgate.app import Gateway
from cloudgate.drivers import sim
from cloudgate.drivers.sim import SimCloud
from cloudgate.model import Kind
from cloudgate.settings import Settings

ADMIN_SECRET = "bench-admin-secret"
ADMIN = Caller(Principal(ADMIN_ID, "admin", True))
# Populated resources are not counted against quotas, but what the gateway creates is.
UNLIMITED = {"instances": 10**7, "cores": 10**8, "volumes": 10**7, "volume_gb": 10**9, "snapshots": 10**7}


def bench_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings over a SQLite store in `data_dir`: poller off unless asked, request budgets far above what a
    run spends; the rest at their defaults, or as CLOUDGATE_* variables set them (the run records their names)."""
    values: dict[str, Any] = {
        "data_dir": data_dir, "database_url": None, "admin_secret": ADMIN_SECRET, "run_poller": False,
        "account_requests_per_second": 1e6, "account_request_burst": 10**6,
    }  # fmt: skip
    return Settings(**{**values, **overrides})


async def add_sim_account(gateway: Gateway, cloud: SimCloud, project: str, **populate: int) -> str:
    """Create `project` on `cloud` filled with `populate` (servers=…, volumes=…) and register it; its account id."""
    key, secret = f"{project}-key", f"{project}-secret"
    cloud.add_account(key, secret, project, quotas=UNLIMITED)
    if populate:
        cloud.populate(project, cloud.regions[0], **populate)
    view, _created = await gateway.core.accounts.register(
        ADMIN, cloud="sim", endpoint=cloud.endpoint, region=None, credentials={"access_key": key, "secret_key": secret}
    )
    return view.row.id


async def poll(gateway: Gateway, account_id: str, kinds: tuple[Kind, ...] = tuple(Kind)) -> None:
    """List each kind of the account once into the store; a failed poll ends the benchmark."""
    for kind in kinds:
        result = await gateway.poller.poll(account_id, kind)
        if not result.ok:
            raise RuntimeError(f"polling {kind.value} of {account_id} failed: {result.error}")


async def fill_store(data_dir: Path, instances: int) -> tuple[str, int]:
    """Store a sim account of `instances` instances (one poll: one created event each) in `data_dir`, for a
    server to answer from; (its account id, the sequence number of the last event)."""
    cloud = sim.register(
        SimCloud(f"sim://bench-{secrets.token_hex(4)}", clock=sim.SimClock(time.time()), page_size=1000)
    )
    gateway = await Gateway.open(bench_settings(data_dir))
    try:
        account = await add_sim_account(gateway, cloud, "bench", servers=instances)
        await poll(gateway, account, (Kind.INSTANCE,))
        return account, await gateway.core.events.head()
    finally:
        await gateway.close()
        sim.unregister(cloud.endpoint)


async def admin_token(http: httpx.AsyncClient) -> str:
    response = await http.post("/v1/tokens", json={"client_id": ADMIN_ID, "secret": ADMIN_SECRET})
    response.raise_for_status()
    return response.json()["token"]
