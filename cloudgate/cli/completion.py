"""Shell completion of ids and names (`cloudgate instance show <TAB>`), from one listing of the kind with
the saved login: cheap enough to run on a key press, silent when the gateway cannot be asked."""

from __future__ import annotations

from collections.abc import Callable

import typer

from cloudgate.cli import config
from cloudgate.cli.base import tls_of
from cloudgate.cli.failures import CliFailure
from cloudgate.cli.lookup import collection_of
from cloudgate.cli.session import Session, resolve_target

COMPLETION_LIMIT = 1000


def _session(ctx: typer.Context) -> Session:
    """A session as the command line typed so far (or the environment) says: url, token, profile."""
    params = {**ctx.find_root().params, **ctx.params}
    saved = config.load(profile=params.get("profile") or config.DEFAULT_PROFILE)
    tls = tls_of(params.get("ca_file"), params.get("insecure"), saved)
    return Session(resolve_target(params.get("url"), params.get("token"), saved), via=params.get("via"), tls=tls)


def complete_ids(kind: str) -> Callable[[typer.Context, str], list[tuple[str, str]]]:
    """A completer of `kind`'s gateway ids and names (each with the other as its help)."""

    def complete(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
        try:
            with _session(ctx) as session:
                items = session.get(f"/v1/{collection_of(kind)}", limit=COMPLETION_LIMIT)["items"]
        except CliFailure:
            return []
        pairs = [(item["id"], item.get("name") or "") for item in items]
        pairs += [(name, resource_id) for resource_id, name in pairs if name]
        return [(value, about) for value, about in pairs if value.startswith(incomplete)]

    return complete
