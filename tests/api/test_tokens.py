"""Tokens, whoami and clients: issue, use, revoke, expire; admin-only client management."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from cloudgate.core import Caller as CoreCaller
from cloudgate.app import create_app
from cloudgate.app import Gateway
from tests.api.conftest import ADMIN_SECRET, Caller, api_settings, eventually, issue_token, new_client


def assert_unauthenticated(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "unauthenticated"
    assert response.headers["www-authenticate"] == "Bearer"


async def refusal(caller: Caller) -> httpx.Response | None:
    """The caller's whoami answer if it was refused, None while it is still accepted."""
    response = await caller.get("/v1/whoami")
    return response if response.status_code != 200 else None


async def test_token_is_issued_for_the_right_secret_and_names_its_client(http: httpx.AsyncClient):
    response = await http.post("/v1/tokens", json={"client_id": "admin", "secret": ADMIN_SECRET})
    assert response.status_code == 201
    body = response.json()
    assert body["client_id"] == "admin" and body["token"].startswith("cgt_") and body["expires_at"] > 0
    whoami = await http.get("/v1/whoami", headers={"Authorization": f"Bearer {body['token']}"})
    assert whoami.status_code == 200
    assert whoami.json() == {"client_id": "admin", "name": "admin", "is_admin": True}


@pytest.mark.parametrize("client_id, secret", [("admin", "not-the-admin-secret-8c1f"), ("nobody", ADMIN_SECRET)])
async def test_wrong_secret_or_unknown_client_gets_no_token(http: httpx.AsyncClient, client_id: str, secret: str):
    response = await http.post("/v1/tokens", json={"client_id": client_id, "secret": secret})
    assert_unauthenticated(response)
    assert secret not in response.text


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer cgt_not-a-real-token", "Basic YWRtaW46c2VjcmV0", "bearer ", "Token abc"],
)
async def test_missing_or_bad_tokens_are_refused(http: httpx.AsyncClient, authorization: str | None):
    headers = {"Authorization": authorization} if authorization is not None else {}
    for path in ("/v1/whoami", "/v1/accounts", "/v1/instances", "/v1/events", "/v1/operations/op-1"):
        assert_unauthenticated(await http.get(path, headers=headers))


async def test_revoking_the_current_token_refuses_it_but_not_other_tokens(http: httpx.AsyncClient, admin: Caller):
    other = await issue_token(http, "admin", ADMIN_SECRET)
    response = await admin.delete("/v1/tokens/current")
    assert response.status_code == 204 and response.content == b""
    assert_unauthenticated(await admin.get("/v1/whoami"))
    assert (await http.get("/v1/whoami", headers={"Authorization": f"Bearer {other}"})).status_code == 200


async def test_a_client_revokes_its_own_token_but_not_anothers(http: httpx.AsyncClient, alice: Caller, bob: Caller):
    spare = await issue_token(http, "admin", ADMIN_SECRET)
    refused = await alice.post("/v1/tokens/revoke", json={"token": bob.token})
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
    assert (await bob.get("/v1/whoami")).status_code == 200

    second = await alice.another_token()
    assert (await alice.post("/v1/tokens/revoke", json={"token": second.token})).status_code == 204
    assert_unauthenticated(await second.get("/v1/whoami"))
    # An admin may revoke anyone's token.
    admin = Caller(http, "admin", ADMIN_SECRET, spare)
    assert (await admin.post("/v1/tokens/revoke", json={"token": bob.token})).status_code == 204
    assert_unauthenticated(await bob.get("/v1/whoami"))


async def test_revoking_an_unknown_token_is_not_found(admin: Caller):
    response = await admin.post("/v1/tokens/revoke", json={"token": "cgt_unknown"})
    assert response.status_code == 404


async def test_expired_tokens_are_refused(tmp_path: Path):
    gateway = await Gateway.open(api_settings(tmp_path, token_ttl_seconds=0.3))
    try:
        transport = httpx.ASGITransport(app=create_app(gateway=gateway))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            caller = Caller(http, "admin", ADMIN_SECRET, await issue_token(http, "admin", ADMIN_SECRET))
            assert (await caller.get("/v1/whoami")).status_code == 200

            response = await eventually(lambda: refusal(caller), what="the token to expire", timeout=5.0)
            assert_unauthenticated(response)
            assert "expired" in response.json()["error"]["message"]
    finally:
        await gateway.close()


async def test_admin_creates_and_lists_clients_and_the_secret_works_once_shown(http: httpx.AsyncClient, admin: Caller):
    response = await admin.post("/v1/clients", json={"name": "ci-robot", "admin": True})
    assert response.status_code == 201
    created = response.json()
    assert set(created) == {"id", "name", "is_admin", "secret"} and created["is_admin"] is True
    listed = await admin.get("/v1/clients")
    assert listed.status_code == 200
    items = {item["id"]: item for item in listed.json()["items"]}
    assert items[created["id"]]["name"] == "ci-robot"
    assert set(items[created["id"]]) == {"id", "name", "is_admin", "created_at"}
    assert created["secret"] not in listed.text
    token = await issue_token(http, created["id"], created["secret"])
    whoami = await http.get("/v1/whoami", headers={"Authorization": f"Bearer {token}"})
    assert whoami.json() == {"client_id": created["id"], "name": "ci-robot", "is_admin": True}


async def test_only_admins_manage_clients(admin: Caller, alice: Caller):
    for response in (await alice.post("/v1/clients", json={"name": "x"}), await alice.get("/v1/clients")):
        assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    _id, _secret = await new_client(admin, "still-works")


@pytest.mark.parametrize("body", [{"name": ""}, {"name": 5}, {}, {"name": "x", "admin": "maybe"}, ["name"]])
async def test_bad_client_requests_are_invalid(admin: Caller, body: object):
    response = await admin.post("/v1/clients", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"
    assert response.json()["error"]["details"]["fields"]


async def test_a_token_revoked_through_another_gateway_on_the_store_is_refused_once_rechecked(tmp_path: Path):
    settings = api_settings(tmp_path, token_recheck_seconds=0.3)
    first, second = await Gateway.open(settings), await Gateway.open(settings)
    try:
        transport = httpx.ASGITransport(app=create_app(gateway=first))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            caller = Caller(http, "admin", ADMIN_SECRET, await issue_token(http, "admin", ADMIN_SECRET))
            assert (await caller.get("/v1/whoami")).status_code == 200
            await second.core.auth.revoke(CoreCaller(await second.core.auth.authenticate(caller.token)))

            response = await eventually(lambda: refusal(caller), what="the other gateway's revocation to be seen", timeout=5.0)
            assert_unauthenticated(response)
            assert "revoked" in response.json()["error"]["message"]
    finally:
        await first.close()
        await second.close()


async def test_a_client_may_log_in_by_its_name_unless_another_has_it(http, admin: Caller):
    client_id, secret = await new_client(admin, "carol")
    by_name = await http.post("/v1/tokens", json={"client_id": "carol", "secret": secret})
    assert by_name.status_code == 201 and by_name.json()["client_id"] == client_id
    await new_client(admin, "carol")  # now two clients have the name: it no longer names one
    twin = await http.post("/v1/tokens", json={"client_id": "carol", "secret": secret})
    assert twin.status_code == 401 and twin.json()["error"]["code"] == "unauthenticated"
    assert (await http.post("/v1/tokens", json={"client_id": client_id, "secret": secret})).status_code == 201
