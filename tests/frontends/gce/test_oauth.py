"""The OAuth2 token endpoint (/oauth2/token) with google-auth's user credentials, unchanged: a gateway
client's id and secret with any refresh token, and token_uri at the gateway. Both Google clients fetch a
token there before their first call and again when the gateway answers 401 (a token revoked); a wrong secret
is google-auth's RefreshError. Requests no client sends are refused in OAuth2's shape."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass
from typing import Any

import google.oauth2.credentials
import httpx
import pytest
from google.auth.exceptions import RefreshError
from google.cloud import compute_v1
from googleapiclient import discovery

from cloudgate.core import Caller, Principal
from cloudgate.drivers.sim import SimCloud
from tests.frontends.conftest import ADMIN, Served
from tests.frontends.gce.test_cloud_compute import gateway_client


@dataclass
class OAuthWorld:
    served: Served
    project: str
    client_id: str
    secret: str

    @property
    def token_uri(self) -> str:
        return f"{self.served.url}/oauth2/token"

    def credentials(self, secret: str | None = None) -> google.oauth2.credentials.Credentials:
        """What a user writes: no token yet, any refresh token, the gateway client's id and secret."""
        return google.oauth2.credentials.Credentials(
            token=None, refresh_token="x", client_id=self.client_id, client_secret=secret or self.secret,
            token_uri=self.token_uri,
        )  # fmt: skip

    def compute(self, credentials: google.oauth2.credentials.Credentials) -> Any:
        return discovery.build("compute", "v1", credentials=credentials, static_discovery=True, cache_discovery=False,
                               client_options={"api_endpoint": f"{self.served.url}/compute/v1/"})  # fmt: skip


@pytest.fixture
async def oauth(served: Served, quick_sim: SimCloud) -> OAuthWorld:
    """A client that is no admin, with project a of the sim (registered by it: it has proven the account)."""
    row, secret = await served.gateway.core.auth.create_client(ADMIN, "gce-user")
    account = await served.account(quick_sim, "AK-A", caller=Caller(Principal(row.id, row.name, False)))
    view = await served.gateway.core.accounts.get(ADMIN, account)
    return OAuthWorld(served, view.row.name or account, row.id, secret)


async def test_google_api_python_client_fetches_its_token_and_a_new_one_after_a_401(oauth: OAuthWorld):
    credentials = oauth.credentials()
    compute = oauth.compute(credentials)
    zones = await asyncio.to_thread(compute.zones().list(project=oauth.project).execute)
    assert [z["name"] for z in zones["items"]] == ["sim-east-a", "sim-east-b", "sim-east-c"]
    first = credentials.token
    assert first is not None and first.startswith("cgt_")

    await oauth.served.gateway.core.auth.revoke(ADMIN, first)
    project = await asyncio.to_thread(compute.projects().get(project=oauth.project).execute)
    assert project["name"] == oauth.project
    assert credentials.token not in (None, first)


async def test_google_cloud_compute_fetches_its_token_and_a_new_one_after_a_401(oauth: OAuthWorld):
    credentials = oauth.credentials()
    zones = gateway_client(compute_v1.ZonesClient, oauth.served.url, credentials)
    listed = await asyncio.to_thread(lambda: [z.name for z in zones.list(project=oauth.project)])
    assert listed == ["sim-east-a", "sim-east-b", "sim-east-c"]
    first = credentials.token

    await oauth.served.gateway.core.auth.revoke(ADMIN, first)
    zone = await asyncio.to_thread(zones.get, project=oauth.project, zone="sim-east-b")
    assert zone.name == "sim-east-b"
    assert credentials.token not in (None, first)


async def test_a_wrong_secret_is_google_auth_s_refresh_error(oauth: OAuthWorld):
    compute = oauth.compute(oauth.credentials(secret="wrong"))
    with pytest.raises(RefreshError) as caught:
        await asyncio.to_thread(compute.zones().list(project=oauth.project).execute)
    assert "invalid_client" in str(caught.value)


# Token requests no Google client sends: (method, body, HTTP Basic, status, OAuth2's error).
RAW: dict[str, tuple[str, str, bool, int, str]] = {
    "GET": ("GET", "", False, 405, "invalid_request"),
    "no grant type": ("POST", "client_id={id}&client_secret={secret}", False, 400, "unsupported_grant_type"),
    "a password grant": ("POST", "grant_type=password&username={id}&password={secret}", False, 400,
                         "unsupported_grant_type"),
    "a body that is not UTF-8": ("POST", "grant_type=client_credentials&client_id=\udcff", False, 400,
                                 "invalid_request"),
    "a wrong secret in HTTP Basic": ("POST", "grant_type=client_credentials", True, 401, "invalid_client"),
}  # fmt: skip


async def test_token_requests_no_client_sends_are_refused_in_oauth2_s_shape(oauth: OAuthWorld):
    async with httpx.AsyncClient() as http:
        for case, (method, body, basic, status, error) in RAW.items():
            content = body.format(id=oauth.client_id, secret=oauth.secret).encode(errors="surrogateescape")
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            if basic:
                headers["Authorization"] = "Basic " + base64.b64encode(f"{oauth.client_id}:wrong".encode()).decode()
            answer = await http.request(method, oauth.token_uri, content=content, headers=headers)
            assert (answer.status_code, answer.json()["error"]) == (status, error), case
            assert answer.headers["cache-control"] == "no-store", case


async def test_the_client_credentials_grant_with_http_basic(oauth: OAuthWorld):
    basic = base64.b64encode(f"{oauth.client_id}:{oauth.secret}".encode()).decode()
    async with httpx.AsyncClient() as http:
        answer = await http.post(oauth.token_uri, data={"grant_type": "client_credentials"},
                                 headers={"Authorization": f"Basic {basic}"})  # fmt: skip
        assert answer.status_code == 200
        issued = answer.json()
        assert issued["token_type"] == "Bearer" and issued["expires_in"] > 0
        zones = await http.get(f"{oauth.served.url}/compute/v1/projects/{oauth.project}/zones",
                               headers={"Authorization": f"Bearer {issued['access_token']}"})  # fmt: skip
    assert zones.status_code == 200
