"""Every HTTP request gets an id: the client's own `X-Request-Id` when it is a sane one, else a new one.
It is in `scope["state"]["request_id"]` for the app (the core carries it into operations and logs)
and goes back in the response's `X-Request-Id` header."""

from __future__ import annotations

import re

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cloudgate.model import new_request_id

HEADER = "X-Request-Id"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def request_id(scope: Scope) -> str:
    """The id of the request `scope` belongs to."""
    return scope["state"]["request_id"]


class RequestIds:
    def __init__(self, app: ASGIApp, header: str = HEADER):
        self.app = app
        self.header = header

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get(self.header, "")
        rid = given if _SANE.match(given) else new_request_id()
        scope.setdefault("state", {})["request_id"] = rid

        async def with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[self.header] = rid
            await send(message)

        await self.app(scope, receive, with_id)
