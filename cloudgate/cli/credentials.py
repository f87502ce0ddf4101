"""Foreign credentials: access keys the gateway issues for signature-based APIs (EC2, CloudStack)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cloudgate.cli.base import Invocation, command, new_group
from cloudgate.cli.lookup import AccountDirectory
from cloudgate.cli.render import Output, Record, Rows, show, stderr_console

credentials = new_group("credential", "Access keys for the EC2 and CloudStack APIs, one account each.")

KeyId = Annotated[str, typer.Argument(metavar="KEY_ID", help="The access key id (CG…).")]
COLUMNS = ["id", "name", "account", "region", "created_at", "revoked_at"]


@command(
    credentials, "create", help="Issue an access key and secret for an account (the secret is shown once).",
    examples=("cloudgate credential create --account alpha-demo --name ci",),
)  # fmt: skip
def create(
    invocation: Invocation,
    account: Annotated[
        str, typer.Option("--account", envvar="CLOUDGATE_ACCOUNT", help="Account it acts in: name or id (acc-…).")
    ],
    region: Annotated[str | None, typer.Option("--region", help="Bind the key to this region.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="A name for the key.")] = None,
) -> None:
    with invocation.session() as session:
        body = {"account": AccountDirectory(session).id_of(account), "region": region, "name": name}
        issued = session.post("/v1/credentials", {k: v for k, v in body.items() if v is not None})
    show(issued, invocation.look, Record)
    if invocation.output is Output.TABLE:
        stderr_console().print("the secret is shown only this once: the gateway keeps it sealed", markup=False)


@command(
    credentials, "list", help="Your access keys (every client's, as admin).",
    examples=("cloudgate credential list", "cloudgate credential list --account alpha-demo -c id -f value"),
)  # fmt: skip
def list_credentials(
    invocation: Invocation,
    account: Annotated[str | None, typer.Option("--account", help="Only this account's (name or id).")] = None,
) -> None:
    with invocation.session() as session:
        directory = AccountDirectory(session)
        found = session.get("/v1/credentials", account=directory.id_of(account) if account else None)

        def rows(data: dict[str, Any]) -> Rows:
            return Rows([{**key, "account": directory.name_of(key["account"])} for key in data["items"]], COLUMNS)

        show(found, invocation.look, rows)


@command(
    credentials, "revoke", help="Revoke an access key: requests signed with it are refused from now on.",
    examples=("cloudgate credential revoke CG0123456789ABCDEFGH",),
)  # fmt: skip
def revoke(invocation: Invocation, key_id: KeyId) -> None:
    with invocation.session() as session:
        session.delete(f"/v1/credentials/{key_id}")
    if invocation.output is Output.TABLE:
        stderr_console().print(f"revoked {key_id}", markup=False)
    else:
        show({"id": key_id, "revoked": True}, invocation.look)
