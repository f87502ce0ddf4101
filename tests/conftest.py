"""Shared fixtures: each real service starts once per session; every test gets its own database."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest

from tests.services import postgres


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[postgres.PostgresServer]:
    if not postgres.available():
        pytest.fail("PostgreSQL is not installed: run scripts/install-test-services (CI does)")
    server = postgres.start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request, tmp_path) -> AsyncIterator[str]:
    """A fresh, empty database on each backend the store supports."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/store.sqlite"
        return
    server: postgres.PostgresServer = request.getfixturevalue("postgres_server")
    name = f"t_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(server.admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    yield server.url(name)
    admin = await asyncpg.connect(server.admin_dsn)
    try:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await admin.close()
