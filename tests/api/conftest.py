"""Fixtures for the HTTP API: a gateway over a fresh SQLite store and a simulated cloud, an app over it,
and callers (admin, alice, bob) that hold tokens."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from cloudgate.app import Gateway, create_app
from cloudgate.drivers.sim import SimClock, SimCloud, register, unregister
from cloudgate.drivers.sim.lifecycle import Delays
from cloudgate.model import Kind
from cloudgate.settings import Settings

ADMIN_SECRET = "admin-secret-for-api-tests"
T = TypeVar("T")


def api_settings(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir, "database_url": f"sqlite+aiosqlite:///{data_dir}/db.sqlite", "run_poller": False,
        "fast_poll_interval": 0.05, "admin_secret": ADMIN_SECRET, "sse_heartbeat_seconds": 0.2,
    }  # fmt: skip
    return Settings(**{**values, **overrides})


async def eventually(probe: Callable[[], Awaitable[T]], *, what: str, timeout: float = 10.0) -> T:
    """Re-run `probe` until it returns something truthy; fail after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await probe()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)  # the pace of re-checking, not a synchronisation


@dataclass
class Caller:
    """One API client holding a token."""

    http: httpx.AsyncClient
    client_id: str
    secret: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def another_token(self) -> Caller:
        """The same client with a second token of its own."""
        return Caller(self.http, self.client_id, self.secret, await issue_token(self.http, self.client_id, self.secret))

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return await self.http.request(method, url, headers=headers, **kwargs)

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PUT", url, **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PATCH", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", url, **kwargs)


async def issue_token(http: httpx.AsyncClient, client_id: str, secret: str) -> str:
    response = await http.post("/v1/tokens", json={"client_id": client_id, "secret": secret})
    assert response.status_code == 201, response.text
    return response.json()["token"]


async def new_client(admin: Caller, name: str) -> tuple[str, str]:
    """(client id, secret) of a new non-admin client."""
    response = await admin.post("/v1/clients", json={"name": name})
    assert response.status_code == 201, response.text
    body = response.json()
    return body["id"], body["secret"]


async def sync_account(gateway: Gateway, account_id: str) -> None:
    """Poll every kind of the account once, so the store holds what the cloud has."""
    for kind in Kind:
        result = await gateway.poller.poll(account_id, kind)
        assert result.ok, result.error


@pytest.fixture
def sim() -> Iterator[SimCloud]:
    """A simulated cloud with a manual clock, at an endpoint of its own, with projects a and b."""
    cloud = register(SimCloud(f"sim-api-{secrets.token_hex(6)}", clock=SimClock(time.time())))
    cloud.add_account("AK-A", "SK-A", "project-a")
    cloud.add_account("AK-B", "SK-B", "project-b")
    yield cloud
    unregister(cloud.endpoint)


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Gateway]:
    opened = await Gateway.open(api_settings(tmp_path))
    await opened.start()
    yield opened
    await opened.close()


@pytest.fixture
def app(gateway: Gateway) -> FastAPI:
    return create_app(gateway=gateway)


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


@pytest.fixture
async def admin(http: httpx.AsyncClient) -> Caller:
    return Caller(http, "admin", ADMIN_SECRET, await issue_token(http, "admin", ADMIN_SECRET))


@pytest.fixture
async def alice(http: httpx.AsyncClient, admin: Caller) -> Caller:
    client_id, secret = await new_client(admin, "alice")
    return Caller(http, client_id, secret, await issue_token(http, client_id, secret))


@pytest.fixture
async def bob(http: httpx.AsyncClient, admin: Caller) -> Caller:
    client_id, secret = await new_client(admin, "bob")
    return Caller(http, client_id, secret, await issue_token(http, client_id, secret))


def account_body(sim: SimCloud, project: str) -> dict[str, Any]:
    key = project[-1].upper()
    return {"cloud": "sim", "endpoint": sim.endpoint, "credentials": {"access_key": f"AK-{key}", "secret_key": f"SK-{key}"}}


async def register_account(caller: Caller, gateway: Gateway, sim: SimCloud, project: str) -> str:
    response = await caller.post("/v1/accounts", json=account_body(sim, project))
    assert response.status_code == 201, response.text
    account_id = response.json()["id"]
    await sync_account(gateway, account_id)
    return account_id


@pytest.fixture
async def alice_account(alice: Caller, gateway: Gateway, sim: SimCloud) -> str:
    return await register_account(alice, gateway, sim, "project-a")


@pytest.fixture
async def bob_account(bob: Caller, gateway: Gateway, sim: SimCloud) -> str:
    return await register_account(bob, gateway, sim, "project-b")


async def finished_operation(caller: Caller, operation_id: str, *, timeout: float = 10.0) -> dict[str, Any]:
    """The operation once it succeeded or failed."""

    async def probe() -> dict[str, Any] | None:
        response = await caller.get(f"/v1/operations/{operation_id}")
        assert response.status_code == 200, response.text
        body = response.json()
        return body if body["state"] in ("succeeded", "failed") else None

    return await eventually(probe, what=f"operation {operation_id} to finish", timeout=timeout)


async def feed_position(caller: Caller) -> int:
    """The seq after which the caller's next event will come."""
    after = 0
    while True:
        page = (await caller.get("/v1/events", params={"after": after})).json()
        if not page["events"]:
            return after
        after = page["next_after"]


async def only_id(caller: Caller, collection: str, **filters: str) -> str:
    items = (await caller.get(f"/v1/{collection}", params=filters)).json()["items"]
    assert len(items) == 1, items
    return items[0]["id"]


async def instance_spec(caller: Caller, account_id: str, name: str) -> dict[str, Any]:
    """A create request for a small instance, naming the catalog by gateway ids."""
    return {
        "account": account_id, "name": name, "tags": {"role": "web"},
        "flavor": await only_id(caller, "flavors", name="s1.tiny"),
        "image": await only_id(caller, "images", name="ubuntu-24.04"),
        "datacenter": await only_id(caller, "datacenters", name="sim-east-a"),
    }  # fmt: skip


@pytest.fixture
async def live_url(app: FastAPI) -> AsyncIterator[str]:
    """The app served by uvicorn on 127.0.0.1 (a free port), for what must stream: Server-Sent Events."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())

    async def started() -> bool:
        if serving.done():
            serving.result()  # startup failed: raise why
        return server.started

    await eventually(started, what="uvicorn to start")
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await serving


async def sse_messages(response: httpx.Response) -> AsyncIterator[dict[str, str]]:
    """Server-Sent Events messages as {field: value}; a comment line comes as {"comment": text}."""
    message: dict[str, str] = {}
    async for line in response.aiter_lines():
        if not line:
            if message:
                yield message
            message = {}
        elif line.startswith(":"):
            yield {"comment": line[1:].strip()}
        else:
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            message[field] = f"{message[field]}\n{value}" if field in message else value


# Resources settle at once: these tests follow operations to their end, not the clouds' timing.
INSTANT = Delays(**{f.name: 0.0 for f in fields(Delays)})


@pytest.fixture
def two_clouds() -> Iterator[tuple[SimCloud, SimCloud]]:
    """Two simulated clouds on real time, each at an endpoint of its own, with a project-a each."""
    made = []
    for _ in range(2):
        cloud = register(SimCloud(f"sim-scope-{secrets.token_hex(6)}", clock=SimClock.real(), delays=INSTANT))
        cloud.add_account("AK-A", "SK-A", "project-a")
        made.append(cloud)
    yield made[0], made[1]
    for cloud in made:
        unregister(cloud.endpoint)


@pytest.fixture
async def clouds(alice: Caller, gateway: Gateway, two_clouds: tuple[SimCloud, SimCloud]) -> dict[str, str]:
    """Alice's two accounts, one per cloud, aliased CloudOne and CloudTwo: {alias: account id}."""
    ids = {}
    for alias, cloud in zip(("CloudOne", "CloudTwo"), two_clouds, strict=True):
        response = await alice.post("/v1/accounts", json={**account_body(cloud, "project-a"), "alias": alias})
        assert response.status_code == 201, response.text
        assert response.json()["alias"] == alias
        ids[alias] = response.json()["id"]
        await sync_account(gateway, ids[alias])
    return ids


def scoped(scope: dict[str, str]) -> dict[str, str]:
    return {"X-Cloudgate-Scope": json.dumps(scope)}


async def created(caller: Caller, gateway: Gateway, collection: str, body: dict[str, Any]) -> dict[str, Any]:
    """A resource made through /v1, once its operation succeeded, as the store then shows it."""
    response = await caller.post(f"/v1/{collection}", json=body)
    assert response.status_code == 202, response.text
    done = await finished_operation(caller, response.json()["operation"]["id"])
    assert done["state"] == "succeeded", done
    return (await caller.get(f"/v1/{collection}/{response.json()['resource']['id']}")).json()


def instance_body(**extra: Any) -> dict[str, Any]:
    """A machine's create body on a sim cloud, with `extra` fields."""
    return {"name": "web", "flavor": "s1.tiny", "image": "debian-12", "datacenter": "sim-east-a", **extra}
