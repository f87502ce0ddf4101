"""Async jobs: every async command's job is a gateway operation (its id the operation's UUID);
`queryAsyncJobResult` and `listAsyncJobs` show operations as CloudStack shows jobs (jobstatus 0 pending,
1 done, 2 failed, with the object the job made or changed as its result)."""

from __future__ import annotations

from typing import Any

from cloudgate.core.operations import Operation
from cloudgate.errors import CloudgateError
from cloudgate.foreign_ids import from_uuid, to_uuid
from cloudgate.frontends.cloudstack.context import DEFAULT_PAGE_SIZE, CsRequest, job_id, listed
from cloudgate.frontends.cloudstack.errors import INTERNAL_ERROR, from_code
from cloudgate.frontends.cloudstack.params import invalid
from cloudgate.frontends.cloudstack.render import OBJECTS, RESOURCE_TYPES, user_id, when
from cloudgate.model import Kind
from cloudgate.query import MAX_PAGE

PENDING, SUCCEEDED, FAILED = 0, 1, 2
JOB_STATUSES: dict[str, int] = {"pending": PENDING, "running": PENDING, "succeeded": SUCCEEDED, "failed": FAILED}
# (kind, action) -> the API command class CloudStack names as the job's `cmd`.
JOB_COMMANDS: dict[tuple[str, str], str] = {
    ("instance", "create"): "org.apache.cloudstack.api.command.user.vm.DeployVMCmd",
    ("instance", "start"): "org.apache.cloudstack.api.command.user.vm.StartVMCmd",
    ("instance", "stop"): "org.apache.cloudstack.api.command.user.vm.StopVMCmd",
    ("instance", "reboot"): "org.apache.cloudstack.api.command.user.vm.RebootVMCmd",
    ("instance", "destroy"): "org.apache.cloudstack.api.command.user.vm.DestroyVMCmd",
    ("volume", "create"): "org.apache.cloudstack.api.command.user.volume.CreateVolumeCmd",
    ("volume", "attach"): "org.apache.cloudstack.api.command.user.volume.AttachVolumeCmd",
    ("volume", "detach"): "org.apache.cloudstack.api.command.user.volume.DetachVolumeCmd",
    ("volume", "edit"): "org.apache.cloudstack.api.command.user.volume.ResizeVolumeCmd",
    ("snapshot", "create"): "org.apache.cloudstack.api.command.user.snapshot.CreateSnapshotCmd",
    ("snapshot", "destroy"): "org.apache.cloudstack.api.command.user.snapshot.DeleteSnapshotCmd",
    ("subnet", "destroy"): "org.apache.cloudstack.api.command.user.network.DeleteNetworkCmd",
    ("security_group", "edit"): "org.apache.cloudstack.api.command.user.securitygroup.AuthorizeSecurityGroupIngressCmd",
}
REMOVALS = frozenset({"destroy"})  # jobs whose result is `success`, not the object


def started(operation: Operation, resource_id: str | None = None) -> dict[str, Any]:
    """An async command's answer: its job id, and the id of what a create makes."""
    return {"id": resource_id, "jobid": job_id(operation)}


async def job(request: CsRequest, operation: Operation) -> dict[str, Any]:
    status = JOB_STATUSES.get(operation.state, PENDING)
    kind = next((k for k in Kind if k.value == operation.kind), None)  # None: an operation on accounts
    shown: dict[str, Any] = {
        "accountid": to_uuid(operation.account_id) if operation.account_id.startswith("acc-") else None,
        "userid": user_id(request.caller.client_id), "cmd": JOB_COMMANDS.get((operation.kind, operation.action),
                                                                             "org.apache.cloudstack.api.BaseAsyncCmd"),
        "jobstatus": status, "jobprocstatus": 0, "jobresultcode": 0 if status != FAILED else INTERNAL_ERROR,
        "jobresulttype": "object", "created": when(operation.created_at),
        "completed": when(operation.updated_at) if status != PENDING else None, "jobid": job_id(operation),
        "jobinstancetype": RESOURCE_TYPES.get(kind, "None") if kind else "None",
    }  # fmt: skip
    if kind is not None:
        try:
            shown["jobinstanceid"] = to_uuid(operation.resource_id)
        except ValueError:
            pass
    if status == FAILED:
        error = operation.error or {}
        refused = from_code(str(error.get("code", "operation_failed")), str(error.get("message", "the job failed")))
        shown["jobresult"] = {"errorcode": refused.code, "errortext": refused.text}
    elif status == SUCCEEDED:
        shown["jobresult"] = await _result(request, operation, kind)
    return shown


async def _result(request: CsRequest, operation: Operation, kind: Kind | None) -> dict[str, Any]:
    """The object a finished job made or changed, as it stands; `success` for a removal or a gone object."""
    if kind is None or operation.action in REMOVALS or kind not in OBJECTS:
        return {"success": True}
    try:
        record = await request.core.resources.get(request.caller, operation.resource_id, kind)
    except CloudgateError:
        return {"success": True}
    key, show = OBJECTS[kind]
    shown = show(record, request.account, await request.related([record]))
    private_key = (operation.result or {}).get("private_key")
    if private_key:
        shown["privatekey"] = private_key
    return {key: shown}


async def query_async_job_result(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    operation_id = from_uuid(params["jobid"])
    if operation_id is None or not operation_id.startswith("op-"):
        raise invalid(request.command, "jobid", params["jobid"])
    try:
        operation = await request.core.operations.get(request.caller, operation_id)
    except CloudgateError:
        raise invalid(request.command, "jobid", params["jobid"]) from None
    return await job(request, operation)


async def list_async_jobs(request: CsRequest, params: dict[str, Any]) -> dict[str, Any]:
    """The account's jobs, newest first; `count` is every one of them (the operations are read to the end)."""
    size = max(1, min(params.get("pagesize", DEFAULT_PAGE_SIZE), DEFAULT_PAGE_SIZE))
    start = (max(params.get("page", 1), 1) - 1) * size
    operations: list[Operation] = []
    cursor = None
    while True:
        page = await request.call(request.core.operations.list, request.caller, account_id=request.account_id,
                                  limit=MAX_PAGE, cursor=cursor)  # fmt: skip
        operations += page.operations
        cursor = page.next_cursor
        if cursor is None:
            break
    shown = [await job(request, operation) for operation in operations[start : start + size]]
    return listed("asyncjobs", shown, len(operations))
