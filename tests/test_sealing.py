"""Credentials at rest: sealed with the newest of the configured keys, so they open once the old key
is dropped, and never stored in plain text."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from cloudgate.errors import CloudgateError
from cloudgate.sealing import Sealer
from cloudgate.store.schema import accounts
from tests.conftest import SimWorld


def test_sealed_with_new_and_old_keys_opens_with_the_new_key_alone():
    old, new = Fernet.generate_key(), Fernet.generate_key()
    sealed = Sealer([new, old]).seal({"secret_key": "s3cr3t"})
    assert Sealer([new]).open(sealed) == {"secret_key": "s3cr3t"}
    with pytest.raises(CloudgateError, match="cannot be decrypted"):
        Sealer([old]).open(sealed)  # sealed with the newest key, not the old one
    legacy = Sealer([old]).seal({"k": "v"})
    assert Sealer([new, old]).open(legacy) == {"k": "v"}  # what the old key sealed still opens while it is listed


async def test_the_store_holds_no_plain_credential(sim_gateway: SimWorld, tmp_path: Path):
    await sim_gateway.account("vault")
    async with sim_gateway.gateway.store.read() as conn:
        rows = (await conn.execute(select(accounts))).mappings().all()
    assert rows and all(b"vault-secret" not in bytes(row["credentials"]) for row in rows)
    assert all("vault-secret" not in str(value) for row in rows for value in row.values())
    for path in tmp_path.glob("store.sqlite*"):  # on SQLite, the database file and its write-ahead log too
        assert b"vault-secret" not in path.read_bytes()
