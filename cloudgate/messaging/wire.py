"""The JSON of API requests and responses carried in AMQP messages.

A request: `{"method", "path", "query", "headers", "body", "scope"}`; a response: `{"status", "headers", "body"}`.
`query` is a query string (`"a=1&b=2"`) or an object of names to a value or a list of values. `scope` (optional)
is the request's scope, `{"image": "CloudTwo"}`, as an object or as JSON text (what /v1 takes in the
X-Cloudgate-Scope header).
A body is text (UTF-8); one that is not text travels as `body_base64` instead of `body`.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator

__all__ = ["JSON", "Query", "ValidationError", "WireRequest", "WireResponse"]

JSON = "application/json"  # the content type of every message that carries a request or a response

Query = str | dict[str, str | list[str]]

# Headers about one hop of HTTP: the message is the hop here, and the app's own client sets them anew.
HOP_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade"})


def _encoded_body(content: bytes) -> dict[str, str]:
    """`{"body": text}`, or `{"body_base64": …}` for bytes that are not UTF-8."""
    try:
        return {"body": content.decode("utf-8")}
    except UnicodeDecodeError:
        return {"body_base64": base64.b64encode(content).decode("ascii")}


class _Carried(BaseModel):
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = None
    body_base64: str | None = None

    @field_validator("body_base64")
    @classmethod
    def _is_base64(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                base64.b64decode(value, validate=True)
            except binascii.Error as exc:
                raise ValueError("body_base64 is not base64") from exc
        return value

    def content(self) -> bytes:
        if self.body_base64 is not None:
            return base64.b64decode(self.body_base64)
        return (self.body or "").encode("utf-8")

    def encode(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode("utf-8")


class WireRequest(_Carried):
    method: str = Field(pattern=r"^[A-Z]{1,16}$")
    path: str = Field(pattern=r"^/([^/].*)?$", max_length=8192, description="Path on the gateway, e.g. /v1/instances.")
    query: Query = ""
    scope: str | dict[str, Any] | None = Field(
        None, description='Clouds per service for this request: {"image": "CloudTwo"} (object or JSON text).'
    )

    def forwarded_headers(self) -> dict[str, str]:
        return {name: value for name, value in self.headers.items() if name.lower() not in HOP_HEADERS}

    @classmethod
    def build(
        cls, method: str, path: str, *, query: Query = "", headers: dict[str, str] | None = None,
        content: bytes = b"", scope: str | dict[str, Any] | None = None,
    ) -> WireRequest:  # fmt: skip
        return cls(method=method.upper(), path=path, query=query, headers=headers or {}, scope=scope,
                   **_encoded_body(content))  # fmt: skip


class WireResponse(_Carried):
    status: int = Field(ge=100, le=599)

    @classmethod
    def build(cls, status: int, headers: dict[str, str], content: bytes) -> WireResponse:
        return cls(status=status, headers=headers, **_encoded_body(content))
