"""Cloud accounts: registering them (with credential proof), checking, rotating, naming them for scopes
(aliases) and removing them; each named by its alias, its name or its id."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cloudgate.cli.base import Invocation, command, new_group
from cloudgate.cli.credential_input import ENV_PREFIX, credentials
from cloudgate.cli.failures import CliFailure, UsageFailure
from cloudgate.cli.hints import with_hint
from cloudgate.cli.lookup import AccountDirectory
from cloudgate.cli.parsing import field_assignments
from cloudgate.cli.render import Output, Record, Rows, View, show, stderr_console
from cloudgate.cli.session import Session

accounts = new_group("account", "Cloud accounts the gateway manages on your behalf.")

CredentialOption = Annotated[
    list[str] | None,
    typer.Option(
        "--credential", show_default=False,
        help=f"A credential as key=value, key=- (the value read from stdin) or key alone (asked for without "
        f"echo, or read from {ENV_PREFIX}<KEY>); repeat for each key. {ENV_PREFIX}<KEY> variables count too.",
    ),
]  # fmt: skip
OptionOption = Annotated[
    list[str] | None,
    typer.Option(
        "--option", show_default=False,
        help="A driver option as key=value, the value JSON when it parses as JSON (a list, a number, true) and "
        "text otherwise; repeat for each key.",
    ),
]  # fmt: skip
AccountName = Annotated[str, typer.Argument(metavar="NAME_OR_ID", help="The account: its alias, name or id (acc-…).")]


POLL_COLUMNS = ["kind", "resources", "last_success_at", "failures", "last_error"]
LIST_COLUMNS = ["id", "name", "alias", "cloud", "endpoint", "region", "identity_name", "health", "resources"]


def account_row(view: dict[str, Any]) -> dict[str, Any]:
    """An account with the resources its last polls found, summed over kinds."""
    resources = sum(p.get("resources") or 0 for p in view.get("polls") or ())
    return {**view, "resources": resources}


def account_views(view: dict[str, Any]) -> list[View]:
    details: View = Record({k: v for k, v in view.items() if k != "polls"})
    return [details, Rows(view["polls"], POLL_COLUMNS)] if view.get("polls") else [details]


def named(session: Session, value: str) -> str:
    return AccountDirectory(session).id_of(value)


@command(
    accounts, "add", help="Register an account: the gateway proves the credentials with the cloud first.",
    examples=(
        ("cloudgate account add --cloud sim --endpoint sim://alpha --name team-b --credential access_key=team-b "
        "--credential secret_key"),
        ("pass show clouds/team-b | cloudgate account add --cloud sim --endpoint sim://alpha "
        "--credential access_key=team-b --credential secret_key=-"),
        ("CLOUDGATE_CREDENTIAL_ACCESS_KEY=team-b CLOUDGATE_CREDENTIAL_SECRET_KEY=… cloudgate account add "
        "--cloud sim --endpoint sim://alpha"),
        ("cloudgate account add --cloud openstack --endpoint http://keystone:5000/v3 --credential username=alice "
        "--credential password --credential project_name=demo --credential notification_url "
        "--option 'notification_exchanges=[\"nova\",\"neutron\"]'"),
    ),
)  # fmt: skip
def add(
    invocation: Invocation,
    cloud: Annotated[str, typer.Option("--cloud", help="Cloud type (see `cloudgate clouds`).")],
    endpoint: Annotated[str, typer.Option("--endpoint", help="The cloud's endpoint URL.")],
    credential: CredentialOption = None,
    option: OptionOption = None,
    region: Annotated[str | None, typer.Option("--region")] = None,
    name: Annotated[str | None, typer.Option("--name", help="A name for the account.")] = None,
    alias: Annotated[
        str | None, typer.Option("--alias", help="What you call the account in scopes (CloudOne): yours alone.")
    ] = None,
) -> None:
    body = {"cloud": cloud, "endpoint": endpoint, "region": region, "credentials": credentials(credential or ()),
            "options": field_assignments(option or (), "--option") or None, "name": name, "alias": alias}  # fmt: skip
    with invocation.session() as session:
        view = session.post("/v1/accounts", {k: v for k, v in body.items() if v is not None})
    show(view, invocation.look, account_views)


@command(
    accounts, "list", help="Accounts you have access to.",
    examples=("cloudgate account list", "cloudgate account list -c name -c health -f value"),
)  # fmt: skip
def list_accounts(invocation: Invocation) -> None:
    with invocation.session() as session:
        found = session.get("/v1/accounts")
    show(found, invocation.look, lambda data: Rows([account_row(item) for item in data["items"]], LIST_COLUMNS))


@command(
    accounts, "show", help="One account, with the state of its polling.",
    examples=("cloudgate account show alpha-demo", "cloudgate account show acc-0123456789abcdef -f yaml"),
)  # fmt: skip
def show_account(invocation: Invocation, account: AccountName) -> None:
    with invocation.session() as session:
        view = session.get(f"/v1/accounts/{named(session, account)}")
    show(view, invocation.look, account_views)


@command(
    accounts, "check", help="Check that the gateway can still authenticate with the account.",
    examples=("cloudgate account check alpha-demo",),
)  # fmt: skip
def check(invocation: Invocation, account: AccountName) -> None:
    with invocation.session() as session:
        account_id = named(session, account)
        result = session.post(f"/v1/accounts/{account_id}/check")
    show(result, invocation.look)
    if not result.get("ok", True):
        error = result.get("error") or {}
        failure = CliFailure(str(error.get("code", "check_failed")), str(error.get("message", "the check failed")))
        raise with_hint(failure, "account", "check", account_id)


@command(
    accounts, "rotate", help="Replace the account's credentials (they must name the same cloud identity).",
    examples=(
        "cloudgate account rotate alpha-demo --credential access_key=demo --credential secret_key",
        "cloudgate account rotate alpha-demo --credential access_key=demo --credential secret_key=- < secret.txt",
    ),
)  # fmt: skip
def rotate(invocation: Invocation, account: AccountName, credential: CredentialOption = None) -> None:
    given = credentials(credential or ())
    with invocation.session() as session:
        view = session.put(f"/v1/accounts/{named(session, account)}/credentials", {"credentials": given})
    show(view, invocation.look, account_views)


@command(
    accounts, "alias",
    help='Name the account for your scopes: --scope \'{"image": "NAME"}\' then means this account.',
    examples=("cloudgate account alias alpha-demo CloudOne", "cloudgate account alias CloudOne --remove"),
)  # fmt: skip
def alias(
    invocation: Invocation,
    account: AccountName,
    name: Annotated[
        str | None, typer.Argument(metavar="ALIAS", help="Letters, digits, '.', '_' and '-'.", show_default=False)
    ] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Take the account's alias away.")] = False,
) -> None:
    if (name is None) == (not remove):
        raise UsageFailure("alias_expected", "give the alias, or --remove to take it away (not both)")
    with invocation.session() as session:
        view = session.put(f"/v1/accounts/{named(session, account)}/alias", {"alias": None if remove else name})
    show(view, invocation.look, account_views)


@command(
    accounts, "remove", help="Withdraw your access; the account goes when nobody has access left.",
    examples=("cloudgate account remove team-b",),
)  # fmt: skip
def remove(invocation: Invocation, account: AccountName) -> None:
    with invocation.session() as session:
        account_id = named(session, account)
        session.delete(f"/v1/accounts/{account_id}")
    if invocation.output is Output.TABLE:
        stderr_console().print(f"removed your access to {account_id}", markup=False)
    else:
        show({"id": account_id, "removed": True}, invocation.look)
