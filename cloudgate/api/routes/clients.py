"""Gateway clients (admin only): create one with its secret, list them."""

from __future__ import annotations

from fastapi import APIRouter

from cloudgate.api.auth import CallerDep, CoreDep
from cloudgate.api.schemas import ERROR_RESPONSES, ClientCreate, ClientCreated, ClientList

router = APIRouter(prefix="/v1/clients", tags=["clients"], responses=ERROR_RESPONSES)


@router.post("", status_code=201, response_model=ClientCreated, summary="Create a client (its secret is shown once)")
async def create_client(body: ClientCreate, core: CoreDep, caller: CallerDep) -> dict:
    row, secret = await core.auth.create_client(caller, body.name, is_admin=body.admin)
    return {"id": row.id, "name": row.name, "is_admin": row.is_admin, "secret": secret}


@router.get("", response_model=ClientList, summary="List clients")
async def list_clients(core: CoreDep, caller: CallerDep) -> dict:
    rows = await core.auth.list_clients(caller)
    return {"items": [{"id": r.id, "name": r.name, "is_admin": r.is_admin, "created_at": r.created_at} for r in rows]}
