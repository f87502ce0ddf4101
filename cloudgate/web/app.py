"""The dashboard as an ASGI app (mounted at /ui by the composition root): server-rendered pages over the core, our
own script and stylesheet as static files, every failure as a page (the sign-in page when the session is missing
or over)."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from cloudgate.core import CoreSource
from cloudgate.errors import CloudgateError, Unauthenticated
from cloudgate.serving.request_ids import RequestIds
from cloudgate.settings import Settings
from cloudgate.web.context import WebState, web_state
from cloudgate.web.pages import ROUTES
from cloudgate.web.render import Pages, ui_root, wants_fragment
from cloudgate.web.session import CsrfRefused

log = logging.getLogger("cloudgate.web")

STATIC = Path(__file__).parent / "static"

TITLES = {400: "Bad request", 401: "Sign in", 403: "Refused", 404: "Not found", 405: "Not allowed", 409: "Conflict",
          413: "Too large", 415: "Not a form", 422: "Cannot do that", 429: "Too many requests",
          503: "Not ready"}  # fmt: skip


class RefuseNul:
    """A NUL in the path or the query is refused before any page reads it (PostgreSQL text cannot hold one)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = scope.get("query_string", b"")
        if scope["type"] == "http" and ("\x00" in scope["path"] or b"%00" in query or b"\x00" in query):
            page = error_page(Request(scope), 422, "NUL characters are not allowed in an address.", "invalid_request")
            await page(scope, receive, send)
            return
        await self.app(scope, receive, send)


def error_page(request: Request, status: int, message: str, code: str) -> Response:
    return web_state(request).pages.render(
        request, "error.html", status=status, title=TITLES.get(status, "Error"), message=message, code=code,
    )  # fmt: skip


async def cloudgate_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CloudgateError)
    if isinstance(exc, Unauthenticated) and not isinstance(exc, CsrfRefused):
        if wants_fragment(request):  # the page's script: it says the session is over and offers to sign in
            return PlainTextResponse(exc.message, status_code=401)
        # Back to the page asked for once signed in; after a refused POST, to the overview (nothing is resent).
        wanted = ui_root(request) + "/"
        if request.method == "GET":
            wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"{ui_root(request)}/signin?next={quote(wanted, safe='')}", status_code=303)
    if exc.status >= 500:
        log.warning("%s: %s", exc.code, exc.message)
    return error_page(request, exc.status, exc.message, exc.code)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_page(request, 404, f"There is no page at {request.url.path}.", "not_found")
    if exc.status_code == 405:
        return error_page(request, 405, f"{request.method} is not allowed on {request.url.path}.", "method_not_allowed")
    return error_page(request, exc.status_code, str(exc.detail), "http_error")


async def internal_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error in %s %s", request.method, request.url.path, exc_info=exc)
    return error_page(request, 500, "Something went wrong in the gateway; it has been logged.", "internal_error")


def create_web_app(core_source: CoreSource, settings: Settings) -> Starlette:
    """The dashboard over the core `core_source` returns when a request comes."""
    app = Starlette(
        routes=[Mount("/static", app=StaticFiles(directory=STATIC), name="static"), *ROUTES],
        middleware=[Middleware(RequestIds), Middleware(RefuseNul)],
        exception_handlers={CloudgateError: cloudgate_error, HTTPException: http_error, Exception: internal_error},
    )  # fmt: skip
    app.state.web = WebState(core_source, Pages(), settings.max_body_bytes, settings.sse_heartbeat_seconds)
    return app
