"""Following an operation until it settles (--wait), showing the state of the resource it changes."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer

from cloudgate.cli.failures import ApiError, Interrupted, OperationFailed, WaitTimeout
from cloudgate.cli.render import stderr_console
from cloudgate.cli.session import Session

SETTLED = frozenset({"succeeded", "failed"})
POLL_SECONDS = 0.5  # how often the operation is asked about: a person is watching

WaitOption = Annotated[bool, typer.Option("--wait", help="Follow the operation until it settles.")]
TimeoutOption = Annotated[
    float, typer.Option("--timeout", min=0.0, help="Seconds --wait follows the operation before giving up.")
]
DEFAULT_TIMEOUT = 300.0


def collection_of(kind: str) -> str:
    return f"{kind}s"


def resource_state(session: Session, kind: str, resource_id: str) -> str:
    try:
        return str(session.get(f"/v1/{collection_of(kind)}/{resource_id}").get("state"))
    except ApiError as exc:
        if exc.status == 404:
            return "gone"
        raise


def follow(session: Session, operation: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Poll the operation until it succeeds (returned) or fails (OperationFailed), or `timeout` passes."""
    op_id, kind, resource_id = operation["id"], operation["kind"], operation["resource_id"]
    subject = f"{operation['action']} {kind} {resource_id}"
    console = stderr_console()
    deadline = time.monotonic() + timeout
    last_state = None
    try:
        with console.status(subject) as status:
            while True:
                state = resource_state(session, kind, resource_id)
                if state != last_state:
                    console.print(f"{kind} {resource_id}: {state}", markup=False, highlight=False)
                    last_state = state
                status.update(f"{subject}: operation {operation['state']}, {kind} {state}")
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
        raise OperationFailed(
            str(error.get("code", "operation_failed")),
            f"operation {op_id} ({subject}) failed: {error.get('message', 'no reason given')}",
            error.get("details"),
        )
    return operation
