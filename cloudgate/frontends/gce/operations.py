"""zoneOperations, regionOperations and globalOperations: views of the gateway's operations, by the name
each got (`operation-<its id>`): get, list, wait (until DONE or two minutes, as GCE), delete."""

from __future__ import annotations

from typing import Any

from cloudgate.core.operations import Operation
from cloudgate.errors import CloudgateError
from cloudgate.frontends.gce.context import GceRequest
from cloudgate.frontends.gce.errors import not_found
from cloudgate.frontends.gce.render import OPERATION_TYPES
from cloudgate.model import Kind, ResourceRecord

WAIT_SECONDS = 120.0  # GCE's wait returns after two minutes at most, done or not
NAME_PREFIX = "operation-"


async def _found(gce: GceRequest, name: str, path: str) -> tuple[Operation, ResourceRecord | None]:
    operation_id = "op-" + name.removeprefix(NAME_PREFIX) if name.startswith(NAME_PREFIX) else ""
    try:
        op = await gce.core.operations.get(gce.caller, operation_id) if operation_id else None
    except CloudgateError:
        op = None
    if op is None or op.account_id != gce.account_id:
        raise not_found(f"projects/{gce.project}/{path}/operations/{name}")
    return op, await _target(gce, op)


async def _target(gce: GceRequest, op: Operation) -> ResourceRecord | None:
    kind = next((k for k in Kind if k.value == op.kind), None)
    if kind is None:
        return None
    try:
        return await gce.core.resources.get(gce.caller, op.resource_id, kind)
    except CloudgateError:  # gone (a delete's target), or never made
        return None


def _scope(where: str) -> tuple[str, str] | None:
    """("zones", "z") from "zones/z"; None for "global"."""
    scope, _, name = where.partition("/")
    return (scope, name) if name else None


async def get(gce: GceRequest, name: str, where: str) -> dict[str, Any]:
    op, target = await _found(gce, name, where)
    return await gce.operation(op, target, _scope(where))


async def wait(gce: GceRequest, name: str, where: str) -> dict[str, Any]:
    op, _target_before = await _found(gce, name, where)
    op = await gce.call(gce.core.operations.wait, gce.caller, op.id, WAIT_SECONDS)
    return await gce.operation(op, await _target(gce, op), _scope(where))


async def delete(gce: GceRequest, name: str, where: str) -> None:
    """GCE forgets a deleted operation; the gateway keeps its operations (they are its history): it is only
    checked to exist."""
    await _found(gce, name, where)


async def listing(gce: GceRequest, where: str) -> dict[str, Any]:
    page = await gce.call(gce.core.operations.list, gce.caller, account_id=gce.account_id, limit=gce.max_results(),
                          cursor=gce.param("pageToken"))  # fmt: skip
    shown = [await gce.operation(op, await _target(gce, op)) for op in page.operations if op.action in OPERATION_TYPES
             or op.kind in {k.value for k in Kind}]  # fmt: skip
    scoped = [o for o in shown if o["selfLink"].split(f"/projects/{gce.project}/", 1)[-1].startswith(where)]
    return {"kind": "compute#operationList", "id": f"projects/{gce.project}/{where}/operations", "items": scoped or None,
            "nextPageToken": page.next_cursor, "selfLink": gce.link(f"{where}/operations")}  # fmt: skip
