"""The dashboard's sign-in session and its protection against cross-site requests.

A session is a gateway token (issued by the core for a client's id and secret, as /v1's token endpoint does)
kept in an HttpOnly, SameSite=Strict cookie on the dashboard's path, Secure over HTTPS. Signing out revokes the
token. Every POST carries a CSRF token bound to the session: an HMAC keyed by the session's token, which the
page holds and a cross-site page cannot compute (it never sees the cookie). Keyed by the token rather than by a
key of the process, it outlives a restart of the gateway as the session does, and dies with it. Before sign-in
the same scheme binds the sign-in form to a random cookie of its own, so a foreign page cannot sign a browser in
to another client.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from cloudgate.core import Caller, Core
from cloudgate.errors import Forbidden, Unauthenticated
from cloudgate.serving.request_ids import request_id

SESSION_COOKIE = "cloudgate_session"
SIGNIN_COOKIE = "cloudgate_signin"  # the sign-in form's own secret, before there is a session
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"  # for scripts that post without a form
_CSRF_PURPOSE = b"cloudgate.web csrf v1"
SIGNIN_COOKIE_SECONDS = 3600


class CsrfRefused(Forbidden):
    """A POST without the token bound to the browser's session (or sign-in form)."""

    code = "csrf_refused"


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in browser: its gateway token, the caller it speaks for, and the token its forms carry."""

    token: str
    caller: Caller

    @property
    def csrf(self) -> str:
        return csrf_token(self.token)


def csrf_token(secret: str) -> str:
    """The CSRF token bound to `secret` (a session's token, or the sign-in form's cookie)."""
    digest = hmac.new(secret.encode(), _CSRF_PURPOSE, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def check_csrf(request: Request, sent: str | None) -> None:
    """Refuse a POST unless `sent` (the form's field, else the header) is the token of the browser's session
    cookie, or of its sign-in cookie; the first thing every POST handler does."""
    sent = sent or request.headers.get(CSRF_HEADER, "")
    for cookie in (SESSION_COOKIE, SIGNIN_COOKIE):
        secret = request.cookies.get(cookie)
        if secret and sent and hmac.compare_digest(csrf_token(secret), sent):
            return
    raise CsrfRefused(
        "this form was not sent from a page of this dashboard in this browser session "
        "(or the session has ended): open the page again and resend it"
    )


async def current_session(request: Request, core: Core) -> Session:
    """The session the request's cookie holds; Unauthenticated when it has none or its token is no longer good."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise Unauthenticated("sign in to use the dashboard")
    principal = await core.auth.authenticate(token)
    return Session(token, Caller.of(principal, request_id=request_id(request.scope)))


def _is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def _cookie_path(request: Request) -> str:
    return request.scope.get("root_path") or "/"


def start_session(request: Request, response: Response, token: str, expires_at: float) -> None:
    """Keep `token` in the browser until it expires (and forget the sign-in form's cookie)."""
    response.set_cookie(
        SESSION_COOKIE, token, max_age=max(0, int(expires_at - time.time())), path=_cookie_path(request),
        httponly=True, samesite="strict", secure=_is_https(request),
    )  # fmt: skip
    response.delete_cookie(SIGNIN_COOKIE, path=_cookie_path(request))


def end_session(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path=_cookie_path(request), httponly=True, samesite="strict")


def signin_secret(request: Request, response: Response) -> str:
    """The sign-in form's secret: the browser's sign-in cookie, or a new one set on `response`."""
    secret = request.cookies.get(SIGNIN_COOKIE)
    if not secret:
        secret = secrets.token_urlsafe(32)
        response.set_cookie(
            SIGNIN_COOKIE, secret, max_age=SIGNIN_COOKIE_SECONDS, path=_cookie_path(request), httponly=True,
            samesite="strict", secure=_is_https(request),
        )  # fmt: skip
    return secret
