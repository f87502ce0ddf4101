"""A gateway killed in the middle of an image copy: `cloudgate serve --demo` replicates beta's image to alpha
for a machine made under scope, is killed (SIGKILL) while the bytes flow, and starts again on the same data
dir. The operation is failed as interrupted, the half-uploaded image is gone from alpha's cloud, and the
same request then goes through with one replica."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from cloudgate.core.replication import REPLICA_OF
from tests.services.served import Served, serve, wait_for

pytestmark = pytest.mark.slow

SCOPE = {"compute": "alpha-demo", "image": "beta-demo"}  # the demo accounts, by their unique names
MACHINE = {"name": "copied", "flavor": "s1.small", "image": "debian-12", "datacenter": "sim-east-a", "scope": SCOPE}


def _operation(http: httpx.Client, operation_id: str) -> dict[str, Any]:
    return http.get(f"/v1/operations/{operation_id}").json()


def _finished(http: httpx.Client, operation_id: str) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        operation = _operation(http, operation_id)
        return operation if operation["state"] in ("succeeded", "failed") else None

    return wait_for(done, 60, f"operation {operation_id}")


def _replicas(http: httpx.Client, account: str) -> list[dict[str, Any]]:
    """Alpha's images that are replicas, once a resync of the account listed its cloud anew."""
    resync = http.post("/v1/resync", json={"account": account})
    assert resync.status_code == 202, resync.text
    assert _finished(http, resync.json()["operation"]["id"])["state"] == "succeeded"
    images = http.get("/v1/images", params={"account": account, "limit": 500}).json()["items"]
    return [image for image in images if REPLICA_OF in image["tags"]]


def test_a_copy_cut_short_by_a_killed_gateway_is_undone_at_the_next_start(tmp_path: Path):
    first = serve(tmp_path, "--demo", tag="first")
    second: Served | None = None
    try:
        secret = wait_for(first.admin_secret, 30, "the admin secret")
        token = httpx.post(f"{first.url}/v1/tokens", json={"client_id": "admin", "secret": secret}).json()["token"]
        http = httpx.Client(base_url=first.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        alpha = {a["name"]: a["id"] for a in http.get("/v1/accounts").json()["items"]}["alpha-demo"]
        paced = http.patch(
            "/v1/clouds/sim/settings", params={"endpoint": "sim://beta"}, json={"transfer_rate": 500_000}
        )
        assert paced.status_code == 200, paced.text

        accepted = http.post("/v1/instances", json=MACHINE)
        assert accepted.status_code == 202, accepted.text
        operation_id = accepted.json()["operation"]["id"]
        wait_for(lambda: (_operation(http, operation_id)["progress"] or {}).get("done"), 30, "bytes copied")
        [partial] = _replicas(http, alpha)  # the half-uploaded image is on alpha's cloud, not available
        assert partial["state"] == "pending"
        first.process.kill()
        first.process.wait()

        second = serve(tmp_path, "--demo", port=first.port, tag="second")
        interrupted = _operation(http, operation_id)
        assert interrupted["state"] == "failed" and interrupted["error"]["code"] == "interrupted", interrupted
        assert http.get(f"/v1/instances/{accepted.json()['resource']['id']}").status_code == 404
        # The start asked alpha's cloud to delete the partial image: it goes once the cloud has deleted it.
        wait_for(lambda: not _replicas(http, alpha), 30, "the partial image gone")

        unpaced = http.patch("/v1/clouds/sim/settings", params={"endpoint": "sim://beta"}, json={"transfer_rate": 0})
        assert unpaced.status_code == 200, unpaced.text
        again = http.post("/v1/instances", json=MACHINE)
        assert again.status_code == 202, again.text
        assert _finished(http, again.json()["operation"]["id"])["state"] == "succeeded"
        [replica] = _replicas(http, alpha)
        assert replica["state"] == "available" and replica["name"] == "debian-12"
    finally:
        first.stop()
        if second is not None:
            second.stop()
