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
        directory = AccountDirectory(session)
        body = {"account": directory.id_of(account), "region": region, "name": name}
        issued = session.post("/v1/credentials", {k: v for k, v in body.items() if v is not None})
        held = session.get(f"/v1/accounts/{issued['account']}")
        url = session.target.url
    show(issued, invocation.look, Record)
    if invocation.output is Output.TABLE:
        stderr_console().print("the secret is shown only this once: the gateway keeps it sealed", markup=False)
        account_name = str(held.get("name") or held["id"])
        typer.echo(aws_profile(issued, account_name, held.get("region"), url))
        typer.echo(cloudstack_region(issued, account_name, url))


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
