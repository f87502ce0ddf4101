"""The `cloudgate` command: every group and command, and the global options given before them."""

from __future__ import annotations

import typer

from cloudgate.cli import accounts, auth, credentials, events, info, resources, serve
from cloudgate.cli.base import GlobalOptions, OutputOption, TokenOption, UrlOption, ViaOption

app = typer.Typer(
    name="cloudgate",
    help="A multi-cloud gateway: serve it, or manage accounts and resources through one.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals hold secrets and tokens
)


@app.callback()
def global_options(
    ctx: typer.Context,
    output: OutputOption = None,
    url: UrlOption = None,
    token: TokenOption = None,
    via: ViaOption = None,
) -> None:
    """Global options given before the command; the same options after it win over these."""
    ctx.obj = GlobalOptions(output, url, token, via)


app.command("serve")(serve.serve)
auth.register(app)
app.add_typer(accounts.accounts)
app.add_typer(credentials.credentials)
resources.register(app)
app.add_typer(events.events)
info.register(app)
