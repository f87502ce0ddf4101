"""The EC2 Query API as an ASGI app (mounted at /ec2): form-encoded POST or GET with `Action`, authenticated
by AWS Signature Version 4 with gateway-issued access keys, answered in EC2's XML."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cloudgate.core import Caller, Core, CoreSource
from cloudgate.errors import CloudgateError
from cloudgate.frontends.ec2 import wire
from cloudgate.frontends.ec2.actions import ACTIONS
from cloudgate.frontends.ec2.context import Ec2Request
from cloudgate.frontends.ec2.errors import Ec2Error, from_core
from cloudgate.frontends.ec2.signing import MalformedSignature, read_signature, signature_matches
from cloudgate.serving.request_ids import RequestIds, request_id
from cloudgate.settings import Settings

log = logging.getLogger("cloudgate.ec2")

MAX_CLOCK_SKEW = timedelta(minutes=5)  # a signed request older or newer than this is refused, as EC2 does
XML = "text/xml;charset=UTF-8"
# One endpoint takes every method: one it does not serve gets EC2's error, not the framework's.
EVERY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


class Ec2App:
    def __init__(self, core_source: CoreSource, settings: Settings):
        self._core_source = core_source
        self._max_body = settings.max_body_bytes

    async def handle(self, request: Request) -> Response:
        rid = request_id(request.scope)
        try:
            return await self._answer(request, rid)
        except Ec2Error as exc:
            return Response(wire.render_error(exc.code, exc.message, rid), exc.status, media_type=XML)
        except CloudgateError as exc:
            error = from_core(exc)
            return Response(wire.render_error(error.code, error.message, rid), error.status, media_type=XML)
        except Exception:
            log.exception("EC2 request %s failed", rid)
            return Response(
                wire.render_error("InternalError", "An internal error has occurred", rid), 500, media_type=XML
            )

    async def _answer(self, request: Request, rid: str) -> Response:
        if request.method not in ("GET", "POST"):
            raise Ec2Error("InvalidParameterValue", f"The EC2 API takes GET and POST, not {request.method[:16]}", 405)
        body = await self._body(request)
        params = _params(request.url.query, body if request.method == "POST" else b"")
        core = self._core_source()
        caller = await _authenticate(core, request, body, rid)
        action = params.get("Action", "")
        model = wire.operation(action)
        handler = ACTIONS.get(action)
        if model is None or handler is None:
            raise Ec2Error("InvalidAction", f"The action {action[:100]} is not valid for this web service.")
        try:
            given = wire.parse_input(model, params)
        except wire.WireError as exc:
            raise Ec2Error(exc.code, str(exc)) from None
        if given.get("DryRun"):
            raise Ec2Error("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412)
        account = await core.accounts.get(caller, caller.account_id or "")
        output = await handler(Ec2Request(core, caller, account, rid), given)
        return Response(wire.render_output(model, output, rid), media_type=XML)

    async def _body(self, request: Request) -> bytes:
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self._max_body:
                raise Ec2Error("InvalidParameterValue", f"The request body exceeds {self._max_body} bytes", 413)
            chunks.append(chunk)
        return b"".join(chunks)


def _params(query: str, body: bytes) -> dict[str, str]:
    """The request's parameters, from the query string and a form-encoded body; one value each."""
    params: dict[str, str] = {}
    try:
        pairs = parse_qsl(query, keep_blank_values=True) + parse_qsl(
            body.decode(), keep_blank_values=True, strict_parsing=bool(body)
        )
    except (UnicodeDecodeError, ValueError):
        raise Ec2Error("InvalidParameterValue", "the request parameters are not form-encoded text") from None
    for name, value in pairs:
        if name in params:
            raise Ec2Error("InvalidParameterValue", f"The parameter {name[:100]} is given more than once")
        if "\x00" in name or "\x00" in value:
            raise Ec2Error("InvalidParameterValue", "Parameters must not hold NUL characters")
        params[name] = value
    return params


async def _authenticate(core: Core, request: Request, body: bytes, rid: str) -> Caller:
    headers: Mapping[str, str] = {name.lower(): value for name, value in request.headers.items()}
    if "authorization" not in headers:
        raise Ec2Error("MissingAuthenticationToken", "Request is missing Authentication Token", 401)
    try:
        signature = read_signature(headers)
    except MalformedSignature as exc:
        raise Ec2Error("IncompleteSignature", str(exc), 401) from None
    skew = datetime.now(UTC) - signature.signed_at()
    if abs(skew) > MAX_CLOCK_SKEW:
        raise Ec2Error(
            "RequestExpired",
            f"Request has expired: signed at {signature.timestamp}, {abs(skew).total_seconds():.0f} s off",
            400,
        )
    if signature.service != "ec2":
        raise Ec2Error(
            "AuthFailure",
            f"Credential should be scoped to a valid service ('ec2', not '{signature.service[:40]}')",
            401,
        )
    url = f"{request.url.scheme}://{headers.get('host', '')}{request.scope.get('raw_path', b'/').decode('latin-1')}"
    if request.url.query:
        url += f"?{request.url.query}"

    def check(secret: str) -> bool:
        return signature_matches(signature, secret, method=request.method, url=url, headers=headers, body=body)

    return await core.credentials.authenticate(signature.access_key_id, check, request_id=rid, region=signature.region)


def create_ec2_app(core_source: CoreSource, settings: Settings) -> Starlette:
    """The EC2 front-end over the core `core_source` returns (mount it at /ec2)."""
    return Starlette(
        routes=[Route("/{rest:path}", Ec2App(core_source, settings).handle, methods=EVERY_METHOD)],
        middleware=[Middleware(RequestIds, header="X-Amzn-RequestId")],
    )
