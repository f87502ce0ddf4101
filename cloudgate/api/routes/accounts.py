"""Cloud accounts: register with proof of credentials, read, check, rotate credentials, name for scopes, remove."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from cloudgate.api.auth import CallerDep, CoreDep
from cloudgate.api.schemas import (
    ERROR_RESPONSES,
    AccountCreate,
    AccountList,
    AccountOut,
    AliasUpdate,
    CheckResult,
    CredentialsUpdate,
)  # fmt: skip

router = APIRouter(prefix="/v1/accounts", tags=["accounts"], responses=ERROR_RESPONSES)

AccountId = Annotated[str, Path(max_length=200)]


@router.post(
    "", status_code=201, response_model=AccountOut, summary="Register an account",
    description="Proves the credentials (and the cloud's clock) and grants the caller the account. "
    "201 when the account is new; 200 when it was already registered (by anyone): the caller is granted it.",
    responses={200: {"model": AccountOut, "description": "The account already existed."}},
)  # fmt: skip
async def register(body: AccountCreate, response: Response, core: CoreDep, caller: CallerDep) -> dict:
    view, created = await core.accounts.register(
        caller, cloud=body.cloud, endpoint=body.endpoint, region=body.region,
        credentials=body.credentials, name=body.name, options=body.options, alias=body.alias,
    )  # fmt: skip
    if not created:
        response.status_code = 200
    return view.to_dict()


@router.get("", response_model=AccountList, summary="List the accounts the caller has access to")
async def list_accounts(core: CoreDep, caller: CallerDep) -> dict:
    return {"items": [view.to_dict() for view in await core.accounts.list(caller)]}


@router.get("/{account_id}", response_model=AccountOut, summary="Get an account")
async def get_account(account_id: AccountId, core: CoreDep, caller: CallerDep) -> dict:
    return (await core.accounts.get(caller, account_id)).to_dict()


@router.post(
    "/{account_id}/check", response_model=CheckResult, summary="CheckCredentials: can the gateway still use it?"
)
async def check_account(account_id: AccountId, core: CoreDep, caller: CallerDep) -> dict:
    return await core.accounts.check(caller, account_id)


@router.put("/{account_id}/credentials", response_model=AccountOut, summary="Replace the account's credentials")
async def rotate_credentials(account_id: AccountId, body: CredentialsUpdate, core: CoreDep, caller: CallerDep) -> dict:
    return (await core.accounts.rotate(caller, account_id, body.credentials)).to_dict()


@router.put(
    "/{account_id}/alias", response_model=AccountOut, summary="Name the account for your scopes",
    description='A scope names clouds by account id or by these names: `{"image": "CloudTwo"}`.',
)  # fmt: skip
async def set_alias(account_id: AccountId, body: AliasUpdate, core: CoreDep, caller: CallerDep) -> dict:
    return (await core.accounts.set_alias(caller, account_id, body.alias)).to_dict()


@router.delete(
    "/{account_id}", status_code=204, response_class=Response, summary="Withdraw the caller's access",
    description="The account itself (and its resources) go when no client has access left.",
)  # fmt: skip
async def remove_account(account_id: AccountId, core: CoreDep, caller: CallerDep) -> None:
    await core.accounts.remove(caller, account_id)
