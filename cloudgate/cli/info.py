"""What the gateway can drive: the cloud types, what each can do, and an endpoint's settings."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from cloudgate.cli.base import Invocation, command
from cloudgate.cli.failures import UsageFailure
from cloudgate.cli.render import Record, Rows, show


def register(app: typer.Typer) -> None:
    command(
        app, "clouds", help="The cloud types this gateway can drive, and what each can do.",
        examples=("cloudgate clouds", "cloudgate clouds -f json"),
    )(clouds)  # fmt: skip
    command(
        app, "cloud-settings",
        help="An endpoint's settings (admin): for sim, the faults of a simulated cloud, to rehearse failures.",
        examples=("cloudgate cloud-settings sim --endpoint sim://alpha",
                  "cloudgate cloud-settings sim --endpoint sim://alpha --set error_rate=0.2 --set latency=0.5",
                  "cloudgate cloud-settings sim --endpoint sim://alpha --set outage=true"),
    )(cloud_settings)  # fmt: skip


def cloud_rows(found: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, about in found.items():
        caps = about.get("capabilities", {})
        actions = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in caps.get("actions", {}).items())
        rows.append({"cloud": name, "kinds": caps.get("kinds", []), "create": caps.get("create", []),
                     "actions": actions})  # fmt: skip
    return rows


def cloud_settings(
    invocation: Invocation,
    cloud: Annotated[str, typer.Argument(help="The cloud type (see `cloudgate clouds`).")],
    endpoint: Annotated[str, typer.Option("--endpoint", help="The endpoint, e.g. sim://alpha.")],
    changes: Annotated[
        list[str] | None, typer.Option("--set", help="name=value to change (repeatable); values read as JSON.")
    ] = None,
) -> None:
    with invocation.session() as session:
        if changes:
            found = session.patch(f"/v1/clouds/{cloud}/settings", _settings(changes), endpoint=endpoint)
        else:
            found = session.get(f"/v1/clouds/{cloud}/settings", endpoint=endpoint)
    show(found, invocation.look, Record)


def _settings(given: list[str]) -> dict[str, Any]:
    """`name=value` pairs; a value is JSON when it parses as JSON (0.2, true), else the text."""
    settings: dict[str, Any] = {}
    for pair in given:
        name, sep, text = pair.partition("=")
        if not sep or not name:
            raise UsageFailure("bad_setting", f"--set takes name=value, not {pair!r}")
        try:
            settings[name] = json.loads(text)
        except ValueError:
            settings[name] = text
    return settings


def clouds(invocation: Invocation) -> None:
    with invocation.session() as session:
        found = session.get("/v1/clouds")
    show(found, invocation.look, lambda data: Rows(cloud_rows(data), ["cloud", "kinds", "create", "actions"]))
