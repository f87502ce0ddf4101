"""Fixtures for the CloudStack front-end: an account on the quick sim, an API key for it, and the unmodified
`cs` clients (sync and asyncio) pointed at the gateway's /client/api with that key."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree

import orjson
import pytest
from cs import AIOCloudStack, CloudStack

from cloudgate.drivers.sim import SimCloud
from tests.frontends.conftest import ADMIN, Served

POLL = 0.1  # how often `cs` asks for a job's result


@dataclass
class CsWorld:
    served: Served
    cloud: SimCloud
    account: str
    key: str
    secret: str

    @property
    def endpoint(self) -> str:
        return f"{self.served.url}/client/api"

    def client(self, **overrides: Any) -> CloudStack:
        settings = {"endpoint": self.endpoint, "key": self.key, "secret": self.secret, "poll_interval": POLL,
                    "job_timeout": 60, "fetch_result": True, **overrides}  # fmt: skip
        return CloudStack(**settings)

    def aio_client(self, **overrides: Any) -> AIOCloudStack:
        settings = {"endpoint": self.endpoint, "key": self.key, "secret": self.secret, "poll_interval": POLL,
                    "job_timeout": 60, "fetch_result": True, **overrides}  # fmt: skip
        return AIOCloudStack(**settings)

    def signed(self, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """`pairs` with the key, an `expires` ahead and the signature CloudStack's server computes (every value
        encoded as Java's URLEncoder does, `~` too): for requests `cs` cannot make (a name given twice…)."""
        expires = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S%z")
        pairs = [*pairs, ("apiKey", self.key), ("signatureVersion", "3"), ("expires", expires)]
        text = "&".join(f"{name}={quote(value, safe='*').replace('~', '%7E')}" for name, value in sorted(pairs))
        digest = hmac.new(self.secret.encode(), text.lower().encode(), hashlib.sha1).digest()
        return [*pairs, ("signature", base64.b64encode(digest).decode())]


def refusal(response: Any) -> tuple[str, int, str]:
    """An error answer (of requests or httpx) as CloudStack shapes it, in JSON or XML (which must parse): its
    one top-level name, its errorcode (the HTTP status too) and its errortext."""
    if response.headers["content-type"].startswith("application/json"):
        [(name, body)] = orjson.loads(response.content).items()
        code, text = body["errorcode"], body["errortext"]
    else:
        root = ElementTree.fromstring(response.content)
        name, code, text = root.tag, int(root.findtext("errorcode") or 0), root.findtext("errortext") or ""
    assert code == response.status_code, (code, response.status_code)
    return name, code, text


async def cs_world(served: Served, cloud: SimCloud) -> CsWorld:
    """Project a of `cloud` registered with the served gateway, and an API key for it."""
    account = await served.account(cloud, "AK-A")
    view, secret = await served.gateway.core.credentials.issue(ADMIN, account, name="cs")
    return CsWorld(served, cloud, account, view.id, secret)


@pytest.fixture
async def cloudstack(served: Served, quick_sim: SimCloud) -> CsWorld:
    return await cs_world(served, quick_sim)
