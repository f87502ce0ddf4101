"""Bad input always gets a 4xx with a stable code in one JSON shape; a bug gets a bare 500; secrets
never come back."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest

from cloudgate.app import Gateway
from cloudgate.drivers.sim import SimCloud
from tests.api.conftest import Caller, account_body

JSON = {"content-type": "application/json"}


def error_of(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])
    return body["error"]


@pytest.mark.parametrize(
    "content",
    [b'{"client_id": ', b"{'client_id': 'admin'}", b"\xff\xfe{", b"[" * 100_000, b"{}}"],
)
async def test_unparseable_bodies_are_malformed_json(http: httpx.AsyncClient, admin: Caller, content: bytes):
    assert error_of(await http.post("/v1/tokens", content=content, headers=JSON), 400)["code"] == "malformed_json"
    response = await admin.post("/v1/accounts", content=content, headers=JSON)
    assert error_of(response, 400)["code"] == "malformed_json"


@pytest.mark.parametrize(
    "body",
    [None, [], "text", 5, {"client_id": 5, "secret": "x"}, {"client_id": "admin"}, {"client_id": "", "secret": "x"},
     {"client_id": "admin", "secret": {"nested": True}}],
)  # fmt: skip
async def test_wrong_shapes_and_types_are_invalid_requests_naming_the_fields(http: httpx.AsyncClient, body: object):
    error = error_of(await http.post("/v1/tokens", json=body), 422)
    assert error["code"] == "invalid_request"
    assert all({"field", "message", "type"} == set(f) for f in error["details"]["fields"])


async def test_a_json_body_sent_as_another_media_type_is_invalid(http: httpx.AsyncClient):
    response = await http.post("/v1/tokens", content=b'{"client_id": "admin", "secret": "x"}', headers={"content-type": "text/plain"})
    assert error_of(response, 422)["code"] == "invalid_request"


async def test_validation_errors_do_not_echo_what_was_sent(admin: Caller, sim: SimCloud):
    body = {**account_body(sim, "project-a"), "credentials": {"access_key": 12345, "secret_key": "TOPSECRET-9f3"}}
    response = await admin.post("/v1/accounts", json=body)
    error = error_of(response, 422)
    assert "body.credentials.access_key" in [f["field"] for f in error["details"]["fields"]]
    assert "TOPSECRET" not in response.text and "12345" not in response.text


async def test_a_declared_oversized_body_is_refused_before_it_is_read(http: httpx.AsyncClient, gateway: Gateway):
    limit = gateway.settings.max_body_bytes
    response = await http.post("/v1/tokens", content=b" " * (limit + 1), headers=JSON)
    error = error_of(response, 413)
    assert error["code"] == "payload_too_large" and str(limit) in error["message"]


async def test_a_streamed_oversized_body_is_refused(http: httpx.AsyncClient, admin: Caller, gateway: Gateway):
    limit = gateway.settings.max_body_bytes
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:  # chunked: no Content-Length to check up front
        nonlocal sent
        while sent <= limit:
            sent += 65536
            yield b" " * 65536

    response = await http.post("/v1/accounts", content=chunks(), headers={**admin.headers, **JSON})
    assert error_of(response, 413)["code"] == "payload_too_large"
    assert "content-length" not in response.request.headers


async def test_a_body_at_the_limit_is_read(http: httpx.AsyncClient, gateway: Gateway):
    padding = gateway.settings.max_body_bytes - len(b'{"client_id": "admin", "secret": "x"}')
    content = b'{"client_id": "admin", "secret": "x"}' + b" " * padding
    assert error_of(await http.post("/v1/tokens", content=content, headers=JSON), 401)["code"] == "unauthenticated"


async def test_an_unexpected_failure_is_a_bare_logged_500(
    alice: Caller, gateway: Gateway, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    async def broken(*_args, **_kwargs):
        raise RuntimeError("connection string postgres://user:hunter2@db")

    monkeypatch.setattr(gateway.core.resources, "documents", broken)
    with caplog.at_level(logging.ERROR, logger="cloudgate.api"):
        response = await alice.get("/v1/instances")
    error = error_of(response, 500)
    assert error == {"code": "internal_error", "message": "internal error"}
    assert "hunter2" not in response.text
    assert any("hunter2" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)
    assert (await alice.get("/v1/whoami")).status_code == 200  # and the app serves on


async def test_cloud_throttling_carries_retry_after(alice: Caller, alice_account: str, sim: SimCloud):
    sim.faults.throttle_rate = 1.0
    sim.faults.retry_after = 2.5
    response = await alice.put(
        f"/v1/accounts/{alice_account}/credentials", json={"credentials": {"access_key": "AK-A", "secret_key": "SK-A"}}
    )
    error = error_of(response, 429)
    assert error["code"] == "throttled" and error["retry_after"] == 2.5
    assert response.headers["retry-after"] == "3"
