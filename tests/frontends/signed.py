"""Requests signed by the real clients' own signers (botocore's SigV4, `cs`'s CloudStack signature),
captured just before they would leave the client: what a front-end receives, without a network."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import boto3
import requests
from cs import CloudStack


@dataclass(frozen=True, slots=True)
class SigV4Request:
    method: str
    url: str
    headers: dict[str, str]  # lower-case names, the Host header included as the HTTP client sends it
    body: bytes


@dataclass(frozen=True, slots=True)
class CloudStackRequest:
    params: list[tuple[str, str]]  # decoded, without the signature
    signature: str


class _Captured(Exception):
    """Stops the client once its request is signed."""


def sigv4_signed(key_id: str, secret: str, *, region: str, endpoint: str = "http://127.0.0.1:8080/ec2") -> SigV4Request:
    """A DescribeInstances request as boto3 signs it."""
    client = boto3.client(
        "ec2", endpoint_url=endpoint, region_name=region, aws_access_key_id=key_id, aws_secret_access_key=secret
    )
    sent = []

    def capture(request, **_kwargs):
        sent.append(request)
        raise _Captured

    client.meta.events.register("before-send.ec2.DescribeInstances", capture)
    with contextlib.suppress(_Captured):
        client.describe_instances(Filters=[{"Name": "tag:team", "Values": ["a b", "c/d"]}])
    request = sent[0]
    headers = {name.lower(): value.decode() if isinstance(value, bytes) else value for name, value in request.headers.items()}
    headers["host"] = urlsplit(request.url).netloc
    body = request.body.encode() if isinstance(request.body, str) else bytes(request.body or b"")
    return SigV4Request(request.method, request.url, headers, body)


class _CapturingSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **_kwargs) -> requests.Response:  # type: ignore[override]
        self.sent.append(request)
        response = requests.Response()
        response.status_code = 200
        response.headers["Content-Type"] = "application/json"
        response._content = b'{"listresponse": {}}'
        return response


def cloudstack_signed(key: str, secret: str, command: str, **params: str) -> CloudStackRequest:
    """A request as `cs` signs it (GET, signature version 3 with `expires`)."""
    session = _CapturingSession()
    client = CloudStack(endpoint="http://127.0.0.1:8080/client/api", key=key, secret=secret, session=session)
    getattr(client, command)(**params)
    query = parse_qsl(urlsplit(session.sent[0].url).query, keep_blank_values=True)
    signature = next(value for name, value in query if name == "signature")
    return CloudStackRequest([(name, value) for name, value in query if name != "signature"], signature)
