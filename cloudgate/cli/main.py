"""The `cloudgate` command: every group and command, the global options given before them, --version,
and the exit codes at the end of the help."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

import typer
from rich.markup import escape

from cloudgate.cli import accounts, auth, credentials, events, info, operations, resources, serve
from cloudgate.cli.base import (
    CaFileOption,
    ColumnOption,
    FormatOption,
    GlobalOptions,
    InsecureOption,
    ProfileOption,
    ScopeOption,
    TokenOption,
    UrlOption,
    ViaOption,
    WideOption,
    examples_epilog,
)  # fmt: skip
from cloudgate.cli.failures import EXIT_CODES


def exit_codes_epilog() -> str:
    lines = ["Exit codes:", *(f"  {code:>3}  {meaning}" for code, meaning in EXIT_CODES.items())]
    lines += ["", "Get started:", "  cloudgate login --url http://127.0.0.1:8080 --client-id admin",
              "  cloudgate instance list --account alpha-demo"]  # fmt: skip
    return escape("\n".join(lines))


app = typer.Typer(
    name="cloudgate",
    help="A multi-cloud gateway: serve it, or manage accounts and resources through one.",
    epilog=exit_codes_epilog(),
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals hold secrets and tokens
)


def cloudgate_version() -> str:
    try:
        return version("cloudgate")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def print_version(given: bool) -> None:
    if given:
        typer.echo(f"cloudgate {cloudgate_version()}")
        raise typer.Exit()


@app.callback()
def global_options(
    ctx: typer.Context,
    output: FormatOption = None,
    columns: ColumnOption = None,
    wide: WideOption = None,
    url: UrlOption = None,
    token: TokenOption = None,
    via: ViaOption = None,
    profile: ProfileOption = None,
    ca_file: CaFileOption = None,
    insecure: InsecureOption = None,
    scope: ScopeOption = None,
    _version: Annotated[
        bool,
        typer.Option("--version", callback=print_version, is_eager=True, help="Print cloudgate's version and exit."),
    ] = False,
) -> None:
    """Global options given before the command; the same options after it win over these."""
    ctx.obj = GlobalOptions(output, tuple(columns or ()), wide, url, token, via, profile, ca_file, insecure, scope)


app.command(
    "serve",
    epilog=examples_epilog("cloudgate serve --demo", "CLOUDGATE_PORT=8081 cloudgate serve --data-dir /srv/cloudgate"),
)(serve.serve)
auth.register(app)
app.add_typer(accounts.accounts)
app.add_typer(credentials.credentials)
resources.register(app)
app.add_typer(events.events)
operations.register(app)
info.register(app)
