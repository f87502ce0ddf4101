"""Every failure as one JSON shape, `{"error": {"code", "message", "details"?}}`, with a stable code."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cloudgate.errors import CloudgateError, UnknownKind

log = logging.getLogger("cloudgate.api")


# Codes of the errors the framework raises itself (routing, body parsing), by HTTP status.
FRAMEWORK_CODES: dict[int, str] = {
    400: "malformed_json",  # a body it could not parse
    404: "not_found",
    405: "method_not_allowed",
}

# /v1/{collection}, /v1/{collection}/{id} and /v1/{collection}/{id}/actions/{action}
_COLLECTION_PATH = re.compile(r"^/v1/([^/]+)(?:/[^/]+(?:/actions/[^/]+)?)?/?$")


def error_response(
    status: int, code: str, message: str, *, details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:  # fmt: skip
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status, headers=headers)


async def cloudgate_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CloudgateError)
    if exc.status >= 500:
        log.warning("%s: %s", exc.code, exc.message)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
    if exc.retry_after is not None:
        headers["Retry-After"] = str(max(0, math.ceil(exc.retry_after)))
    return JSONResponse({"error": exc.to_dict()}, status_code=exc.status, headers=headers)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "HTTP error"


def _not_found(request: Request, served: frozenset[str], headers: dict[str, str]) -> JSONResponse:
    """404: `unknown_kind` when the path has the shape of a collection's but names none, else `not_found`."""
    match = _COLLECTION_PATH.match(request.url.path)
    if match and match.group(1) not in served:
        unknown = UnknownKind(f"no resource collection named {match.group(1)!r}")
        return error_response(404, unknown.code, unknown.message, headers=headers)
    return error_response(404, FRAMEWORK_CODES[404], f"no route {request.method} {request.url.path}", headers=headers)


def http_error_handler(served: frozenset[str]) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    """The handler of the framework's own HTTP errors; `served` are the first path segments under /v1."""

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        status = exc.status_code
        headers = dict(exc.headers or {})  # a 405 says what is allowed
        if status == 404:
            return _not_found(request, served, headers)
        if status == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        else:
            message = exc.detail if isinstance(exc.detail, str) and exc.detail else _phrase(status)
        return error_response(status, FRAMEWORK_CODES.get(status, "http_error"), message, headers=headers)

    return http_error


def _field_name(location: tuple[Any, ...]) -> str:
    if location[:1] == ("query",):  # a repeated query parameter is named as one: query.tag, not query.tag.0
        location = tuple(part for part in location if not isinstance(part, int))
    return ".".join(str(part) for part in location)


async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = exc.errors()
    if any(problem.get("type") == "json_invalid" for problem in problems):
        return error_response(400, "malformed_json", "the request body is not valid JSON")
    # The offending input is left out on purpose: it may be a secret.
    fields = [{"field": _field_name(p.get("loc", ())), "message": p.get("msg", ""), "type": p.get("type", "")}
              for p in problems]  # fmt: skip
    first = fields[0] if fields else {"field": "request", "message": "invalid"}
    return error_response(422, "invalid_request", f"{first['field']}: {first['message']}", details={"fields": fields})


def install_error_handlers(app: FastAPI, served: frozenset[str]) -> None:
    app.add_exception_handler(CloudgateError, cloudgate_error)
    app.add_exception_handler(HTTPException, http_error_handler(served))
    app.add_exception_handler(RequestValidationError, validation_error)


class InternalErrors:
    """Any exception nothing else handled: logged here, answered as a bare 500 that leaks no internals."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch_start)
        except Exception:
            log.exception("unhandled error in %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise  # too late for an error response: let the server drop the connection
            response = error_response(500, "internal_error", "internal error")
            await response(scope, receive, send)
