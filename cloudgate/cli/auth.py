"""Logging in and out, and managing gateway clients (admin only)."""

from __future__ import annotations

from typing import Annotated

import typer

from cloudgate.cli import config
from cloudgate.cli.base import Invocation, command, new_group
from cloudgate.cli.failures import CliFailure
from cloudgate.cli.render import Output, rows_table, show, stderr_console
from cloudgate.cli.session import DEFAULT_URL, Session, Target

clients = new_group("client", "Gateway clients: who may call the gateway (admin only).")


def register(app: typer.Typer) -> None:
    command(app, "login", help="Exchange a client id and secret for a token, saved for later commands.")(login)
    command(app, "logout", help="Revoke the saved token and forget it.")(logout)
    command(app, "whoami", help="The client the token belongs to.")(whoami)
    app.add_typer(clients)


def login(
    invocation: Invocation,
    client_id: Annotated[str, typer.Option("--client-id", envvar="CLOUDGATE_CLIENT_ID")] = "admin",
    secret: Annotated[
        str | None, typer.Option("--secret", envvar="CLOUDGATE_CLIENT_SECRET", help="Asked for when not given.")
    ] = None,
) -> None:
    secret = secret if secret is not None else typer.prompt("Secret", hide_input=True)
    saved = config.load()
    url = (invocation.options.url or saved.url or DEFAULT_URL).rstrip("/")
    with Session(Target(url, None), via=invocation.options.via) as session:
        issued = session.post("/v1/tokens", {"client_id": client_id, "secret": secret})
    login = config.SavedLogin(url, issued["token"], issued["client_id"], issued["expires_at"])
    path = config.save(login)
    stderr_console().print(f"logged in to {url} as {login.client_id} (saved in {path})", markup=False)
    if invocation.output is not Output.TABLE:
        show({"url": url, "client_id": login.client_id, "expires_at": login.expires_at}, invocation.output)


def logout(invocation: Invocation) -> None:
    saved = config.load()
    if not saved.token:
        stderr_console().print("not logged in", markup=False)
        return
    try:
        with Session(Target(saved.url or DEFAULT_URL, saved.token)) as session:
            session.delete("/v1/tokens/current")
    except CliFailure as failure:  # the local token is forgotten all the same
        stderr_console().print(f"warning: could not revoke the token: {failure.message}", markup=False)
    config.save(config.SavedLogin(url=saved.url))
    stderr_console().print(f"logged out of {saved.url}", markup=False)


def whoami(invocation: Invocation) -> None:
    with invocation.session() as session:
        show(session.get("/v1/whoami"), invocation.output)


@command(clients, "create", help="Create a client; its secret is shown once.")
def create_client(
    invocation: Invocation,
    name: Annotated[str, typer.Argument(help="A name for people to recognise the client by.")],
    admin: Annotated[bool, typer.Option("--admin", help="Give the client admin rights.")] = False,
) -> None:
    with invocation.session() as session:
        created = session.post("/v1/clients", {"name": name, "admin": admin})
    show(created, invocation.output)
    if invocation.output is Output.TABLE:
        stderr_console().print("the secret is shown only this once: store it now", markup=False)


@command(clients, "list", help="Every client.")
def list_clients(invocation: Invocation) -> None:
    with invocation.session() as session:
        found = session.get("/v1/clients")
    columns = ["id", "name", "is_admin", "created_at"]
    show(found, invocation.output, lambda data: rows_table(data["items"], columns))
