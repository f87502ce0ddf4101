"""Junk on every service of the front-end (bodies nested too deep, values of the wrong type where a name or a
number belongs, numbers no integer holds, patterns too big to compile): an OpenStack-shaped 4xx, never a 5xx."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.frontends.openstack.conftest import OpenStackWorld

DEEP = b"[" * 200_000  # deeper than any JSON parser recurses
# (method, path under /openstack with {project}, body)
CASES = [
    ("POST", "/identity/v3/auth/tokens", DEEP),
    ("POST", "/identity/v3/auth/tokens", {"auth": {"identity": {"methods": ["password"], "password": "x"}}}),
    ("POST", "/identity/v3/auth/tokens", {"auth": {"identity": {"methods": ["password"], "password": {"user": {"id": ""}}}}}),
    ("POST", "/identity/v3/auth/tokens", {"auth": {"identity": {"methods": ["token"], "token": []}}}),
    ("POST", "/compute/v2.1/servers", DEEP),
    ("POST", "/compute/v2.1/servers", {"server": {"name": "x", "imageRef": "i", "flavorRef": "f", "networks": "none", "min_count": "²"}}),
    ("POST", "/compute/v2.1/servers", {"server": {"name": "x", "imageRef": "i", "flavorRef": "f", "networks": "none", "max_count": "9" * 5000}}),
    ("GET", "/compute/v2.1/servers?name=a{99999999999}", None),
    ("GET", "/compute/v2.1/servers?name=" + "a" * 1000, None),
    ("GET", "/compute/v2.1/servers?limit=" + "9" * 5000, None),
    ("GET", "/compute/v2.1/flavors?minRam=²", None),
    ("POST", "/compute/v2.1/os-keypairs", {"keypair": {"name": "k", "type": ["ssh"]}}),
    ("POST", "/volume/v3/{project}/volumes", {"volume": {"size": "--5"}}),
    ("POST", "/volume/v3/{project}/volumes", DEEP),
    ("GET", "/image/v2/images?limit=²", None),
    ("POST", "/network/v2.0/security-group-rules", {"security_group_rule": {"direction": ["ingress"], "security_group_id": "x"}}),
    ("POST", "/network/v2.0/security-group-rules", {"security_group_rule": {"direction": "ingress", "ethertype": {}, "security_group_id": "x"}}),
    ("POST", "/network/v2.0/security-group-rules", {"security_group_rule": {"direction": "ingress", "protocol": [6], "security_group_id": "x"}}),
    ("GET", "/network/v2.0/networks?limit=²", None),
]


@pytest.mark.parametrize("method, path, body", CASES)
async def test_junk_gets_a_4xx_in_the_service_s_shape(stack: OpenStackWorld, method: str, path: str, body):
    def run() -> httpx.Response:
        token = stack.connect().session.get_token()
        kwargs = {"content": body} if isinstance(body, bytes) else {"json": body} if body is not None else {}
        url = stack.served.url + "/openstack" + path.replace("{project}", stack.project)
        return httpx.request(method, url,
                             headers={"X-Auth-Token": token, "Content-Type": "application/json"}, **kwargs)  # fmt: skip

    answer = await asyncio.to_thread(run)
    assert 400 <= answer.status_code < 500, answer.text[:300]
    assert answer.content  # a fault body in the service's shape, not an empty 4xx
