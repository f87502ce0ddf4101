"""CloudStack's API as an ASGI app (mounted at /client/api): GET or form POST with `command` and parameters,
authenticated by a signature with a gateway-issued API key or by a `login` session, answered as XML (the
default) or JSON (`response=json`), errors with CloudStack's codes as HTTP statuses."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cloudgate.core import Caller, Core, CoreSource
from cloudgate.errors import CloudgateError
from cloudgate.frontends.cloudstack import params as declared
from cloudgate.frontends.cloudstack import sessions, wire
from cloudgate.frontends.cloudstack.commands import COMMANDS, SESSION_COMMANDS
from cloudgate.frontends.cloudstack.context import CsRequest
from cloudgate.frontends.cloudstack.errors import (
    CS_ERROR_CODES,
    INTERNAL_ERROR,
    PARAM_ERROR,
    UNAUTHORIZED,
    UNSUPPORTED_ACTION,
    UNVERIFIED,
    CsError,
    from_core,
)
from cloudgate.frontends.cloudstack.signing import expires_at, signature_matches
from cloudgate.serving.request_ids import RequestIds, request_id
from cloudgate.settings import Settings

log = logging.getLogger("cloudgate.cloudstack")

UNKNOWN_COMMAND = "The given command does not exist or it is not available for user"
EVERY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
Pairs = list[tuple[str, str]]


class CloudStackApp:
    def __init__(self, core_source: CoreSource, settings: Settings):
        self._core_source = core_source
        self._max_body = settings.max_body_bytes

    async def handle(self, request: Request) -> Response:
        rid = request_id(request.scope)
        command, as_json = "", False
        try:
            pairs = await self._pairs(request)
            # the command and the answer's format first: a refusal of repeated parameters is shaped by them too
            command = next((value for name, value in pairs if name.lower() == "command"), "")
            as_json = next((value for name, value in pairs if name.lower() == "response"), "").lower() == "json"
            given = _by_lower_name(pairs)
            return await self._answer(request, rid, pairs, given, command, as_json)
        except CsError as exc:
            return _error(command, exc, as_json)
        except CloudgateError as exc:
            return _error(command, from_core(exc), as_json)
        except Exception:
            log.exception("CloudStack request %s failed", rid)
            return _error(
                command, CsError(INTERNAL_ERROR, f"Internal error executing command (request {rid})"), as_json
            )

    async def _answer(
        self, request: Request, rid: str, pairs: Pairs, given: dict[str, str], command: str, as_json: bool
    ) -> Response:
        core = self._core_source()
        if command == "login":
            if request.method != "POST":  # a password in a URL ends up in logs
                raise CsError(405, "Please use HTTP POST to authenticate using this API")
            body, session_key = await sessions.login(
                core, declared.read(command, SESSION_COMMANDS[command][1], given), rid
            )
            response = _answered(command, body, as_json)
            response.set_cookie(sessions.COOKIE, sessions.session_cookie(session_key), path="/client", httponly=True,
                                samesite="lax")  # fmt: skip
            return response
        caller = await _authenticate(core, request, pairs, given, rid)
        if command == "logout":
            if caller.principal.token_id is not None:  # a signed request has no session to end
                await core.auth.revoke(caller)
            response = _answered(command, {"description": "success"}, as_json)
            response.delete_cookie(sessions.COOKIE, path="/client")
            return response
        spec = COMMANDS.get(command)
        if spec is None:
            raise CsError(UNSUPPORTED_ACTION, UNKNOWN_COMMAND)
        values = declared.read(command, spec.params, given)
        account = await core.accounts.get(caller, caller.account_id or "")
        body = await spec.handler(CsRequest(core, caller, account, command, rid), values)
        return _answered(command, body, as_json)

    async def _pairs(self, request: Request) -> Pairs:
        """The request's parameters, decoded, from the query string and a form-encoded body."""
        if request.method not in ("GET", "POST"):
            raise CsError(405, f"The API takes GET and POST, not {request.method[:16]}")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self._max_body:
                raise CsError(PARAM_ERROR, f"The request body exceeds {self._max_body} bytes")
            chunks.append(chunk)
        body = b"".join(chunks) if request.method == "POST" else b""
        try:
            pairs = parse_qsl(request.url.query, keep_blank_values=True)
            pairs += parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=bool(body))
        except (UnicodeDecodeError, ValueError):
            raise CsError(PARAM_ERROR, "The request parameters are not form-encoded text") from None
        if any("\x00" in name or "\x00" in value for name, value in pairs):
            raise CsError(PARAM_ERROR, "Parameters must not hold NUL characters")
        return pairs


def _by_lower_name(pairs: Pairs) -> dict[str, str]:
    """Parameters by their name in lower case (CloudStack's names are case-insensitive); one value each."""
    given: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        if key in given:
            raise CsError(PARAM_ERROR, f"The parameter {name[:100]} is given more than once")
        given[key] = value
    return given


async def _authenticate(core: Core, request: Request, pairs: Pairs, given: dict[str, str], rid: str) -> Caller:
    if "apikey" in given or "signature" in given:
        return await _signed(core, pairs, given, rid)
    if "sessionkey" in given:
        return await sessions.session_caller(core, given["sessionkey"], request.cookies.get(sessions.COOKIE), rid)
    raise CsError(UNAUTHORIZED, UNVERIFIED)


async def _signed(core: Core, pairs: Pairs, given: dict[str, str], rid: str) -> Caller:
    """A request signed with an API key: the signature (of every parameter but itself) and, from signature
    version 3 on, an `expires` still ahead."""
    api_key, signature = given.get("apikey"), given.get("signature")
    if not api_key or not signature:
        raise CsError(UNAUTHORIZED, UNVERIFIED)
    if given.get("signatureversion") == "3":
        try:
            expired = expires_at(given.get("expires", "")) <= datetime.now(UTC)
        except ValueError:
            expired = True
        if expired:
            raise CsError(UNAUTHORIZED, UNVERIFIED)
    unsigned = [(name, value) for name, value in pairs if name.lower() != "signature"]
    try:
        return await core.credentials.authenticate(
            api_key, lambda secret: signature_matches(unsigned, signature, secret), request_id=rid
        )
    except CloudgateError:
        raise CsError(UNAUTHORIZED, UNVERIFIED) from None


def _answered(command: str, body: dict, as_json: bool) -> Response:
    content, media_type = wire.render(wire.response_name(command), body, as_json)
    return Response(content, media_type=media_type)


def _error(command: str, error: CsError, as_json: bool) -> Response:
    """CloudStack's error answer: named after the command (`errorresponse` for one it does not know), with the
    error code as the HTTP status."""
    name = wire.response_name(command if command in COMMANDS or command in SESSION_COMMANDS else "")
    body = {"uuidList": [], "errorcode": error.code, "cserrorcode": CS_ERROR_CODES.get(error.code, 9999),
            "errortext": error.text}  # fmt: skip
    content, media_type = wire.render(name, body, as_json)
    return Response(content, status_code=error.code, media_type=media_type)


def create_cloudstack_app(core_source: CoreSource, settings: Settings) -> Starlette:
    """The CloudStack front-end over the core `core_source` returns (mount it at /client/api)."""
    return Starlette(
        routes=[Route("/{rest:path}", CloudStackApp(core_source, settings).handle, methods=EVERY_METHOD)],
        middleware=[Middleware(RequestIds)],
    )
