"""What the gateway can drive: the cloud types, and what each can do."""

from __future__ import annotations

from typing import Any

import typer

from cloudgate.cli.base import Invocation, command
from cloudgate.cli.render import Rows, show


def register(app: typer.Typer) -> None:
    command(
        app, "clouds", help="The cloud types this gateway can drive, and what each can do.",
        examples=("cloudgate clouds", "cloudgate clouds -f json"),
    )(clouds)  # fmt: skip


def cloud_rows(found: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, about in found.items():
        caps = about.get("capabilities", {})
        actions = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in caps.get("actions", {}).items())
        rows.append({"cloud": name, "kinds": caps.get("kinds", []), "create": caps.get("create", []),
                     "actions": actions})  # fmt: skip
    return rows


def clouds(invocation: Invocation) -> None:
    with invocation.session() as session:
        found = session.get("/v1/clouds")
    show(found, invocation.look, lambda data: Rows(cloud_rows(data), ["cloud", "kinds", "create", "actions"]))
