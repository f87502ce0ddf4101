"""Cloud accounts: registering them (with credential proof), checking, rotating and removing them."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Group, RenderableType

from cloudgate.cli.base import Invocation, command, new_group
from cloudgate.cli.failures import CliFailure
from cloudgate.cli.parsing import string_pairs
from cloudgate.cli.render import Output, key_value_table, rows_table, show, stderr_console

accounts = new_group("account", "Cloud accounts the gateway manages on your behalf.")

CredentialOption = Annotated[
    list[str],
    typer.Option("--credential", "-c", help="A credential as key=value (repeat for each key).", show_default=False),
]
AccountId = Annotated[str, typer.Argument(help="The account's id (acc-…).")]


POLL_COLUMNS = ["kind", "resources", "last_success_at", "failures", "last_error"]


def account_row(view: dict[str, Any]) -> dict[str, Any]:
    """An account with the resources its last polls found, summed over kinds."""
    resources = sum(p.get("resources") or 0 for p in view.get("polls") or ())
    return {**view, "resources": resources}


def account_table(view: dict[str, Any]) -> RenderableType:
    details = key_value_table({k: v for k, v in view.items() if k != "polls"})
    if not view.get("polls"):
        return details
    return Group(details, "", rows_table(view["polls"], POLL_COLUMNS))


@command(accounts, "add", help="Register an account: the gateway proves the credentials with the cloud first.")
def add(
    invocation: Invocation,
    cloud: Annotated[str, typer.Option("--cloud", help="Cloud type (see `cloudgate clouds`).")],
    endpoint: Annotated[str, typer.Option("--endpoint", help="The cloud's endpoint URL.")],
    credential: CredentialOption,
    region: Annotated[str | None, typer.Option("--region")] = None,
    name: Annotated[str | None, typer.Option("--name", help="A name for the account.")] = None,
) -> None:
    body = {"cloud": cloud, "endpoint": endpoint, "region": region,
            "credentials": string_pairs(credential, "--credential"), "name": name}  # fmt: skip
    with invocation.session() as session:
        view = session.post("/v1/accounts", {k: v for k, v in body.items() if v is not None})
    show(view, invocation.output, account_table)


@command(accounts, "list", help="Accounts you have access to.")
def list_accounts(invocation: Invocation) -> None:
    with invocation.session() as session:
        found = session.get("/v1/accounts")
    rows = [account_row(item) for item in found["items"]]
    columns = ["id", "name", "cloud", "endpoint", "region", "identity_name", "health", "resources"]
    show(found, invocation.output, lambda _: rows_table(rows, columns))


@command(accounts, "show", help="One account, with the state of its polling.")
def show_account(invocation: Invocation, account_id: AccountId) -> None:
    with invocation.session() as session:
        view = session.get(f"/v1/accounts/{account_id}")
    show(view, invocation.output, account_table)


@command(accounts, "check", help="Check that the gateway can still authenticate with the account.")
def check(invocation: Invocation, account_id: AccountId) -> None:
    with invocation.session() as session:
        result = session.post(f"/v1/accounts/{account_id}/check")
    show(result, invocation.output)
    if not result.get("ok", True):
        error = result.get("error") or {}
        raise CliFailure(str(error.get("code", "check_failed")), str(error.get("message", "the check failed")))


@command(accounts, "rotate", help="Replace the account's credentials (they must name the same cloud identity).")
def rotate(invocation: Invocation, account_id: AccountId, credential: CredentialOption) -> None:
    with invocation.session() as session:
        view = session.put(f"/v1/accounts/{account_id}/credentials",
                           {"credentials": string_pairs(credential, "--credential")})  # fmt: skip
    show(view, invocation.output, account_table)


@command(accounts, "remove", help="Withdraw your access; the account goes when nobody has access left.")
def remove(invocation: Invocation, account_id: AccountId) -> None:
    with invocation.session() as session:
        session.delete(f"/v1/accounts/{account_id}")
    if invocation.output is Output.TABLE:
        stderr_console().print(f"removed your access to {account_id}", markup=False)
    else:
        show({"id": account_id, "removed": True}, invocation.output)
