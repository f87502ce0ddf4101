"""Reading the change feed: one line per event, optionally following it as events come."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
import yaml

from cloudgate.cli.base import Invocation, command, new_group
from cloudgate.cli.render import Output
from cloudgate.cli.session import Session

events = new_group("events", "The change feed: every created, updated and deleted resource.")

LONG_POLL_SECONDS = 25.0  # how long the gateway holds a --follow request open when nothing happens


def event_line(event: dict[str, Any]) -> str:
    """`seq type kind id state`, aligned for reading in a terminal."""
    resource = event.get("resource") or {}
    state = resource.get("state", "")
    name = resource.get("name") or ""
    line = f"{event['seq']:>7}  {event['type']:<8} {event['kind']:<15} {event['resource_id']:<26} {state:<11} {name}"
    return line.rstrip()


def print_event(event: dict[str, Any], output: Output) -> None:
    if output is Output.JSON:  # one object per line, so a reader can stream it
        typer.echo(json.dumps(event, ensure_ascii=False, separators=(",", ":")))
    elif output is Output.YAML:
        typer.echo("---\n" + yaml.safe_dump(event, sort_keys=False, allow_unicode=True).rstrip("\n"))
    else:
        typer.echo(event_line(event))


def read_page(session: Session, after: int, wait: float) -> tuple[list[dict[str, Any]], int]:
    # The request may take `wait` seconds by design: the read timeout allows for it.
    page = session.request("GET", "/v1/events", params={"after": after, "wait": wait}, timeout=wait + 15.0)
    return page["events"], int(page.get("next_after", after))


@command(events, "tail", help="Print events after a sequence number (--output json: one object per line); "
         "with --follow, keep printing new ones.")  # fmt: skip
def tail(
    invocation: Invocation,
    after: Annotated[int, typer.Option("--after", min=0, help="Start after this sequence number.")] = 0,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep waiting for new events until Ctrl+C.")] = False,
) -> None:
    with invocation.session() as session:
        try:
            while True:
                found, after = read_page(session, after, LONG_POLL_SECONDS if follow else 0.0)
                for event in found:
                    print_event(event, invocation.output)
                if not found and not follow:
                    return
        except KeyboardInterrupt:
            return  # following ends when the user says so
