"""Operations: the async jobs behind every mutation, read by id."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from cloudgate.api.auth import CallerDep, CoreDep
from cloudgate.api.schemas import ERROR_RESPONSES, OperationOut

router = APIRouter(prefix="/v1/operations", tags=["operations"], responses=ERROR_RESPONSES)


@router.get("/{operation_id}", response_model=OperationOut, summary="Get an operation")
async def get_operation(operation_id: Annotated[str, Path(max_length=200)], core: CoreDep, caller: CallerDep) -> dict:
    return (await core.operations.get(caller, operation_id)).to_dict()
