"""What the gateway cannot take in is refused before any route runs: bodies past the size limit (413),
bodies that are not strict JSON (400: Python's parser would let NaN, Infinity and lone surrogates
through), and NUL characters anywhere, which PostgreSQL text cannot hold (422)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cloudgate.api.errors import error_response


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def _holds_nul(value: Any) -> bool:
    """Whether any string (or key) in parsed JSON holds a NUL; iterative, as JSON may nest 1024 deep."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _nul_in_target(scope: Scope) -> bool:
    query = scope.get("query_string", b"")
    return "\x00" in scope["path"] or b"%00" in query or b"\x00" in query


class RequestIntake:
    """Reads each request's body (at most `max_bytes` of it) before the app does, judges it, and
    hands the app the same bytes."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self) -> Response:
        return error_response(413, "payload_too_large", f"the request body exceeds {self.max_bytes} bytes")

    async def _read_body(self, receive: Receive) -> bytes | None:
        """The whole body, or None as soon as it passes the limit (a chunked body declares no length)."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                raise ClientDisconnect
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _judge(self, scope: Scope, headers: Headers, body: bytes) -> Response | None:
        if _nul_in_target(scope):
            return error_response(422, "invalid_request", "NUL characters are not allowed in the path or query")
        if not body or not _is_json(headers.get("content-type", "")):
            return None
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            return error_response(400, "malformed_json", "the request body is not valid JSON")
        if _holds_nul(parsed):
            return error_response(422, "invalid_request", "NUL characters are not allowed in the body")
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        try:
            body = None if declared.isdigit() and int(declared) > self.max_bytes else await self._read_body(receive)
        except ClientDisconnect:
            return  # nobody is left to answer
        refusal = self._too_large() if body is None else self._judge(scope, headers, body)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: the disconnect, whenever it comes
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)
