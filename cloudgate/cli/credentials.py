"""Foreign credentials: access keys the gateway issues for signature-based APIs (EC2, CloudStack)."""

from __future__ import annotations

from typing import Annotated

import typer

from cloudgate.cli.base import Invocation, command, new_group
from cloudgate.cli.render import Output, key_value_table, rows_table, show, stderr_console

credentials = new_group("credential", "Access keys for the EC2 and CloudStack APIs, one account each.")

KeyId = Annotated[str, typer.Argument(metavar="KEY_ID", help="The access key id (CG…).")]
COLUMNS = ["id", "name", "account", "region", "created_at", "revoked_at"]


@command(credentials, "create", help="Issue an access key and secret for an account (the secret is shown once).")
def create(
    invocation: Invocation,
    account: Annotated[str, typer.Option("--account", envvar="CLOUDGATE_ACCOUNT", help="Account (acc-…) it acts in.")],
    region: Annotated[str | None, typer.Option("--region", help="Bind the key to this region.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="A name for the key.")] = None,
) -> None:
    body = {"account": account, "region": region, "name": name}
    with invocation.session() as session:
        issued = session.post("/v1/credentials", {k: v for k, v in body.items() if v is not None})
    show(issued, invocation.output, key_value_table)
    if invocation.output is Output.TABLE:
        stderr_console().print("the secret is shown only this once: the gateway keeps it sealed", markup=False)


@command(credentials, "list", help="Your access keys (every client's, as admin).")
def list_credentials(
    invocation: Invocation,
    account: Annotated[str | None, typer.Option("--account", help="Only this account's.")] = None,
) -> None:
    with invocation.session() as session:
        found = session.get("/v1/credentials", account=account)
    show(found, invocation.output, lambda data: rows_table(data["items"], COLUMNS))


@command(credentials, "revoke", help="Revoke an access key: requests signed with it are refused from now on.")
def revoke(invocation: Invocation, key_id: KeyId) -> None:
    with invocation.session() as session:
        session.delete(f"/v1/credentials/{key_id}")
    if invocation.output is Output.TABLE:
        stderr_console().print(f"revoked {key_id}", markup=False)
    else:
        show({"id": key_id, "revoked": True}, invocation.output)
