"""AWS Signature Version 4 of incoming EC2 Query requests, computed again with botocore's own signer.

The request is rebuilt as botocore would have sent it (method, URL, the headers the client signed,
the body) and signed with the key's secret at the client's timestamp; the signatures must match.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from botocore.auth import SIGV4_TIMESTAMP, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ALGORITHM = "AWS4-HMAC-SHA256"
_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),"
    r"\s*Signature=(?P<signature>[0-9a-f]{64})$"
)


class MalformedSignature(ValueError):
    """The request carries no SigV4 signature, or one that cannot be read."""


@dataclass(frozen=True, slots=True)
class Signature:
    """What an Authorization header says: who signed, for which scope, which headers, when."""

    access_key_id: str
    date: str  # yyyymmdd of the credential scope
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    timestamp: str  # X-Amz-Date, yyyymmddThhmmssZ

    def signed_at(self) -> datetime:
        return datetime.strptime(self.timestamp, SIGV4_TIMESTAMP).replace(tzinfo=UTC)


def read_signature(headers: Mapping[str, str]) -> Signature:
    """The signature of a request from its headers (lower-case names); MalformedSignature when absent or unreadable."""
    authorization = headers.get("authorization", "")
    match = _AUTHORIZATION.match(authorization.strip())
    if match is None:
        raise MalformedSignature("the request is not signed with AWS4-HMAC-SHA256 (Authorization header)")
    parts = match.group("credential").split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not parts[0]:
        raise MalformedSignature("the Authorization header's Credential is not key/date/region/service/aws4_request")
    timestamp = headers.get("x-amz-date", "")
    try:
        datetime.strptime(timestamp, SIGV4_TIMESTAMP)
    except ValueError:
        raise MalformedSignature("X-Amz-Date must be a timestamp such as 20261203T101500Z") from None
    if timestamp[:8] != parts[1]:
        raise MalformedSignature("the credential scope's date is not the day of X-Amz-Date")
    signed = tuple(match.group("signed").split(";"))
    if "host" not in signed or any(name not in headers for name in signed):
        raise MalformedSignature("SignedHeaders must name host and only headers the request carries")
    return Signature(parts[0], parts[1], parts[2], parts[3], signed, match.group("signature"), timestamp)


def signature_matches(
    signature: Signature, secret: str, *, method: str, url: str, headers: Mapping[str, str], body: bytes
) -> bool:
    """Whether `secret` gives the signature the request carries (`url` as the client addressed it:
    scheme, host, the raw path and query)."""
    request = AWSRequest(
        method=method, url=url, data=body, headers={name: headers[name] for name in signature.signed_headers}
    )
    request.context["timestamp"] = signature.timestamp
    signer = SigV4Auth(Credentials(signature.access_key_id, secret), signature.service, signature.region)
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    return hmac.compare_digest(expected, signature.signature)
