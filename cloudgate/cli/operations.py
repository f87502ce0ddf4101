"""Operations, the asynchronous jobs behind every change: listed, shown, followed; and `resync`, the one
that lists every kind of the accounts again now (admin)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cloudgate.cli.base import Invocation, command, new_group
from cloudgate.cli.failures import ApiError
from cloudgate.cli.hints import with_hint
from cloudgate.cli.lookup import AccountDirectory
from cloudgate.cli.render import Output, Record, Rows, show, stderr_console
from cloudgate.cli.waiting import DEFAULT_TIMEOUT, TimeoutOption, WaitOption, follow

operations = new_group("operation", "Operations: the asynchronous jobs behind every change.")

COLUMNS = ["id", "action", "kind", "resource_id", "state", "progress", "account", "created_at"]
MAX_PAGE = 1000


def register(app: typer.Typer) -> None:
    app.add_typer(operations)
    command(
        app, "resync", help="List every kind of one account (or of all) again now, as an operation (admin): "
        "what the store lost comes back at once. --rebuild forgets the stored resources first.",
        examples=("cloudgate resync --wait", "cloudgate resync --account alpha-demo --rebuild --wait"),
    )(resync)  # fmt: skip


@command(
    operations, "list", help="Operations, newest first (every client's, as admin).",
    examples=("cloudgate operation list", "cloudgate operation list --account alpha-demo --state failed",
              "cloudgate operation list --state pending --state running -c id -f value"),
)  # fmt: skip
def list_operations(
    invocation: Invocation,
    account: Annotated[str | None, typer.Option("--account", help="Only this account's (name or id).")] = None,
    state: Annotated[
        list[str] | None,
        typer.Option("--state", help="Only in this state: pending, running, succeeded, failed (repeatable)."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=MAX_PAGE, help="Operations per page.")] = 100,
    all_pages: Annotated[bool, typer.Option("--all", help="Follow the cursors to the last page.")] = False,
    cursor: Annotated[
        str | None, typer.Option("--cursor", help="Start at this page (from a previous listing).")
    ] = None,
) -> None:
    with invocation.session() as session:
        directory = AccountDirectory(session)
        account_id = directory.id_of(account) if account else None
        items: list[dict[str, Any]] = []
        while True:
            page = session.get("/v1/operations", account=account_id, state=state, limit=limit, cursor=cursor)
            items += page["items"]
            cursor = page.get("next_cursor")
            if not (all_pages and cursor):
                break

        def rows(data: dict[str, Any]) -> Rows:
            named = [{**op, "account": directory.name_of(op["account"]) if op["account"] else ""}
                     for op in data["items"]]  # fmt: skip
            return Rows(named, COLUMNS)

        show({"items": items, "next_cursor": cursor}, invocation.look, rows)
    if cursor and invocation.output is Output.TABLE:
        stderr_console().print(f"more: --all, or --cursor {cursor}", markup=False)


@command(
    operations, "show", help="Show an operation; with --wait, follow it until it settles.",
    examples=("cloudgate operation show op-0123456789abcdef0123 --wait",),
)  # fmt: skip
def show_operation(
    invocation: Invocation,
    operation_id: Annotated[str, typer.Argument(metavar="ID", help="The operation's id (op-…).")],
    wait: WaitOption = False,
    timeout: TimeoutOption = DEFAULT_TIMEOUT,
) -> None:
    with invocation.session() as session:
        op = session.get(f"/v1/operations/{operation_id}")
        if wait:
            op = follow(session, op, timeout)
    show(op, invocation.look, Record)


def resync(
    invocation: Invocation,
    account: Annotated[str | None, typer.Option("--account", help="Only this account (name or id).")] = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Forget the stored resources first (their ids come back the same).")
    ] = False,
    wait: WaitOption = False,
    timeout: TimeoutOption = DEFAULT_TIMEOUT,
) -> None:
    with invocation.session() as session:
        account_id = AccountDirectory(session).id_of(account) if account else None
        try:
            accepted = session.post("/v1/resync", {"account": account_id, "rebuild": rebuild})
        except ApiError as failure:
            raise with_hint(failure, "account", "resync", account_id or "") from None
        op = follow(session, accepted["operation"], timeout) if wait else accepted["operation"]
    show(op, invocation.look, Record)
    if not wait and invocation.output is Output.TABLE:
        stderr_console().print(f"follow it: cloudgate operation show {op['id']} --wait", markup=False)
