"""Shared fixtures: each real service starts once per session; every test gets its own database."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cloudgate.core import Caller, Principal
from cloudgate.core.auth import ADMIN_ID
from cloudgate.app import Gateway
from cloudgate.drivers import sim
from cloudgate.drivers.sim import SimClock, SimCloud
from cloudgate.model import Kind, ResourceRecord
from cloudgate.settings import Settings
from cloudgate.store import outbox
from cloudgate.store import resources as resource_rows
from tests.services import certs, postgres


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[postgres.PostgresServer]:
    if not postgres.available():
        pytest.fail("PostgreSQL is not installed: run scripts/install-test-services (CI does)")
    server = postgres.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def certificates(tmp_path_factory) -> certs.Certificates:
    """A test CA with a server certificate for 127.0.0.1 and a client certificate, and a CA that signed neither."""
    return certs.make(tmp_path_factory.mktemp("certs"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request, tmp_path) -> AsyncIterator[str]:
    """A fresh, empty database on each backend the store supports."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/store.sqlite"
        return
    server: postgres.PostgresServer = request.getfixturevalue("postgres_server")
    url = await server.create_database()
    yield url
    await server.drop_database(url)


async def until(check: Callable[[], Awaitable[Any]], *, within: float, what: str) -> Any:
    """Ask `check` again and again until it answers something true, which is returned; fail after `within`
    seconds saying `what` never happened."""
    give_up = time.monotonic() + within
    while not (answer := await check()):
        assert time.monotonic() < give_up, f"{what} did not happen within {within} s"
        await asyncio.sleep(0.01)  # asking again soon: the condition is what is waited on
    return answer


@dataclass
class SimWorld:
    """A gateway on a fresh store, beside a fresh simulated cloud on a manual clock."""

    gateway: Gateway
    cloud: SimCloud
    admin: Caller

    @property
    def clock(self) -> SimClock:
        return self.cloud.clock

    async def account(self, project: str = "p1", **register: Any) -> str:
        """Create `project` on the cloud (once) and register it with the gateway as admin; its account id."""
        key = f"{project}-key"
        with contextlib.suppress(ValueError):
            self.cloud.add_account(key, f"{project}-secret", project)
        view, _created = await self.gateway.core.accounts.register(
            self.admin, cloud="sim", endpoint=self.cloud.endpoint, region=register.pop("region", None),
            credentials={"access_key": key, "secret_key": f"{project}-secret"}, **register,
        )  # fmt: skip
        return view.row.id

    async def poll_all(self, account_id: str) -> list:
        driver, _ref = await self.gateway.pool.get(account_id)
        return [await self.gateway.poller.poll(account_id, kind) for kind in sorted(driver.capabilities.kinds)]

    async def instance_spec(self, account_id: str, name: str = "vm") -> dict[str, Any]:
        """A valid instance create spec from what the gateway stores (gateway ids for references)."""
        records = await self.stored()
        flavor = next(r for r in records if r.kind == Kind.FLAVOR and r.scope == account_id and r.name == "s1.small")
        image = next(r for r in records if r.kind == Kind.IMAGE and r.public and r.name == "debian-12")
        zone = next(r for r in records if r.kind == Kind.DATACENTER and r.scope == account_id and r.attrs.get("type") == "zone")
        return {"account": account_id, "name": name, "flavor": flavor.id, "image": image.id, "datacenter": zone.id}

    async def settle(self, step: float = 5.0, deadline: float = 30.0) -> None:
        """Move the cloud's clock on in steps until every gateway operation has finished."""
        give_up = time.monotonic() + deadline
        while not await self.gateway.core.operations.wait_idle(timeout=0.05):
            assert time.monotonic() < give_up, "operations did not settle"
            self.clock.advance(step)

    async def stored(self, scope: str | None = None) -> list[ResourceRecord]:
        async with self.gateway.store.read() as conn:
            records = await resource_rows.all_records(conn)
        return [r for r in records if scope is None or r.scope == scope]

    async def events(self) -> list:
        async with self.gateway.store.read() as conn:
            return await outbox.read_after(conn, 0, scopes=None, limit=10**9)


def sim_settings(tmp_path: Path, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"data_dir": tmp_path, "database_url": database_url, "run_poller": False,
                              "fast_poll_interval": 0.01, "admin_secret": "admin-secret", "breaker_threshold": 3,
                              "account_requests_per_second": 1000.0, "account_request_burst": 1000}  # fmt: skip
    return Settings(**{**values, **overrides})


@pytest.fixture
async def sim_gateway(database_url, tmp_path) -> AsyncIterator[SimWorld]:
    cloud = sim.register(sim.SimCloud(f"sim://{secrets.token_hex(4)}", seed=7, clock=sim.SimClock(time.time())))
    gateway = await Gateway.open(sim_settings(tmp_path, database_url))
    await gateway.start()
    yield SimWorld(gateway, cloud, Caller(Principal(ADMIN_ID, "admin", True)))
    await gateway.close()
    sim.unregister(cloud.endpoint)
