"""Fixtures for EC2 behind the whole gateway: moto once per session, a gateway over SQLite that
knows the `ec2` cloud type, the HTTP API over it, and clients (alice, bob) with moto accounts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cloudgate.app import create_app
from cloudgate.app import Gateway
from cloudgate.model import Kind
from tests.api.conftest import ADMIN_SECRET, Caller, api_settings, issue_token, new_client
from tests.services.moto import REGION, MotoAccount, MotoServer, moto_server  # noqa: F401

# moto describes all 1,395 instance types in seconds: the accounts list a few as flavors.
OPTIONS = {"instance_types": ["t3.*"]}
FAST_POLLS = {kind.value: 3600.0 for kind in Kind} | {Kind.INSTANCE.value: 0.2, Kind.VOLUME.value: 0.2}


def account_body(server: MotoServer, credentials: dict[str, str]) -> dict[str, Any]:
    return {"cloud": "ec2", "endpoint": server.endpoint, "region": REGION, "credentials": credentials,
            "options": OPTIONS}  # fmt: skip


@pytest.fixture
async def gateway(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Gateway]:
    """A gateway over a fresh SQLite store; settings overrides come as the indirect parameter
    (without them the poller runs only when an operation or a test asks it to)."""
    opened = await Gateway.open(api_settings(tmp_path, **getattr(request, "param", {})))
    await opened.start()
    yield opened
    await opened.close()


@pytest.fixture
async def http(gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(gateway=gateway)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


@pytest.fixture
async def admin(http: httpx.AsyncClient) -> Caller:
    return Caller(http, "admin", ADMIN_SECRET, await issue_token(http, "admin", ADMIN_SECRET))


async def new_caller(admin: Caller, name: str) -> Caller:
    client_id, secret = await new_client(admin, name)
    return Caller(admin.http, client_id, secret, await issue_token(admin.http, client_id, secret))


@pytest.fixture
async def alice(admin: Caller) -> Caller:
    return await new_caller(admin, "alice")


@pytest.fixture
async def bob(admin: Caller) -> Caller:
    return await new_caller(admin, "bob")


@pytest.fixture
def alice_aws(moto_server: MotoServer) -> MotoAccount:  # noqa: F811
    return moto_server.new_account()


@pytest.fixture
def bob_aws(moto_server: MotoServer) -> MotoAccount:  # noqa: F811
    return moto_server.new_account()
