"""Logging in and out (one saved login per profile), the profiles saved, and managing gateway clients
(admin only)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from cloudgate.cli import config
from cloudgate.cli.base import Invocation, command, new_group
from cloudgate.cli.failures import CliFailure, UsageFailure
from cloudgate.cli.render import Output, Record, Rows, show, stderr_console
from cloudgate.cli.session import DEFAULT_URL, Session, Target

clients = new_group("client", "Gateway clients: who may call the gateway (admin only).")
profiles = new_group("profile", "Saved logins, one per gateway: pick one with --profile or CLOUDGATE_PROFILE.")

FROM_STDIN = "-"


def register(app: typer.Typer) -> None:
    command(
        app, "login", help="Exchange a client's id (or name) and secret for a token, saved in the profile.",
        examples=(
            "cloudgate login --url http://127.0.0.1:8080 --client-id admin",
            "cloudgate --profile prod login --url https://gateway.example.com --client-id ci --secret - < secret.txt",
        ),
    )(login)  # fmt: skip
    command(
        app, "logout", help="Revoke the profile's token and forget it.",
        examples=("cloudgate logout", "cloudgate logout --profile prod"),
    )(logout)  # fmt: skip
    command(app, "whoami", help="The client the token belongs to.", examples=("cloudgate whoami",))(whoami)
    app.add_typer(clients)
    app.add_typer(profiles)


def _secret(given: str | None) -> str:
    if given == FROM_STDIN:
        secret = sys.stdin.readline().rstrip("\r\n")
        if not secret:
            raise UsageFailure("missing_secret", "--secret - read nothing from stdin")
        return secret
    return given if given is not None else str(typer.prompt("Secret", hide_input=True))


def login(
    invocation: Invocation,
    client_id: Annotated[
        str, typer.Option("--client-id", envvar="CLOUDGATE_CLIENT_ID", help="The client's id or name.")
    ] = "admin",
    secret: Annotated[
        str | None,
        typer.Option(
            "--secret", envvar="CLOUDGATE_CLIENT_SECRET", help="Asked for when not given; - reads it from stdin."
        ),
    ] = None,
) -> None:
    secret = _secret(secret)
    saved = invocation.saved_login()
    url = (invocation.options.url or saved.url or DEFAULT_URL).rstrip("/")
    tls = invocation.tls(saved)
    with Session(Target(url, None), via=invocation.options.via, tls=tls) as session:
        issued = session.post("/v1/tokens", {"client_id": client_id, "secret": secret})
    login = config.SavedLogin(
        url, issued["token"], issued["client_id"], issued["expires_at"],
        str(tls.ca_file.resolve()) if tls.ca_file else None, tls.insecure or None,
    )  # fmt: skip
    path = config.save(login, profile=invocation.profile)
    stderr_console().print(
        f"logged in to {url} as {login.client_id} (profile {invocation.profile}, saved in {path})", markup=False
    )
    if invocation.output is not Output.TABLE:
        show({"url": url, "client_id": login.client_id, "expires_at": login.expires_at, "profile": invocation.profile},
             invocation.look)  # fmt: skip


def logout(invocation: Invocation) -> None:
    saved = invocation.saved_login()
    if not saved.token:
        stderr_console().print(f"not logged in (profile {invocation.profile})", markup=False)
        return
    try:
        target = Target(saved.url or DEFAULT_URL, saved.token)
        with Session(target, via=invocation.options.via, tls=invocation.tls(saved)) as session:
            session.delete("/v1/tokens/current")
    except CliFailure as failure:  # the local token is forgotten all the same
        stderr_console().print(f"warning: could not revoke the token: {failure.message}", markup=False)
    config.save(
        config.SavedLogin(url=saved.url, ca_file=saved.ca_file, insecure=saved.insecure), profile=invocation.profile
    )
    stderr_console().print(f"logged out of {saved.url} (profile {invocation.profile})", markup=False)


def whoami(invocation: Invocation) -> None:
    with invocation.session() as session:
        show(session.get("/v1/whoami"), invocation.look)


@command(
    profiles, "list", help="The saved profiles: which gateway each logs in to, and as whom.",
    examples=("cloudgate profile list",),
)  # fmt: skip
def list_profiles(invocation: Invocation) -> None:
    items = [
        {"profile": name, "current": name == invocation.profile, "url": login.url, "client_id": login.client_id,
         "logged_in": bool(login.token), "expires_at": login.expires_at}  # the token itself is never shown
        for name, login in sorted(config.load_all().items())
    ]  # fmt: skip
    show({"items": items}, invocation.look,
         lambda data: Rows(data["items"], ["profile", "current", "url", "client_id", "logged_in", "expires_at"]))  # fmt: skip


@command(
    clients, "create", help="Create a client; its secret is shown once.",
    examples=("cloudgate client create ci", "cloudgate client create ops --admin -f json"),
)  # fmt: skip
def create_client(
    invocation: Invocation,
    name: Annotated[str, typer.Argument(help="A name for people to recognise the client by.")],
    admin: Annotated[bool, typer.Option("--admin", help="Give the client admin rights.")] = False,
) -> None:
    with invocation.session() as session:
        created = session.post("/v1/clients", {"name": name, "admin": admin})
    show(created, invocation.look, Record)
    if invocation.output is Output.TABLE:
        stderr_console().print("the secret is shown only this once: store it now", markup=False)


@command(clients, "list", help="Every client.", examples=("cloudgate client list",))
def list_clients(invocation: Invocation) -> None:
    with invocation.session() as session:
        found = session.get("/v1/clients")
    show(found, invocation.look, lambda data: Rows(data["items"], ["id", "name", "is_admin", "created_at"]))
