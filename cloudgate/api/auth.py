"""Request dependencies: the gateway behind the app, and the caller named by its bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from cloudgate.core.auth import Principal
from cloudgate.core.gateway import Gateway
from cloudgate.errors import NotReady, Unauthenticated

_bearer = HTTPBearer(auto_error=False, description="A token from `POST /v1/tokens`.")


# Dependencies are coroutines: FastAPI would run a plain function in a worker thread, a hop per request.
async def gateway_of(request: Request) -> Gateway:
    gateway: Gateway | None = request.app.state.gateway
    if gateway is None:
        raise NotReady("the gateway is not open")
    return gateway


async def bearer_token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    if credentials is None:
        raise Unauthenticated("a bearer token is required (Authorization: Bearer <token>)")
    return credentials.credentials


GatewayDep = Annotated[Gateway, Depends(gateway_of)]
TokenDep = Annotated[str, Depends(bearer_token)]


async def authenticated(request: Request, token: TokenDep) -> Principal:
    # The gateway is looked up here rather than as a dependency: every level of dependencies costs
    # FastAPI time on each request, and this one is on all of them.
    return await (await gateway_of(request)).auth.authenticate(token)


PrincipalDep = Annotated[Principal, Depends(authenticated)]
