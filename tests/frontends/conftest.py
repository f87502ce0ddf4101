"""Fixtures for the foreign front-ends: a gateway over a simulated cloud on real time (short transitions,
so the clients' own waiters work), served by uvicorn on 127.0.0.1 with every front-end mounted."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.types import ASGIApp

from cloudgate.app import Gateway, create_app
from cloudgate.app.front_ends import FrontEnds
from cloudgate.core import Caller, Core, Principal
from cloudgate.core.auth import ADMIN_ID
from cloudgate.drivers.sim import Delays, SimClock, SimCloud, register, unregister
from cloudgate.errors import NotReady
from tests.api.conftest import api_settings, eventually
from tests.drivers.test_cloudstack import API_KEY, SECRET
from tests.drivers.test_gce import RECORDED_IMAGE_PROJECTS
from tests.frontends.scoped import TwoClouds, two_clouds_world
from tests.services.replay import GCE_PROJECT, GCE_TOKEN, ReplayServer

QUICK = Delays(boot=0.3, stop=0.3, start=0.3, reboot=0.2, terminate=0.3, linger=30.0, volume_create=0.2, attach=0.2,
               detach=0.2, volume_delete=0.2, snapshot=0.3, snapshot_delete=0.2, image=0.4, image_delete=0.2, subnet=0.2)  # fmt: skip
ADMIN = Caller(Principal(ADMIN_ID, "admin", True))


@contextmanager
def quick_cloud() -> Iterator[SimCloud]:
    """A simulated cloud on real time with quick transitions, with projects a and b; unregistered after."""
    cloud = register(SimCloud(f"sim-fe-{secrets.token_hex(4)}", clock=SimClock.real(), delays=QUICK))
    cloud.add_account("AK-A", "SK-A", "project-a")
    cloud.add_account("AK-B", "SK-B", "project-b")
    yield cloud
    unregister(cloud.endpoint)


@pytest.fixture
def quick_sim() -> Iterator[SimCloud]:
    with quick_cloud() as cloud:
        yield cloud


@dataclass
class Served:
    """A gateway, served with every front-end at `url`."""

    gateway: Gateway
    url: str

    async def account(self, cloud: SimCloud, key: str, caller: Caller = ADMIN) -> str:
        """Register (and list once) the sim project whose access key is `key`; its account id."""
        view, _created = await self.gateway.core.accounts.register(
            caller, cloud="sim", endpoint=cloud.endpoint, region=None,
            credentials={"access_key": key, "secret_key": key.replace("AK", "SK")},
        )  # fmt: skip
        for kind in sorted((await self.gateway.pool.get(view.row.id))[0].capabilities.kinds):
            assert (await self.gateway.poller.poll(view.row.id, kind)).ok
        return view.row.id


def whole_app(gateway: Gateway) -> ASGIApp:
    """Every front-end over `gateway`, as `cloudgate serve` serves them."""
    return create_app(gateway=gateway)


class ReopeningGateway:
    """The front-ends' core source, over a gateway that can close for one request and open again (a restart
    seen from the app): closed, it raises NotReady, as `create_app`'s source does until its gateway opens."""

    def __init__(self) -> None:
        self._gateway: Gateway | None = None
        self._closes_after: int | None = None

    def front_ends(self, gateway: Gateway) -> FrontEnds:
        """Every front-end over `gateway`, through this source."""
        self._gateway = gateway
        return FrontEnds(self, gateway.settings)

    def close_after(self, answered: int) -> None:
        """Let `answered` more requests through, close for the one after, then open again."""
        self._closes_after = answered

    def __call__(self) -> Core:
        if self._closes_after is not None:
            self._closes_after -= 1
            if self._closes_after < 0:
                self._closes_after = None
                raise NotReady("the gateway is not open")
        if self._gateway is None:
            raise NotReady("the gateway is not open")
        return self._gateway.core


def replayed(replay: ReplayServer, cloud: str) -> dict[str, Any]:
    """How to register the account of a replayed cloud (`cloudstack` or `gce`) with the gateway."""
    registrations = {
        "cloudstack": {"endpoint": f"{replay.url}/cloudstack/default", "region": None,
                       "credentials": {"api_key": API_KEY, "secret_key": SECRET}},
        "gce": {"endpoint": f"{replay.url}/gce/default/compute/v1/", "region": None,
                "credentials": {"access_token": GCE_TOKEN, "project": GCE_PROJECT},
                "options": {"image_projects": RECORDED_IMAGE_PROJECTS}},
    }  # fmt: skip
    return registrations[cloud]


@asynccontextmanager
async def serving(data_dir: Path, app: Callable[[Gateway], ASGIApp] = whole_app) -> AsyncIterator[Served]:
    """A gateway on a store in `data_dir`, `app(gateway)` served by uvicorn on 127.0.0.1; closed after."""
    gateway = await Gateway.open(api_settings(data_dir, fast_poll_interval=0.05))
    await gateway.start()
    config = uvicorn.Config(app(gateway), host="127.0.0.1", port=0, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    serves = asyncio.create_task(server.serve())

    async def started() -> bool:
        if serves.done():
            serves.result()
        return server.started

    await eventually(started, what="uvicorn to start")
    port = server.servers[0].sockets[0].getsockname()[1]
    yield Served(gateway, f"http://127.0.0.1:{port}")
    server.should_exit = True
    await serves
    await gateway.close()


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    async with serving(tmp_path) as served_gateway:
        yield served_gateway


@pytest.fixture
async def two_clouds(served: Served) -> AsyncIterator[TwoClouds]:
    """Accounts aliased CloudOne and CloudTwo on two quick simulated endpoints (see tests.frontends.scoped)."""
    with quick_cloud() as one, quick_cloud() as two:
        yield await two_clouds_world(served, one, two)
