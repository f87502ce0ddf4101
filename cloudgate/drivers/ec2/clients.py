"""The aiobotocore clients (EC2 and STS) of one account: opened on first use, closed with the driver."""

from __future__ import annotations

import asyncio
import functools
from contextlib import AsyncExitStack
from typing import Any

from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession

from cloudgate.drivers.ec2.account import Ec2Account

# botocore's own retries: one quick retry of the same request (same page token, same ClientToken)
# for a dropped connection or a 5xx. Anything longer is the poller's job: its backoff and
# Retry-After handling must see throttling, not have botocore sit on it for up to 20 s.
RETRIES = {"mode": "standard", "total_max_attempts": 2}
CLIENT_CONFIG = AioConfig(
    retries=RETRIES, connect_timeout=10, read_timeout=60, max_pool_connections=10, user_agent_extra="cloudgate"
)


@functools.cache
def _session() -> AioSession:
    # One session per process: it caches the parsed service models (EC2's takes a while to load).
    return AioSession()


class Ec2Clients:
    def __init__(self, account: Ec2Account):
        self._account = account
        self._stack = AsyncExitStack()
        self._clients: dict[str, Any] = {}
        self._lock = asyncio.Lock()

    async def ec2(self) -> Any:
        return await self._client("ec2")

    async def sts(self) -> Any:
        return await self._client("sts")

    async def _client(self, service: str) -> Any:
        client = self._clients.get(service)
        if client is not None:
            return client
        async with self._lock:
            if service not in self._clients:
                account = self._account
                creating = _session().create_client(
                    service, region_name=account.region, endpoint_url=account.endpoint_url,
                    aws_access_key_id=account.credentials.access_key_id,
                    aws_secret_access_key=account.credentials.secret_access_key,
                    aws_session_token=account.credentials.session_token, config=CLIENT_CONFIG,
                )  # fmt: skip
                self._clients[service] = await self._stack.enter_async_context(creating)
            return self._clients[service]

    async def close(self) -> None:
        async with self._lock:
            self._clients.clear()
            await self._stack.aclose()
