"""CloudStack's request signature, computed as CloudStack's own server computes it.

The parameters but `signature`, sorted by name, each value URL-encoded as Java's URLEncoder does
(with `%20` for spaces), joined as `name=value&…`, lower-cased, HMAC-SHA1 with the secret key,
base64. Values are the decoded ones the request carries. Java encodes `~` as `%7E` where Python's
`quote` (and so the `cs` client) leaves it: such signatures fail, as on real CloudStack.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import quote

EXPIRES_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def java_url_encode(value: str) -> str:
    """java.net.URLEncoder.encode(value, "UTF-8").replace("+", "%20")."""
    return quote(value, safe="*").replace("~", "%7E")


def expected_signature(params: Iterable[tuple[str, str]], secret: str) -> str:
    """The signature CloudStack computes for these (decoded) parameters."""
    unsigned = "&".join(
        f"{name}={java_url_encode(value)}" for name, value in sorted(params) if name.lower() != "signature"
    )
    digest = hmac.new(secret.encode(), unsigned.lower().encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signature_matches(params: Iterable[tuple[str, str]], signature: str, secret: str) -> bool:
    return hmac.compare_digest(expected_signature(params, secret), signature.strip())


def expires_at(text: str) -> datetime:
    """The instant an `expires` parameter names (`2026-12-03T08:40:19+0000`); ValueError when unreadable."""
    try:
        return datetime.strptime(text, EXPIRES_FORMAT).astimezone(UTC)
    except OverflowError:  # its offset takes it past year 1 or 9999
        raise ValueError(f"expires {text[:40]!r} is out of range") from None
