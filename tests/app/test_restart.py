"""The embedded default survives a restart: `cloudgate serve --demo` stopped and started again on the same
data dir finds its simulated clouds as it left them. Creates before and after both succeed, nothing
changed makes no event, and a stopped instance stays stopped."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.services.served import Served, serve, wait_for

pytestmark = pytest.mark.slow


def _finished(http: httpx.Client, accepted: httpx.Response) -> dict[str, Any]:
    assert accepted.status_code == 202, accepted.text
    operation_id = accepted.json()["operation"]["id"]

    def done() -> dict[str, Any] | None:
        operation = http.get(f"/v1/operations/{operation_id}").json()
        return operation if operation["state"] in ("succeeded", "failed") else None

    operation = wait_for(done, 60, f"operation {operation_id}")
    assert operation["state"] == "succeeded", operation
    return operation


def _one(http: httpx.Client, collection: str, **filters: str) -> dict[str, Any]:
    items = http.get(f"/v1/{collection}", params=filters).json()["items"]
    assert len(items) == 1, items
    return items[0]


def _head(http: httpx.Client) -> int:
    after = 0
    while page := http.get("/v1/events", params={"after": after}).json()["events"]:
        after = page[-1]["seq"]
    return after


def _create(http: httpx.Client, account: str, name: str) -> dict[str, Any]:
    spec = {"account": account, "name": name, "flavor": "s1.small", "image": "debian-12", "datacenter": "sim-east-a"}
    accepted = http.post("/v1/instances", json=spec)
    _finished(http, accepted)
    return http.get(f"/v1/instances/{accepted.json()['resource']['id']}").json()


def _polled_since(http: httpx.Client, account: str, since: float) -> bool:
    polls = http.get(f"/v1/accounts/{account}").json()["polls"]
    return len(polls) == 9 and all((p["last_success_at"] or 0) > since for p in polls)


def test_a_restarted_gateway_sees_exactly_the_cloud_it_left(tmp_path: Path):
    first = serve(tmp_path, "--demo", tag="first")
    second: Served | None = None
    try:
        secret = wait_for(first.admin_secret, 30, "the admin secret")
        token = httpx.post(f"{first.url}/v1/tokens", json={"client_id": "admin", "secret": secret}).json()["token"]
        http = httpx.Client(base_url=first.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        web = _one(http, "instances", name="web-1")
        account = web["account"]
        _finished(http, http.post(f"/v1/instances/{web['id']}/actions/stop"))
        before = _create(http, account, "made-before")
        assert before["state"] == "running"
        head = _head(http)

        assert first.stop() == 0
        restarted_at = time.time()
        second = serve(tmp_path, "--demo", port=first.port, tag="second")
        assert second.admin_secret() is None  # the same store: the admin exists already
        for demo in http.get("/v1/accounts").json()["items"]:
            wait_for(lambda demo=demo: _polled_since(http, demo["id"], restarted_at), 60, f"{demo['name']} polled")

        assert http.get("/v1/events", params={"after": head}).json()["events"] == []  # nothing changed
        assert http.get(f"/v1/instances/{web['id']}").json()["state"] == "stopped"
        assert http.get(f"/v1/instances/{before['id']}").json()["state"] == "running"
        after = _create(http, account, "made-after")
        assert after["cloud_id"] != before["cloud_id"] and after["id"] != before["id"]
        assert {i["name"] for i in http.get("/v1/instances", params={"account": account}).json()["items"]} >= {
            "web-1", "made-before", "made-after"
        }
    finally:
        first.stop()
        if second is not None:
            assert second.stop() == 0
