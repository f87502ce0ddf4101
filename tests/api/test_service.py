"""The service routes: clouds, health, readiness, metrics, the OpenAPI spec, and the app's lifespan."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from cloudgate.app import Gateway, create_app
from cloudgate.drivers.sim import SimCloud
from cloudgate.model import COLLECTIONS, Kind
from tests.api.conftest import ADMIN_SECRET, Caller, api_settings, feed_position, finished_operation


def client_of(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_clouds_lists_the_sim_and_what_it_can_do(alice: Caller, http: httpx.AsyncClient):
    response = await alice.get("/v1/clouds")
    assert response.status_code == 200
    sim = response.json()["sim"]
    assert "instance" in sim["capabilities"]["kinds"] and "image" in sim["capabilities"]["public_kinds"]
    assert sim["capabilities"]["actions"]["instance"] == ["reboot", "start", "stop"]
    assert sim["capabilities"]["image_transfer"] == ["read", "write"]
    assert sim["create_fields"]["instance"] == ["datacenter", "flavor", "image"]
    assert (await http.get("/v1/clouds")).status_code == 401


async def test_health_and_readiness(http: httpx.AsyncClient, gateway: Gateway, monkeypatch: pytest.MonkeyPatch):
    assert (await http.get("/healthz")).json() == {"status": "ok"}
    assert (await http.get("/readyz")).json() == {"status": "ready"}

    async def unreachable() -> int:
        raise OSError("database is locked")

    monkeypatch.setattr(gateway.core.events, "head", unreachable)
    response = await http.get("/readyz")
    assert response.status_code == 503 and response.json()["error"]["code"] == "not_ready"
    assert "locked" not in response.text
    assert (await http.get("/healthz")).status_code == 200  # alive, though not ready


def samples(text: str, name: str) -> dict[str, float]:
    """Metric samples named `name`, by their label text."""
    found = {}
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            key, _, value = line.rpartition(" ")
            found[key[len(name):]] = float(value)
    return found


async def test_metrics_count_requests_by_route_and_show_the_gateway(
    http: httpx.AsyncClient, alice: Caller, alice_account: str
):
    created = await alice.post("/v1/keypairs", json={"account": alice_account, "name": "m"})
    await finished_operation(alice, created.json()["operation"]["id"])
    for _ in range(2):
        await alice.get("/v1/accounts/acc-nope")
    await alice.get("/v1/nonsense/route/here/x")
    response = await http.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    requests = samples(response.text, "cloudgate_http_requests_total")
    assert requests['{method="GET",route="/v1/accounts/{account_id}",status="404"}'] == 2
    assert requests['{method="POST",route="/v1/keypairs",status="202"}'] == 1
    assert requests['{method="GET",route="unmatched",status="404"}'] == 1
    latency = samples(response.text, "cloudgate_http_request_duration_seconds_count")
    assert latency['{method="POST",route="/v1/keypairs"}'] == 1
    assert samples(response.text, "cloudgate_events_head_seq")[""] == await feed_position(alice)
    assert samples(response.text, "cloudgate_accounts") == {'{health="ok"}': 1.0}


async def test_each_app_keeps_its_own_metrics(gateway: Gateway):
    first, second = create_app(gateway=gateway), create_app(gateway=gateway)
    async with client_of(first) as one, client_of(second) as two:
        for _ in range(3):
            await one.get("/healthz")
        text = (await two.get("/metrics")).text
        assert samples(text, "cloudgate_http_requests_total").get('{method="GET",route="/healthz",status="200"}') is None
        text = (await one.get("/metrics")).text
        assert samples(text, "cloudgate_http_requests_total")['{method="GET",route="/healthz",status="200"}'] == 3


async def test_the_openapi_spec_lists_every_route_with_bearer_auth(http: httpx.AsyncClient):
    spec = (await http.get("/openapi.json")).json()
    paths = spec["paths"]
    for collection in COLLECTIONS:
        assert set(paths[f"/v1/{collection}"]) == {"get", "post"}
        assert set(paths[f"/v1/{collection}/{{resource_id}}"]) == {"get", "patch", "delete"}
        assert set(paths[f"/v1/{collection}/{{resource_id}}/actions/{{action}}"]) == {"post"}
    for path in ("/v1/tokens", "/v1/tokens/current", "/v1/tokens/revoke", "/v1/whoami", "/v1/clients", "/v1/accounts",
                 "/v1/accounts/{account_id}/check", "/v1/accounts/{account_id}/credentials", "/v1/operations/{operation_id}",
                 "/v1/events", "/v1/events/stream", "/v1/clouds", "/healthz", "/readyz", "/metrics"):  # fmt: skip
        assert path in paths, path
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert paths["/v1/whoami"]["get"]["security"] == [{"HTTPBearer": []}]
    assert "security" not in paths["/v1/tokens"]["post"]
    create = paths["/v1/instances"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in create["parameters"]]
    assert create["responses"]["4XX"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    assert "HTTPValidationError" not in spec["components"]["schemas"]  # errors are documented as they are sent
    assert "text/event-stream" in paths["/v1/events/stream"]["get"]["responses"]["200"]["content"]
    docs = await http.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


async def test_the_lifespan_opens_a_gateway_from_settings_and_closes_it(tmp_path: Path):
    app = create_app(api_settings(tmp_path))
    async with client_of(app) as http:
        assert (await http.get("/readyz")).status_code == 503  # not started yet
        async with app.router.lifespan_context(app):
            assert (await http.get("/readyz")).status_code == 200
            response = await http.post("/v1/tokens", json={"client_id": "admin", "secret": ADMIN_SECRET})
            assert response.status_code == 201
        assert app.state.gateway is None
        response = await http.get("/v1/whoami", headers={"Authorization": f"Bearer {response.json()['token']}"})
        assert response.status_code == 503 and response.json()["error"]["code"] == "not_ready"


async def test_a_generated_admin_secret_is_shown_once_in_the_log(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    app = create_app(api_settings(tmp_path, admin_secret=None))
    with caplog.at_level(logging.WARNING, logger="cloudgate.api"):
        async with app.router.lifespan_context(app):
            secret = app.state.gateway.admin_secret
            async with client_of(app) as http:
                token = await http.post("/v1/tokens", json={"client_id": "admin", "secret": secret})
                assert token.status_code == 201
    assert sum(secret in record.getMessage() for record in caplog.records) == 1
    restarted = create_app(api_settings(tmp_path, admin_secret=None))
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="cloudgate.api"):
        async with restarted.router.lifespan_context(restarted):
            assert restarted.state.gateway.admin_secret is None
    assert not any("secret" in record.getMessage() for record in caplog.records)


async def test_readiness_tells_some_degraded_accounts_from_a_full_outage(
    http: httpx.AsyncClient, gateway: Gateway, sim: SimCloud, alice_account: str, bob_account: str
):
    async def fail_until_degraded(account_id: str) -> None:
        for _ in range(gateway.settings.breaker_threshold):
            assert not (await gateway.poller.poll(account_id, Kind.INSTANCE)).ok

    assert (await http.get("/readyz")).json() == {"status": "ready"}
    sim.faults.outage = True
    await fail_until_degraded(alice_account)
    some = await http.get("/readyz")
    assert some.status_code == 200 and some.json() == {"status": "degraded", "accounts": {"ok": 1, "degraded": 1}}
    await fail_until_degraded(bob_account)
    every = await http.get("/readyz")
    assert every.status_code == 503 and every.json()["error"]["code"] == "not_ready"
    assert every.json()["error"]["details"] == {"accounts": {"degraded": 2}}
    sim.faults.outage = False
    assert (await gateway.poller.poll(bob_account, Kind.INSTANCE)).ok
    assert (await http.get("/readyz")).status_code == 200


async def test_an_admin_turns_a_sim_cloud_s_faults_on_and_off(admin: Caller, alice: Caller, sim: SimCloud):
    url, endpoint = "/v1/clouds/sim/settings", {"endpoint": sim.endpoint}
    assert (await admin.get(url, params=endpoint)).json()["outage"] is False
    changed = await admin.patch(url, params=endpoint, json={"outage": True, "latency": 0.01})
    assert changed.status_code == 200 and changed.json()["outage"] is True and sim.faults.latency == 0.01
    assert "outage" in (await admin.get("/v1/clouds")).json()["sim"]["endpoint_settings"]
    for who, params, body, status, code in (
        (alice, endpoint, {"outage": False}, 403, "forbidden"),
        (admin, endpoint, {"meltdown": True}, 422, "invalid_request"),
        (admin, endpoint, {"error_rate": 7}, 422, "invalid_request"),
        (admin, {"endpoint": "sim://nowhere"}, {"outage": False}, 404, "not_found"),
    ):
        response = await who.patch(url, params=params, json=body)
        assert response.status_code == status and response.json()["error"]["code"] == code, response.text
    unsupported = await admin.patch("/v1/clouds/libcloud:dummy/settings", params={"endpoint": "dummy"}, json={})
    assert unsupported.status_code == 422 and unsupported.json()["error"]["code"] == "unsupported"
    assert (await admin.patch(url, params=endpoint, json={"outage": False})).json()["outage"] is False
    assert sim.faults.outage is False


async def test_the_docs_work_offline(http: httpx.AsyncClient):
    for page, marker in (("/docs", "swagger"), ("/redoc", "redoc")):
        html = (await http.get(page)).text
        assert marker in html.lower()
        assets = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert assets and all(url.startswith("/") for url in assets), assets  # nothing from a CDN or font host
        assert "https://" not in html and "http://" not in html
        for url in assets:
            response = await http.get(url)
            assert response.status_code == 200 and len(response.content) > 100, url
