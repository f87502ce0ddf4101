"""What every page handler starts from: the core, the templates and the limits of the dashboard app, the signed-in
session of the request, and a posted form checked for its CSRF token first."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from cloudgate.core import Core, CoreSource
from cloudgate.web.forms import Form, read_form
from cloudgate.web.render import Pages
from cloudgate.web.session import Session, current_session


@dataclass(frozen=True, slots=True)
class WebState:
    """The dashboard app's own parts (`app.state.web`)."""

    core_source: CoreSource
    pages: Pages
    max_body_bytes: int
    heartbeat_seconds: float


def web_state(request: Request) -> WebState:
    return request.app.state.web


def core_of(request: Request) -> Core:
    return web_state(request).core_source()


async def signed_in(request: Request) -> tuple[Core, Session]:
    """The core and the request's session; Unauthenticated (the app answers with the sign-in page) without one."""
    core = core_of(request)
    return core, await current_session(request, core)


async def posted(request: Request) -> Form:
    """The request's form, its CSRF token checked before anything else is done (CsrfRefused: 403)."""
    return await read_form(request, web_state(request).max_body_bytes)
