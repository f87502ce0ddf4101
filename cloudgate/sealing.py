"""Credentials at rest: sealed with Fernet (AES-128-CBC + HMAC-SHA256) under the gateway's key."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from cloudgate.errors import CloudgateError


class Sealer:
    """Seals and opens credential dicts; several keys (newest first) allow key rotation."""

    def __init__(self, keys: list[bytes]):
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def seal(self, credentials: dict[str, Any]) -> bytes:
        return self._fernet.encrypt(orjson.dumps(credentials))

    def open(self, sealed: bytes) -> dict[str, Any]:
        try:
            return orjson.loads(self._fernet.decrypt(sealed))
        except InvalidToken as exc:
            raise CloudgateError("stored credentials cannot be decrypted with the configured secret key") from exc


def load_or_create_key(configured: str | None, data_dir: Path) -> list[bytes]:
    """The configured key(s) (comma-separated), or the one kept in data_dir, made on first start."""
    if configured:
        return [part.strip().encode() for part in configured.split(",") if part.strip()]
    path = data_dir / "secret.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(Fernet.generate_key())
    return [path.read_bytes().strip()]
