"""Request dependencies: the core behind the app, and the caller named by the bearer token (in the scope
its X-Cloudgate-Scope header names)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from cloudgate.core import Caller, Core, CoreSource
from cloudgate.errors import Unauthenticated
from cloudgate.serving.request_ids import request_id

SCOPE_HEADER = "x-cloudgate-scope"  # {"<service>": "<account id or alias>", …} as JSON
_bearer = HTTPBearer(auto_error=False, description="A token from `POST /v1/tokens`.")


# Dependencies are coroutines: FastAPI would run a plain function in a worker thread, a hop per request.
async def core_of(request: Request) -> Core:
    source: CoreSource = request.app.state.core_source
    return source()


async def bearer_token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    if credentials is None:
        raise Unauthenticated("a bearer token is required (Authorization: Bearer <token>)")
    return credentials.credentials


CoreDep = Annotated[Core, Depends(core_of)]
TokenDep = Annotated[str, Depends(bearer_token)]


async def authenticated(request: Request, token: TokenDep) -> Caller:
    # The core is looked up here rather than as a dependency: every level of dependencies costs
    # FastAPI time on each request, and this one is on all of them.
    core = await core_of(request)
    principal = await core.auth.authenticate(token)
    caller = Caller.of(principal, request_id=request_id(request.scope))
    scope = request.headers.get(SCOPE_HEADER)
    return await core.scopes.bind(caller, scope) if scope else caller


CallerDep = Annotated[Caller, Depends(authenticated)]
