"""Fixtures for the gateway over a real OpenStack (scripts/openstack-dev, once per session): a gateway
on a fresh store, its HTTP API through httpx, and callers alice and bob, each holding the account of
their own OpenStack project.

The gateway's poller does not run on its own schedule here: operations poll what they change, and
tests poll for what changes behind the gateway's back, so that every poll happens when a test says."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from cloudgate.app import create_app
from cloudgate.app import Gateway
from cloudgate.drivers.openstack import OpenStackDriver
from cloudgate.model import Kind
from tests.api.conftest import ADMIN_SECRET, Caller, api_settings, finished_operation, issue_token, new_client
from tests.services.openstack import OpenStackCloud, openstack_cloud  # noqa: F401 - the session fixture

@pytest.fixture
async def gateway(tmp_path: Path, openstack_cloud: OpenStackCloud) -> AsyncIterator[Gateway]:  # noqa: F811
    settings = api_settings(
        tmp_path, fast_poll_interval=0.25, account_requests_per_second=50.0, account_request_burst=50,
        # OpenStack lists what it has just made at once: a resource the gateway made and someone
        # else deleted need not be kept for the default two minutes.
        consistency_grace_seconds=3.0,
    )  # fmt: skip
    opened = await Gateway.open(settings)
    await opened.start()
    yield opened
    await opened.close()


@pytest.fixture
async def http(gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(gateway=gateway)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=60) as client:
        yield client


@pytest.fixture
async def admin(http: httpx.AsyncClient) -> Caller:
    return Caller(http, "admin", ADMIN_SECRET, await issue_token(http, "admin", ADMIN_SECRET))


async def new_caller(http: httpx.AsyncClient, admin: Caller, name: str) -> Caller:
    client_id, secret = await new_client(admin, name)
    return Caller(http, client_id, secret, await issue_token(http, client_id, secret))


@pytest.fixture
async def alice(http: httpx.AsyncClient, admin: Caller) -> Caller:
    return await new_caller(http, admin, "alice")


@pytest.fixture
async def bob(http: httpx.AsyncClient, admin: Caller) -> Caller:
    return await new_caller(http, admin, "bob")


def account_body(cloud: OpenStackCloud, credentials: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {"cloud": "openstack", "endpoint": cloud.auth_url, "credentials": credentials, **extra}


async def register(caller: Caller, gateway: Gateway, cloud: OpenStackCloud, project: str) -> str:
    """Register the project's account with the user's password; synced once, every kind."""
    response = await caller.post("/v1/accounts", json=account_body(cloud, cloud.password_credentials(project)))
    assert response.status_code in (200, 201), response.text
    account_id = response.json()["id"]
    for kind in Kind:
        result = await gateway.poller.poll(account_id, kind)
        assert result.ok, result.error
    return account_id


@pytest.fixture
async def alice_account(alice: Caller, gateway: Gateway, openstack_cloud: OpenStackCloud) -> str:  # noqa: F811
    return await register(alice, gateway, openstack_cloud, "project-a")


@pytest.fixture
async def bob_account(bob: Caller, gateway: Gateway, openstack_cloud: OpenStackCloud) -> str:  # noqa: F811
    return await register(bob, gateway, openstack_cloud, "project-b")


async def only(caller: Caller, collection: str, **filters: str) -> dict[str, Any]:
    items = (await caller.get(f"/v1/{collection}", params=filters)).json()["items"]
    assert len(items) == 1, items
    return items[0]


async def instance_spec(caller: Caller, account_id: str, name: str, **extra: Any) -> dict[str, Any]:
    """A small instance on the shared subnet, naming the seeded catalog by gateway ids."""
    return {
        "account": account_id, "name": name,
        "flavor": (await only(caller, "flavors", name="m1.tiny", account=account_id))["id"],
        "image": (await only(caller, "images", name="cirros-fake"))["id"],
        "datacenter": (await only(caller, "datacenters", name="nova", account=account_id))["id"],
        "subnet": (await only(caller, "subnets", name="shared-subnet", account=account_id))["id"], **extra,
    }  # fmt: skip


async def done(caller: Caller, response: httpx.Response) -> dict[str, Any]:
    """The accepted operation of `response`, once it has succeeded."""
    assert response.status_code == 202, response.text
    operation = await finished_operation(caller, response.json()["operation"]["id"], timeout=120.0)
    assert operation["state"] == "succeeded", operation
    return operation


async def events_until(
    caller: Caller, after: int, until: Callable[[dict[str, Any]], bool], *, timeout: float = 120.0
) -> list[dict[str, Any]]:
    """The caller's events after `after` (long-polling the feed), up to the first that `until` accepts."""
    seen: list[dict[str, Any]] = []
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        page = (await caller.get("/v1/events", params={"after": after, "wait": 5})).json()
        for event in page["events"]:
            seen.append(event)
            if until(event):
                return seen
        after = page["next_after"]
    raise AssertionError(f"no such event; saw {[(e['type'], e['kind'], e['resource']['state']) for e in seen]}")


async def polled_until(
    gateway: Gateway, caller: Caller, account_id: str, kind: Kind, after: int, until: Callable[[dict[str, Any]], bool],
    *, timeout: float = 120.0,
) -> list[dict[str, Any]]:
    """Poll (account, kind) and read the caller's events after `after`, until one that `until` accepts."""
    seen: list[dict[str, Any]] = []
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        result = await gateway.poller.poll(account_id, kind)
        assert result.ok, result.error
        page = (await caller.get("/v1/events", params={"after": after})).json()
        for event in page["events"]:
            seen.append(event)
            if until(event):
                return seen
        after = page["next_after"]
        await asyncio.sleep(0.5)  # the pace of polling the cloud, not a synchronisation
    raise AssertionError(f"no such event; saw {[(e['type'], e['kind'], e['resource']['state']) for e in seen]}")


async def driver_token(gateway: Gateway, account_id: str) -> str:
    """The keystone token the account's live driver holds now."""
    driver, _ref = await gateway.pool.get(account_id)
    assert isinstance(driver, OpenStackDriver)
    return await driver._connection.run(lambda conn: conn.auth_token)
