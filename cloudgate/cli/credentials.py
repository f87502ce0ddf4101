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


def aws_profile(issued: dict[str, Any], account_name: str, account_region: str | None, url: str) -> str:
    """What to put in ~/.aws/credentials and ~/.aws/config for boto3 and the aws CLI to use the key
    through the gateway's EC2 API (botocore reads endpoint_url from the profile)."""
    profile = f"cloudgate-{account_name}"
    # A region-less account takes any region in signatures: boto3 needs one all the same.
    region = issued.get("region") or account_region or "us-east-1"
    return "\n".join([
        "", "# ~/.aws/credentials", f"[{profile}]", f"aws_access_key_id = {issued['id']}",
        f"aws_secret_access_key = {issued['secret']}", "", "# ~/.aws/config", f"[profile {profile}]",
        f"region = {region}", f"endpoint_url = {url.rstrip('/')}/ec2", "",
        f"# then: aws --profile {profile} ec2 describe-instances",
        f"#   or: boto3.Session(profile_name={profile!r}).client('ec2')",
    ])  # fmt: skip


def cloudstack_region(issued: dict[str, Any], account_name: str, url: str) -> str:
    """What to put in ~/.cloudstack.ini for `cs` (and CloudMonkey-style clients) to use the key through the
    gateway's CloudStack API."""
    region = f"cloudgate-{account_name}"
    return "\n".join([
        "", "# ~/.cloudstack.ini", f"[{region}]", f"endpoint = {url.rstrip('/')}/client/api",
        f"key = {issued['id']}", f"secret = {issued['secret']}", "", f"# then: cs --region {region} listZones",
    ])  # fmt: skip


def google_credentials(issued: dict[str, Any], url: str) -> str:
    """How Google's clients use the key: google-auth's user credentials at the gateway's token endpoint, which
    issues a token bound to the key's account (the project) and carrying its scope."""
    base = url.rstrip("/")
    return "\n".join([
        "", "# Google's clients (google-auth): a token for the key, in its scope",
        "#   credentials = google.oauth2.credentials.Credentials(token=None, refresh_token='any',",
        f"#       client_id={issued['id']!r}, client_secret='<the secret>', token_uri='{base}/oauth2/token')",
        f"#   then project={issued['account']!r} at api_endpoint '{base}/compute/v1/'",
    ])  # fmt: skip


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
