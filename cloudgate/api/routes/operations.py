"""Operations: the async jobs behind every mutation, listed and read by id; a resync is one too."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from cloudgate.api.auth import CallerDep, CoreDep
from cloudgate.api.schemas import ERROR_RESPONSES, OperationAccepted, OperationOut, OperationPage, ResyncRequest
from cloudgate.query import MAX_PAGE

router = APIRouter(prefix="/v1", tags=["operations"], responses=ERROR_RESPONSES)


@router.get("/operations", response_model=OperationPage, summary="List operations, newest first")
async def list_operations(
    core: CoreDep, caller: CallerDep,
    account: Annotated[str | None, Query(max_length=200, description="Only this account's.")] = None,
    state: Annotated[list[str] | None, Query(max_length=4, description="Only in these states.")] = None,
    cursor: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> dict:  # fmt: skip
    page = await core.operations.list(caller, account_id=account, states=state or (), limit=limit, cursor=cursor)
    return {"items": [operation.to_dict() for operation in page.operations], "next_cursor": page.next_cursor}


@router.get("/operations/{operation_id}", response_model=OperationOut, summary="Get an operation")
async def get_operation(operation_id: Annotated[str, Path(max_length=200)], core: CoreDep, caller: CallerDep) -> dict:
    return (await core.operations.get(caller, operation_id)).to_dict()


@router.post(
    "/resync", status_code=202, response_model=OperationAccepted, summary="Resync accounts (admin)",
    description="Lists every kind of one account (or of every account) again now, as an operation whose "
    "`progress` counts the listings: what the store lost comes back at once. `rebuild` first forgets the "
    "stored resources (their ids come back the same).",
)  # fmt: skip
async def resync(body: ResyncRequest, response: Response, core: CoreDep, caller: CallerDep) -> dict:
    operation = await core.operations.resync(caller, body.account, rebuild=body.rebuild)
    response.headers["Location"] = f"/v1/operations/{operation.id}"
    return {"operation": operation.to_dict()}
