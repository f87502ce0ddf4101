"""Bearer tokens: issued for a client's id and secret, revoked by their holder (or an admin)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from cloudgate.api.auth import CallerDep, CoreDep
from cloudgate.api.schemas import ERROR_RESPONSES, TokenOut, TokenRequest, TokenRevoke, WhoAmI

router = APIRouter(prefix="/v1", tags=["tokens"], responses=ERROR_RESPONSES)


@router.post("/tokens", status_code=201, response_model=TokenOut, summary="Exchange a client id and secret for a token")
async def issue_token(body: TokenRequest, core: CoreDep) -> dict:
    issued = await core.auth.issue_token(body.client_id, body.secret)
    return {"token": issued.token, "expires_at": issued.expires_at, "client_id": issued.client_id}


@router.delete("/tokens/current", status_code=204, response_class=Response, summary="Revoke the token of this request")
async def revoke_current(core: CoreDep, caller: CallerDep) -> None:
    await core.auth.revoke(caller)


@router.post(
    "/tokens/revoke", status_code=204, response_class=Response, summary="Revoke a token of yours (any, as admin)"
)
async def revoke(body: TokenRevoke, core: CoreDep, caller: CallerDep) -> None:
    await core.auth.revoke(caller, body.token)


@router.get("/whoami", response_model=WhoAmI, summary="The client this token belongs to")
async def whoami(caller: CallerDep) -> dict:
    return {"client_id": caller.client_id, "name": caller.principal.name, "is_admin": caller.principal.is_admin}
