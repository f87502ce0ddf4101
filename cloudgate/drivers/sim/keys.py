"""SSH key pairs: generating ed25519 keys, validating imported public keys, fingerprints."""

from __future__ import annotations

import base64
import hashlib
import random

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cloudgate.drivers.sim.native import SimApiError


def generate_keypair(rng: random.Random) -> tuple[str, str]:
    """A new ed25519 key as (OpenSSH public key, OpenSSH private key); seeded, so reproducible."""
    private = Ed25519PrivateKey.from_private_bytes(rng.randbytes(32))
    public_text = private.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    private_text = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    )
    return public_text.decode(), private_text.decode()


def parse_public_key(text: object) -> str:
    """The key in canonical OpenSSH form ("type base64"), or InvalidParameter."""
    try:
        key = serialization.load_ssh_public_key(text.encode()) if isinstance(text, str) else None
    except (ValueError, UnsupportedAlgorithm):
        key = None
    if key is None:
        raise SimApiError("InvalidParameter", "public_key is not an OpenSSH public key")
    return key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def fingerprint(public_key: str) -> str:
    """OpenSSH's SHA256 fingerprint of a canonical public key."""
    blob = base64.b64decode(public_key.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
