"""`cloudgate events tail`: the change feed, followed until Ctrl+C (like `tail -f`) unless --no-follow.
People get a header and one aligned line per event (when, whose, what, and the change); scripts get
JSON (one object per line), YAML documents, bare values or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any

import typer
import yaml

from cloudgate.cli import config
from cloudgate.cli.base import Invocation, command, new_group
from cloudgate.cli.failures import CliFailure
from cloudgate.cli.feed import Follower
from cloudgate.cli.lookup import AccountDirectory
from cloudgate.cli.render import Look, Output, cell, chosen_columns, label, stderr_console
from cloudgate.cli.session import Session
from cloudgate.cli.tables import GAP, cut, is_id, pad, terminal_width

events = new_group("events", "The change feed: every created, updated and deleted resource.")

DEFAULT_COLUMNS = ("seq", "time", "account", "kind", "name", "change")
# Width of each column in a terminal (None: what the line has left); longer texts are cut, ids never.
WIDTHS: dict[str, int | None] = {"seq": 7, "time": 8, "account": 12, "kind": 14, "id": 24, "name": 16,
                                 "type": 7, "state": 10, "cloud": 10, "change": None}  # fmt: skip
RIGHT_ALIGNED = frozenset({"seq"})
RAW_FIELDS = frozenset({"cloud_state", "cloud_attrs", "cloud_id"})
MIN_LAST_WIDTH = 12


def short_time(at: float) -> str:
    """The time of day for today's events, the day for older ones (as `ls -l` does)."""
    when = datetime.fromtimestamp(at)
    return when.strftime("%H:%M:%S") if when.date() == datetime.now().date() else when.strftime("%b %d")


def change_text(event: Mapping[str, Any]) -> str:
    """`created state=pending`, `updated state=running, addresses`, `deleted`."""
    state = (event.get("resource") or {}).get("state")
    if event["type"] == "created":
        return f"created state={state}"
    if event["type"] != "updated":
        return str(event["type"])
    # What the cloud said in its own terms changes with nearly every change: named only when alone.
    changed = [field for field in event["changed"] if field not in RAW_FIELDS] or event["changed"]
    named = [f"state={state}" if field == "state" else field.removeprefix("attrs.") for field in changed]
    return " ".join(["updated", ", ".join(named)]).strip()


class EventText:
    """The cells of an event, by column; account names come from the gateway, listed again for a new one."""

    def __init__(self, session: Callable[[], Session]):
        self._session = session
        self._names: dict[str, str] = {}

    def account(self, account_id: str | None) -> str:
        if not account_id:
            return "public"
        if account_id not in self._names:
            try:
                self._names.update(AccountDirectory(self._session()).names())
            except CliFailure:
                return account_id  # named on a later event, once the gateway answers
            self._names.setdefault(account_id, account_id)  # one the caller cannot see: not listed again
        return self._names[account_id]

    def cells(self, event: Mapping[str, Any], *, short: bool) -> dict[str, str]:
        resource = event.get("resource") or {}
        return {
            "seq": str(event["seq"]),
            "time": short_time(event["at"]) if short else cell("at", event["at"]),
            "account": self.account(event.get("account")),
            "kind": str(event["kind"]),
            "id": str(event["resource_id"]),
            "name": str(resource.get("name") or ""),
            "type": str(event["type"]),
            "state": str(resource.get("state") or ""),
            "cloud": str(event.get("cloud") or ""),
            "change": change_text(event),
        }


def event_line(cells: Mapping[str, str], columns: Sequence[str], width: int | None) -> str:
    """One aligned line; with a `width`, texts longer than their column are cut (ids never)."""
    used = sum(WIDTHS[column] or 0 for column in columns[:-1]) + len(GAP) * (len(columns) - 1)
    parts = []
    for index, column in enumerate(columns):
        last = index == len(columns) - 1
        room = WIDTHS[column] if not last else None if width is None else max(width - used, MIN_LAST_WIDTH)
        text = cells[column]
        if width is not None and room is not None and not is_id(text):
            text = cut(text, room)
        if not last and room is not None:
            text = text.rjust(room) if column in RIGHT_ALIGNED else pad(text, room)
        parts.append(text)
    return GAP.join(parts).rstrip()


class Printer:
    """Prints events in the chosen format, a header first where the format has one."""

    def __init__(self, look: Look, text: EventText):
        self._look = look
        self._text = text
        self._columns = chosen_columns(DEFAULT_COLUMNS, list(WIDTHS), look.columns)
        self._width = None if look.wide else terminal_width()

    def header(self) -> None:
        labels = {column: label(column) for column in self._columns}
        if self._look.output is Output.TABLE:
            typer.echo(typer.style(event_line(labels, self._columns, self._width), bold=True))
        elif self._look.output is Output.CSV:
            self._csv(labels.keys())

    def event(self, event: dict[str, Any]) -> None:
        FORMATS[self._look.output](self, event)

    def _json(self, event: dict[str, Any]) -> None:  # one object per line, so a reader can stream it
        typer.echo(json.dumps(event, ensure_ascii=False, separators=(",", ":")))

    def _yaml(self, event: dict[str, Any]) -> None:
        typer.echo("---\n" + yaml.safe_dump(event, sort_keys=False, allow_unicode=True).rstrip("\n"))

    def _table(self, event: dict[str, Any]) -> None:
        typer.echo(event_line(self._text.cells(event, short=True), self._columns, self._width))

    def _value(self, event: dict[str, Any]) -> None:
        cells = self._text.cells(event, short=False)
        typer.echo(" ".join(cells[column] for column in self._columns))

    def _csv_row(self, event: dict[str, Any]) -> None:
        cells = self._text.cells(event, short=False)
        self._csv(cells[column] for column in self._columns)

    def _csv(self, row: Iterable[str]) -> None:
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerow(row)
        typer.echo(text.getvalue(), nl=False)


FORMATS: dict[Output, Callable[[Printer, dict[str, Any]], None]] = {
    Output.JSON: Printer._json, Output.YAML: Printer._yaml, Output.TABLE: Printer._table,
    Output.VALUE: Printer._value, Output.CSV: Printer._csv_row,
}  # fmt: skip


@command(
    events, "tail", help="Print the events after a sequence number, then follow new ones until Ctrl+C "
    "(--no-follow: only what is there). Following survives a gateway restart and a new `cloudgate login`.",
    examples=("cloudgate events tail", "cloudgate events tail --no-follow --after 120 -f json",
              "cloudgate events tail -c time -c kind -c id -c change"),
)  # fmt: skip
def tail(
    invocation: Invocation,
    after: Annotated[int, typer.Option("--after", min=0, help="Start after this sequence number.")] = 0,
    follow: Annotated[
        bool, typer.Option("--follow/--no-follow", help="Keep waiting for new events (the default) or stop.")
    ] = True,
) -> None:
    # Only a token from the saved login can be renewed: one given on the command line stays refused.
    renewable = invocation.options.token is None
    follower = Follower(
        invocation.session, (lambda: config.load(profile=invocation.profile).token) if renewable else None,
        stderr_console(),
    )  # fmt: skip
    printer = Printer(invocation.look, EventText(lambda: follower.session))
    printer.header()
    try:
        for event in follower.events(after, follow):
            printer.event(event)
    except KeyboardInterrupt:
        return  # following ends when the user says so
