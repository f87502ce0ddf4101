"""SSH key pairs as GCE keeps them: `user:key` lines in the project's `ssh-keys` metadata."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cloudgate.errors import InvalidRequest

# Metadata keys holding key lines: the current one first, then the one older projects still carry.
METADATA_KEYS: tuple[str, ...] = ("ssh-keys", "sshKeys")


def fingerprint(public_key: str) -> str | None:
    """OpenSSH's SHA256 fingerprint of a public key, None when the line holds no key."""
    parts = public_key.split()
    try:
        blob = base64.b64decode(parts[1], validate=True) if len(parts) > 1 else None
    except ValueError:
        blob = None
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=") if blob else None


def key_pairs(metadata: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every key line of the project metadata, as a native record: its id is `user:fingerprint`."""
    pairs = []
    for item in metadata.get("items") or []:
        if item.get("key") not in METADATA_KEYS:
            continue
        for line in (item.get("value") or "").splitlines():
            user, _, key = line.strip().partition(":")
            if user and key:
                found = fingerprint(key)
                pairs.append({"id": f"{user}:{found}", "name": user, "key": key, "fingerprint": found,
                              "metadata_key": item["key"]})  # fmt: skip
    return pairs


def canonical_public_key(text: Any) -> str:
    """The key in OpenSSH form ("type base64"), or InvalidRequest."""
    try:
        key = serialization.load_ssh_public_key(text.encode()) if isinstance(text, str) else None
    except (ValueError, UnsupportedAlgorithm):
        key = None
    if key is None:
        raise InvalidRequest("public_key is not an OpenSSH public key")
    return key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def new_key_pair() -> tuple[str, str]:
    """A fresh ed25519 key as (OpenSSH public key, OpenSSH private key): GCE makes no keys itself."""
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    )
    return public.decode(), pem.decode()


def with_key(metadata: Mapping[str, Any], user: str, public_key: str) -> dict[str, Any]:
    """The metadata (fingerprint kept, so a concurrent change is refused) with one more `user:key` line."""
    items = [dict(item) for item in metadata.get("items") or []]
    target = next((item for item in items if item["key"] == METADATA_KEYS[0]), None)
    if target is None:
        target = {"key": METADATA_KEYS[0], "value": ""}
        items.append(target)
    lines = [line for line in target["value"].splitlines() if line.strip()]
    target["value"] = "\n".join([*lines, f"{user}:{public_key} {user}"])
    return {"fingerprint": metadata.get("fingerprint"), "items": items}


def without_key(metadata: Mapping[str, Any], key_id: str) -> dict[str, Any] | None:
    """The metadata less the key line named `key_id`; None when no line has that name."""
    items = [dict(item) for item in metadata.get("items") or []]
    removed = False
    for item in items:
        if item["key"] not in METADATA_KEYS:
            continue
        kept = []
        for line in (item.get("value") or "").splitlines():
            user, _, key = line.strip().partition(":")
            if f"{user}:{fingerprint(key)}" == key_id:
                removed = True
            else:
                kept.append(line)
        item["value"] = "\n".join(kept)
    return {"fingerprint": metadata.get("fingerprint"), "items": items} if removed else None
