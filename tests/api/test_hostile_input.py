"""What JSON or the databases cannot hold (NaN, Infinity, lone surrogates, NUL characters) is refused
as bad input, on both store backends: never a 500 from deep in the store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from cloudgate.app import create_app
from cloudgate.app import Gateway
from cloudgate.drivers.sim import SimCloud
from tests.api.conftest import ADMIN_SECRET, Caller, account_body, api_settings, issue_token

JSON = {"content-type": "application/json"}
MALFORMED = (400, "malformed_json")
INVALID = (422, "invalid_request")


@pytest.fixture
async def admin_on(database_url: str, tmp_path: Path) -> AsyncIterator[Caller]:
    """The admin, on a gateway over the parametrized backend."""
    gateway = await Gateway.open(api_settings(tmp_path, database_url=database_url))
    try:
        transport = httpx.ASGITransport(app=create_app(gateway=gateway))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield Caller(http, "admin", ADMIN_SECRET, await issue_token(http, "admin", ADMIN_SECRET))
        await gateway.core.operations.wait_idle()
    finally:
        await gateway.close()


async def test_values_json_or_the_store_cannot_hold_are_refused(admin_on: Caller, sim: SimCloud):
    account = (await admin_on.post("/v1/accounts", json=account_body(sim, "project-a"))).json()["id"]
    created = await admin_on.post("/v1/keypairs", json={"account": account, "name": "k"})
    keypair = created.json()["resource"]["id"]
    spec = b'{"account": "%s", ' % account.encode()
    attempts: list[tuple[str, str, bytes | None, tuple[int, str]]] = [
        ("POST", "/v1/keypairs", spec + b'"name": "k", "extra": NaN}', MALFORMED),
        ("POST", "/v1/keypairs", spec + b'"name": "k", "extra": [Infinity]}', MALFORMED),
        ("POST", "/v1/keypairs", spec + b'"name": "k", "extra": 1e400}', MALFORMED),
        ("POST", "/v1/keypairs", spec + b'"name": "\\ud800"}', MALFORMED),
        ("POST", "/v1/keypairs", spec + b'"name": "nul\\u0000"}', INVALID),
        ("POST", "/v1/keypairs", spec + b'"name": "k", "tags": {"a\\u0000": "b"}}', INVALID),
        ("POST", "/v1/accounts", b'{"cloud": "sim", "endpoint": "x\\u0000", "credentials": {}}', INVALID),
        ("POST", "/v1/accounts", b'{"cloud": "sim", "endpoint": "e", "credentials": {}, "options": {"a": NaN}}', MALFORMED),
        ("POST", "/v1/clients", b'{"name": "nul\\u0000"}', INVALID),
        ("POST", "/v1/tokens", b'{"client_id": "admin\\u0000", "secret": "x"}', INVALID),
        ("PATCH", f"/v1/keypairs/{keypair}", b'{"name": NaN}', MALFORMED),
        ("POST", f"/v1/keypairs/{keypair}/actions/x", b'{"p": -Infinity}', MALFORMED),
        ("GET", "/v1/keypairs?name=a%00b", None, INVALID),
        ("GET", "/v1/keypairs?tag=a%00=b", None, INVALID),
        ("GET", "/v1/keypairs/kp-%00", None, INVALID),
        ("GET", "/v1/accounts/acc-%00", None, INVALID),
        ("GET", "/v1/operations/op-%00", None, INVALID),
    ]
    for method, path, content, expected in attempts:
        response = await admin_on.request(method, path, content=content, headers=JSON)
        assert (response.status_code, response.json()["error"]["code"]) == expected, (method, path, content, response.text)
    # Nothing above reached the store: the only keypair is the first.
    assert [k["id"] for k in (await admin_on.get("/v1/keypairs")).json()["items"]] == [keypair]


@pytest.mark.parametrize("depth", [900, 1023, 1100])  # stored; too deep for json; too deep for orjson
async def test_deeply_nested_bodies_are_answered_without_a_server_error(admin_on: Caller, sim: SimCloud, depth: int):
    account = (await admin_on.post("/v1/accounts", json=account_body(sim, "project-a"))).json()["id"]
    nested = b"[" * depth + b"]" * depth
    body = b'{"account": "%s", "name": "k", "extra": %s}' % (account.encode(), nested)
    response = await admin_on.request("POST", "/v1/keypairs", content=body, headers=JSON)
    assert response.status_code < 500, response.text
