"""Foreign credentials: access keys for the EC2 and CloudStack front-ends, issued per client and account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from cloudgate.api.auth import CallerDep, CoreDep
from cloudgate.api.schemas import ERROR_RESPONSES, CredentialCreate, CredentialIssued, CredentialList

router = APIRouter(prefix="/v1/credentials", tags=["credentials"], responses=ERROR_RESPONSES)

KeyId = Annotated[str, Path(max_length=64)]


@router.post(
    "", status_code=201, response_model=CredentialIssued, summary="Issue an access key for an account",
    description="An access key id and secret for signature-based foreign APIs (EC2 SigV4, CloudStack), bound "
    "to one account the caller may use (and a region of it). The secret is shown once.",
)  # fmt: skip
async def issue(body: CredentialCreate, core: CoreDep, caller: CallerDep) -> dict:
    view, secret = await core.credentials.issue(
        caller, body.account, region=body.region, scope=body.scope, name=body.name
    )
    return {**view.to_dict(), "secret": secret}


@router.get("", response_model=CredentialList, summary="List your access keys (every client's, as admin)")
async def list_credentials(
    core: CoreDep, caller: CallerDep, account: Annotated[str | None, Query(max_length=200)] = None
) -> dict:
    return {"items": [view.to_dict() for view in await core.credentials.list(caller, account)]}


@router.delete("/{key_id}", status_code=204, response_class=Response, summary="Revoke an access key")
async def revoke(key_id: KeyId, core: CoreDep, caller: CallerDep) -> None:
    await core.credentials.revoke(caller, key_id)
