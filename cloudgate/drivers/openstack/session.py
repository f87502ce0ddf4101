"""One openstacksdk connection per account, used off the event loop by one thread at a time.

openstacksdk blocks, and a connection is not made for concurrent use: every call on an account's
connection runs in a thread of one bounded pool shared by all accounts, under that account's lock.
keystoneauth behind the connection authenticates on first use and authenticates again when the
token nears its expiry or a service refuses it (a revoked token).

An image transfer is the exception (`transfer_connection`): its bytes take minutes where other calls
take a moment, so each transfer has a connection and a thread of its own for as long as it lasts, and
the account's connection keeps serving polls meanwhile. A thread per transfer also means a transfer
never waits for a pool thread that another transfer holds while waiting for this one's bytes.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

import openstack
from openstack.connection import Connection

from cloudgate import __version__
from cloudgate.drivers.base import AccountConfig
from cloudgate.drivers.openstack.errors import native_errors
from cloudgate.drivers.openstack.notifications import BUS_CREDENTIALS
from cloudgate.errors import InvalidRequest

T = TypeVar("T")

POOL_THREADS = 8
API_TIMEOUT_SECONDS = 60.0

# keystone auth plugin -> (credential fields it needs, fields it may take), in order of preference:
# the first whose needed fields are all given is used.
AUTH_TYPES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "v3applicationcredential": (
        frozenset({"application_credential_id", "application_credential_secret"}),
        frozenset(),
    ),
    "password": (
        frozenset({"username", "password", "project_name"}),
        frozenset({"user_domain_name", "project_domain_name"}),
    ),
}
DEFAULT_DOMAIN = "Default"

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _shared_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=POOL_THREADS, thread_name_prefix="cloudgate-openstack")
        return _pool


def auth_type_of(credentials: dict[str, str]) -> str:
    for auth_type, (needed, _optional) in AUTH_TYPES.items():
        if needed <= credentials.keys():
            return auth_type
    choices = " or ".join(", ".join(sorted(needed)) for needed, _ in AUTH_TYPES.values())
    raise InvalidRequest(f"OpenStack credentials need {choices}")


@dataclass(frozen=True)
class Auth:
    """What keystone is asked with: the plugin and its options."""

    auth_type: str
    options: dict[str, str]

    @classmethod
    def of(cls, config: AccountConfig) -> Auth:
        credentials = {k: v for k, v in config.credentials.items() if v not in (None, "") and k not in BUS_CREDENTIALS}
        auth_type = auth_type_of(credentials)
        needed, optional = AUTH_TYPES[auth_type]
        unknown = credentials.keys() - needed - optional
        if unknown:
            raise InvalidRequest(f"unknown credential fields for {auth_type} auth: {', '.join(sorted(unknown))}")
        options = {"auth_url": config.endpoint, **credentials}
        if auth_type == "password":
            options.setdefault("user_domain_name", DEFAULT_DOMAIN)
            options.setdefault("project_domain_name", DEFAULT_DOMAIN)
        return cls(auth_type, options)


def connect(config: AccountConfig) -> Connection:
    auth = Auth.of(config)
    return openstack.connect(
        auth_type=auth.auth_type, auth=auth.options, region_name=config.region, interface="public",
        identity_api_version="3", api_timeout=API_TIMEOUT_SECONDS, app_name="cloudgate", app_version=__version__,
        load_yaml_config=False, load_envvars=False,
    )  # fmt: skip


class AccountConnection:
    """An account's connection, built on first use; `run` calls a function on it in the shared pool (or in
    the executor given)."""

    def __init__(self, config: AccountConfig, executor: Executor | None = None):
        self._config = config
        self._executor = executor
        self._connection: Connection | None = None
        self._lock = asyncio.Lock()

    async def run(self, call: Callable[[Connection], T]) -> T:
        """`call(connection)` in a pool thread, openstacksdk's errors raised as cloudgate's."""
        await self._lock.acquire()
        try:
            future = asyncio.get_running_loop().run_in_executor(self._executor or _shared_pool(), self._call, call)
        except BaseException:
            self._lock.release()
            raise
        # The connection stays taken until the thread is done with it, even if the caller gives up.
        future.add_done_callback(self._release)
        return await asyncio.shield(future)

    def _release(self, future: asyncio.Future) -> None:
        self._lock.release()
        if not future.cancelled():
            future.exception()  # retrieved here too, for when the caller stopped waiting

    def _call(self, call: Callable[[Connection], T]) -> T:
        with native_errors():
            if self._connection is None:
                self._connection = connect(self._config)
            return call(self._connection)

    async def close(self) -> None:
        if self._connection is not None:
            await self.run(lambda connection: connection.close())
            self._connection = None


@asynccontextmanager
async def transfer_connection(config: AccountConfig) -> AsyncIterator[AccountConnection]:
    """A connection and a thread of one image transfer's own (see the module's docstring), closed after it."""
    thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cloudgate-openstack-transfer")
    connection = AccountConnection(config, thread)
    try:
        yield connection
    finally:
        try:
            await connection.close()
        finally:
            thread.shutdown(wait=False)
