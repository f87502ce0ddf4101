"""Looking things up: operations, and the cloud types the gateway can drive."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cloudgate.cli.base import Invocation, command, new_group
from cloudgate.cli.render import rows_table, show
from cloudgate.cli.waiting import DEFAULT_TIMEOUT, TimeoutOption, WaitOption, follow

operations = new_group("operation", "Operations: the asynchronous jobs behind every change.")


def register(app: typer.Typer) -> None:
    app.add_typer(operations)
    command(app, "clouds", help="The cloud types this gateway can drive, and what each can do.")(clouds)


@command(operations, "show", help="Show an operation; with --wait, follow it until it settles.")
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
    show(op, invocation.output)


def cloud_rows(found: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, about in found.items():
        caps = about.get("capabilities", {})
        actions = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in caps.get("actions", {}).items())
        rows.append({"cloud": name, "kinds": caps.get("kinds", []), "create": caps.get("create", []),
                     "actions": actions})  # fmt: skip
    return rows


def clouds(invocation: Invocation) -> None:
    with invocation.session() as session:
        found = session.get("/v1/clouds")
    columns = ["cloud", "kinds", "create", "actions"]
    show(found, invocation.output, lambda data: rows_table(cloud_rows(data), columns))
