"""Following an operation until it settles (--wait), showing the state of the resource it changes or the
progress it reports (a resync's listings; the bytes of an image replicated from another cloud)."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer

from cloudgate.cli.failures import ApiError, Interrupted, OperationFailed, WaitTimeout
from cloudgate.cli.hints import with_hint
from cloudgate.cli.lookup import collection_of
from cloudgate.cli.render import cell, percent, stderr_console
from cloudgate.cli.session import Session
from cloudgate.model import Kind, with_gateway_names

SETTLED = frozenset({"succeeded", "failed"})
POLL_SECONDS = 0.5  # how often the operation is asked about: a person is watching
RESOURCE_KINDS = frozenset(kind.value for kind in Kind)  # an operation on accounts (a resync) has none
BYTES_SHOWN_EVERY = 10  # percent: a copy's progress gets a line of its own this often (the status line shows it all)

WaitOption = Annotated[bool, typer.Option("--wait", help="Follow the operation until it settles.")]
TimeoutOption = Annotated[
    float, typer.Option("--timeout", min=0.0, help="Seconds --wait follows the operation before giving up.")
]
DEFAULT_TIMEOUT = 300.0


def resource_record(session: Session, kind: str, resource_id: str) -> dict[str, Any] | None:
    """The resource as it is now; None once it is gone."""
    try:
        return dict(session.get(f"/v1/{collection_of(kind)}/{resource_id}"))
    except ApiError as exc:
        if exc.status == 404:
            return None
        raise


def progress_milestone(progress: Any) -> str:
    """What a progress must change in to be printed again: its step and every BYTES_SHOWN_EVERY percent of a
    copy's bytes; anything else at each change."""
    if not isinstance(progress, dict) or progress.get("unit") != "bytes":
        return cell("progress", progress)
    done, total = progress.get("done"), progress.get("total")
    share = percent(done, total) // BYTES_SHOWN_EVERY if isinstance(done, int) and isinstance(total, int) else done
    return f"{progress.get('step')}|{share}"


def follow(session: Session, operation: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Poll the operation until it succeeds (returned) or fails (OperationFailed), or `timeout` passes."""
    op_id, kind, resource_id = operation["id"], operation["kind"], operation["resource_id"]
    subject = f"{operation['action']} {kind} {resource_id}"
    console = stderr_console()
    deadline = time.monotonic() + timeout
    record: dict[str, Any] | None = None
    shown: dict[str, str] = {}  # what was last printed of the resource's state and the progress
    try:
        with console.status(subject) as status:
            while True:
                now = {"progress": cell("progress", operation.get("progress"))}
                if kind in RESOURCE_KINDS:
                    record = resource_record(session, kind, resource_id)
                    now["state"] = str(record.get("state")) if record is not None else "gone"
                for what, text in now.items():
                    milestone = progress_milestone(operation.get("progress")) if what == "progress" else text
                    if text and shown.get(what) != milestone:
                        label = f"{kind} {resource_id}" if what == "state" else subject
                        console.print(f"{label}: {text}", markup=False, highlight=False)
                        shown[what] = milestone
                status.update(f"{subject}: operation {operation['state']}, " + ", ".join(filter(None, now.values())))
                if operation["state"] in SETTLED:
                    break
                if time.monotonic() >= deadline:
                    raise WaitTimeout(
                        "wait_timeout", f"operation {op_id} is still {operation['state']} after {timeout:g} s; "
                        f"follow it with `cloudgate operation show {op_id} --wait`",
                    )  # fmt: skip
                time.sleep(POLL_SECONDS)
                operation = session.get(f"/v1/operations/{op_id}")
    except KeyboardInterrupt:
        raise Interrupted(
            "interrupted", f"stopped waiting; operation {op_id} goes on: `cloudgate operation show {op_id}`"
        ) from None
    if operation["state"] == "failed":
        error = operation.get("error") or {}
        aliases = {str(record.get("cloud_id") or ""): resource_id} if record else {}
        reason = with_gateway_names(str(error.get("message", "no reason given")), aliases)
        failure = OperationFailed(
            str(error.get("code", "operation_failed")), f"operation {op_id} ({subject}) failed: {reason}",
            error.get("details"),
        )  # fmt: skip
        raise with_hint(failure, kind, str(operation["action"]), resource_id)
    return operation
