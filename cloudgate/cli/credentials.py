"""Foreign credentials: access keys the gateway issues for signature-based APIs (EC2, CloudStack) and for
Google's clients (through the OAuth2 token endpoint), each with a default scope if need be."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from cloudgate.cli.base import Invocation, command, new_group
from cloudgate.cli.failures import UsageFailure
from cloudgate.cli.lookup import AccountDirectory
from cloudgate.cli.render import Output, Record, Rows, show, stderr_console
from cloudgate.client_profiles import aws_profile, cloudstack_region, google_credentials

credentials = new_group(
    "credential", "Access keys for the EC2, CloudStack and Google APIs, one account each (and a scope)."
)

KeyId = Annotated[str, typer.Argument(metavar="KEY_ID", help="The access key id (CG…).")]
COLUMNS = ["id", "name", "account", "region", "scope", "created_at", "revoked_at"]


@command(
    credentials, "create",
    help="Issue an access key and secret for an account (the secret is shown once); with --scope, every request "
    "signed with the key runs in that scope (bound to account ids now).",
    examples=(
        "cloudgate credential create --account alpha-demo --name ci",
        """cloudgate credential create --account CloudOne --scope '{"image": "CloudTwo"}'""",
    ),
)  # fmt: skip
def create(
    invocation: Invocation,
    account: Annotated[
        str, typer.Option("--account", envvar="CLOUDGATE_ACCOUNT", help="Account it acts in: name or id (acc-…).")
    ],
    region: Annotated[str | None, typer.Option("--region", help="Bind the key to this region.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="A name for the key.")] = None,
) -> None:
    scope = invocation.options.scope  # the key's default scope: every request signed with it runs in it
    with invocation.session() as session:
        directory = AccountDirectory(session)
        body = {"account": directory.id_of(account), "region": region, "name": name,
                "scope": scope_object(scope) if scope else None}  # fmt: skip
        issued = session.post("/v1/credentials", {k: v for k, v in body.items() if v is not None})
        held = session.get(f"/v1/accounts/{issued['account']}")
        url = session.target.url
    show(issued, invocation.look, Record)
    if invocation.output is Output.TABLE:
        stderr_console().print("the secret is shown only this once: the gateway keeps it sealed", markup=False)
        account_name = str(held.get("name") or held["id"])
        typer.echo(aws_profile(issued, account_name, held.get("region"), url))
        typer.echo(cloudstack_region(issued, account_name, url))
        typer.echo(google_credentials(issued, url))


def scope_object(text: str) -> dict[str, Any]:
    """A scope given as JSON text, as the gateway takes it in a body."""
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise UsageFailure(
            "invalid_scope", f'a scope is a JSON object such as {{"image": "CloudTwo"}}: {exc}'
        ) from None
    if not isinstance(value, dict):
        raise UsageFailure("invalid_scope", 'a scope is a JSON object such as {"image": "CloudTwo"}')
    return value


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
            return Rows([shown_key(directory, key) for key in data["items"]], COLUMNS)

        show(found, invocation.look, rows)


def shown_key(directory: AccountDirectory, key: dict[str, Any]) -> dict[str, Any]:
    """A key as a table shows it: accounts by name, in its scope too."""
    scope = {service: directory.name_of(account) for service, account in (key.get("scope") or {}).items()}
    return {**key, "account": directory.name_of(key["account"]), "scope": scope or None}


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
