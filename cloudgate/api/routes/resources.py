"""Resource collections (`/v1/instances`, `/v1/volumes`, …): reads from the store, and mutations as operations.

Each collection gets explicit routes, so the OpenAPI spec lists every one of them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Query, Response
from orjson import Fragment

from cloudgate.api.auth import CallerDep, CoreDep
from cloudgate.api.rendered import Rendered
from cloudgate.api.schemas import (
    ERROR_RESPONSES,
    CreateAccepted,
    OperationAccepted,
    ResourceFilters,
    ResourceOut,
    ResourcePage,
    ResourceSpec,
)  # fmt: skip
from cloudgate.core.operations import Operation
from cloudgate.model import COLLECTIONS, Kind
from cloudgate.query import MAX_PAGE

ResourceId = Annotated[str, Path(max_length=200)]
Changes = Annotated[dict[str, Any], Body(description="Fields to change, as the cloud allows (`GET /v1/clouds`).")]

# Actions the built-in clouds know, for the docs; what a given cloud allows is in its capabilities.
ACTION_DOCS: dict[Kind, str] = {
    Kind.INSTANCE: "`start`, `stop`, `reboot`.",
    Kind.VOLUME: '`attach` with `{"instance": id, "device"?: name}`, `detach`.',
}


def _location(response: Response, operation: Operation) -> None:
    response.headers["Location"] = f"/v1/operations/{operation.id}"


def collection_router(collection: str, kind: Kind) -> APIRouter:
    """The routes of one collection; `kind` is bound here, once per collection."""
    router = APIRouter(prefix=f"/v1/{collection}", tags=[collection], responses=ERROR_RESPONSES)
    noun = kind.value.replace("_", " ")

    @router.get("", response_model=ResourcePage, operation_id=f"list_{collection}", summary=f"List {noun}s")
    async def list_records(
        core: CoreDep, caller: CallerDep, filters: Annotated[ResourceFilters, Query()],
        cursor: Annotated[str | None, Query(max_length=1000, description="`next_cursor` of the previous page")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    ) -> Rendered:  # fmt: skip
        page = await core.resources.documents(caller, filters.query(kind, cursor=cursor, limit=limit))
        return Rendered({"items": [Fragment(document) for document in page.documents], "next_cursor": page.next_cursor})

    @router.get("/{resource_id}", response_model=ResourceOut, operation_id=f"get_{kind.value}", summary=f"Get a {noun}")
    async def get_record(resource_id: ResourceId, core: CoreDep, caller: CallerDep) -> Rendered:
        return Rendered(Fragment(await core.resources.get_document(caller, resource_id, kind)))

    @router.post(
        "", status_code=202, response_model=CreateAccepted, operation_id=f"create_{kind.value}",
        summary=f"Create a {noun}",
        description="The resource is recorded at once, pending, under its final id; the operation creates it. "
        "A retry with the same `Idempotency-Key` returns the first request's resource and operation.",
    )  # fmt: skip
    async def create(
        spec: ResourceSpec, response: Response, core: CoreDep, caller: CallerDep,
        idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)] = None,
    ) -> dict:  # fmt: skip
        body = spec.model_dump(exclude_unset=True)
        scoped = await core.scopes.bind(caller.keyed(idempotency_key), body.pop("scope", None))
        record, operation = await core.operations.create(scoped, kind, body)
        _location(response, operation)
        return {"resource": record.to_dict(), "operation": operation.to_dict()}

    @router.patch(
        "/{resource_id}", status_code=202, response_model=OperationAccepted, operation_id=f"edit_{kind.value}",
        summary=f"Change a {noun}",
    )  # fmt: skip
    async def edit(
        resource_id: ResourceId, changes: Changes, response: Response, core: CoreDep, caller: CallerDep
    ) -> dict:
        operation = await core.operations.edit(caller, resource_id, changes, kind)
        _location(response, operation)
        return {"operation": operation.to_dict()}

    @router.delete(
        "/{resource_id}", status_code=202, response_model=OperationAccepted, operation_id=f"destroy_{kind.value}",
        summary=f"Destroy a {noun}",
    )  # fmt: skip
    async def destroy(resource_id: ResourceId, response: Response, core: CoreDep, caller: CallerDep) -> dict:
        operation = await core.operations.destroy(caller, resource_id, kind)
        _location(response, operation)
        return {"operation": operation.to_dict()}

    @router.post(
        "/{resource_id}/actions/{action}", status_code=202, response_model=OperationAccepted,
        operation_id=f"act_on_{kind.value}", summary=f"Run an action on a {noun}",
        description=ACTION_DOCS.get(kind, "Actions this cloud declares in its capabilities (`GET /v1/clouds`)."),
    )  # fmt: skip
    async def act(
        resource_id: ResourceId, action: Annotated[str, Path(max_length=100)], response: Response,
        core: CoreDep, caller: CallerDep, params: Annotated[dict[str, Any] | None, Body()] = None,
    ) -> dict:  # fmt: skip
        operation = await core.operations.act(caller, resource_id, action, params or {}, kind)
        _location(response, operation)
        return {"operation": operation.to_dict()}

    return router


routers: list[APIRouter] = [collection_router(collection, kind) for collection, kind in COLLECTIONS.items()]
