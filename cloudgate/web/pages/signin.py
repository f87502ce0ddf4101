"""Signing in with a client's id and secret (checked by the core as /v1's token endpoint checks them) and out."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from cloudgate.errors import Unauthenticated
from cloudgate.web.context import core_of, posted, signed_in, web_state
from cloudgate.web.render import ui_root
from cloudgate.web.session import csrf_token, end_session, signin_secret, start_session

MAX_FIELD = 500  # a client id or secret longer than this is no client's


def _next_page(request: Request, wanted: str) -> str:
    """Where to go once signed in: a page of the dashboard the browser was sent away from, else the overview
    (never another site: an open redirect would lend the dashboard's name to any link)."""
    root = ui_root(request)
    if wanted.startswith(root + "/") and not wanted.startswith("//") and "\\" not in wanted:
        return wanted
    return root + "/"


def _form(
    request: Request, *, status: int = 200, error: str | None = None, client_id: str = "", wanted: str | None = None
) -> Response:
    """The sign-in form; once signed in, the browser goes to `wanted` (default: the page the URL's `next` names)."""
    response = Response()  # carries the sign-in cookie, when a new one is set
    secret = signin_secret(request, response)
    page = web_state(request).pages.render(
        request, "signin.html", status=status, error=error, client_id=client_id, signin_csrf=csrf_token(secret),
        next_page=_next_page(request, request.query_params.get("next", "") if wanted is None else wanted),
    )  # fmt: skip
    page.raw_headers += [(name, value) for name, value in response.raw_headers if name == b"set-cookie"]
    return page


async def signin_page(request: Request) -> Response:
    return _form(request)


async def signin(request: Request) -> Response:
    form = await posted(request)  # its CSRF token first: bound to this browser's sign-in cookie
    client_id, secret, wanted = form.one("client_id"), form.fields.get("secret", [""])[0], form.one("next")
    if not client_id or not secret:
        return _form(request, status=400, error="Give a client id and its secret.", client_id=client_id[:MAX_FIELD],
                     wanted=wanted)  # fmt: skip
    if len(client_id) > MAX_FIELD or len(secret) > MAX_FIELD:
        return _form(request, status=401, error="Unknown client id or wrong secret.", wanted=wanted)
    core = core_of(request)
    try:
        issued = await core.auth.issue_token(client_id, secret)
    except Unauthenticated:
        # The same words for an unknown client and a wrong secret: a form must not tell which ids exist.
        return _form(request, status=401, error="Unknown client id or wrong secret.", client_id=client_id,
                     wanted=wanted)  # fmt: skip
    response = RedirectResponse(_next_page(request, wanted), status_code=303)
    start_session(request, response, issued.token, issued.expires_at)
    return response


async def signout(request: Request) -> Response:
    await posted(request)
    response = RedirectResponse(ui_root(request) + "/signin", status_code=303)
    try:
        core, session = await signed_in(request)
        await core.auth.revoke(session.caller)
    except Unauthenticated:
        pass  # already ended (expired, or revoked elsewhere): forgetting the cookie is all that is left
    end_session(request, response)
    return response


ROUTES: list[BaseRoute] = [
    Route("/signin", signin_page, methods=["GET"]),
    Route("/signin", signin, methods=["POST"]),
    Route("/signout", signout, methods=["POST"]),
]
