"""An OAuth2 token endpoint (as Gstack had one) for Google's clients that fetch their own tokens: a gateway
client's id and secret (form fields or HTTP Basic) for the `client_credentials` grant, or the `refresh_token`
grant that google-auth's user credentials send (client id and secret, any refresh token), answered with a
gateway bearer token. An access key the gateway issued (`cloudgate credential create`: its id as the client
id, its secret as the client secret) gets a token bound to the key's account that carries the key's scope:
how an unmodified Google client runs in a scope. Errors in OAuth2's shape (RFC 6749 §5.2)."""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request
from starlette.responses import Response

from cloudgate.core import Core, CoreSource
from cloudgate.core.auth import IssuedToken
from cloudgate.core.credentials import KEY_ID_PREFIX
from cloudgate.errors import Unauthenticated

GRANTS = frozenset({"client_credentials", "refresh_token"})
MAX_BODY = 16_384
SCOPE = "https://www.googleapis.com/auth/compute"


def _refused(status: int, error: str, description: str) -> Response:
    body = {"error": error, "error_description": description}
    return Response(orjson.dumps(body), status_code=status, media_type="application/json",
                    headers={"Cache-Control": "no-store"})  # fmt: skip


def _basic(request: Request) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, secret


async def issued_token(core: Core, client_id: str, secret: str) -> IssuedToken:
    """A token for a gateway client, or for an access key (bound to its account, in its scope);
    Unauthenticated when neither has these id and secret."""
    try:
        return await core.auth.issue_token(client_id, secret)
    except Unauthenticated:
        if not client_id.startswith(KEY_ID_PREFIX):
            raise
    caller = await core.credentials.authenticate(
        client_id, lambda held: hmac.compare_digest(held.encode(), secret.encode())
    )
    return await core.auth.issue(caller.principal, caller.account_id, caller.scope)


def create_token_endpoint(core_source: CoreSource) -> Callable[[Request], Awaitable[Response]]:
    async def token(request: Request) -> Response:
        if request.method != "POST":
            return _refused(405, "invalid_request", "POST the token request")
        raw = await request.body()
        if len(raw) > MAX_BODY:
            return _refused(400, "invalid_request", "The token request is too large")
        try:
            form = dict(parse_qsl(raw.decode(), keep_blank_values=True))
        except (UnicodeDecodeError, ValueError):
            return _refused(400, "invalid_request", "The token request is not form-encoded")
        if form.get("grant_type") not in GRANTS:
            return _refused(400, "unsupported_grant_type", f"Grant types: {', '.join(sorted(GRANTS))}")
        client_id, secret = _basic(request) or (form.get("client_id", ""), form.get("client_secret", ""))
        try:
            issued = await issued_token(core_source(), client_id, secret)
        except Unauthenticated:
            return _refused(401, "invalid_client", "Unknown client id or wrong secret")
        body = {"access_token": issued.token, "token_type": "Bearer", "scope": form.get("scope") or SCOPE,
                "expires_in": max(int(issued.expires_at - time.time()), 0)}  # fmt: skip
        return Response(orjson.dumps(body), media_type="application/json", headers={"Cache-Control": "no-store"})

    return token
