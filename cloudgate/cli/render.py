"""Showing results: JSON and YAML exactly as the gateway gave them, or rich tables for people."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

import typer
import yaml
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

# Attributes worth a column when listing each kind; a column appears only when some row has a value.
KIND_COLUMNS: dict[str, tuple[str, ...]] = {
    "datacenter": ("type", "region"),
    "flavor": ("vcpus", "ram_mb", "disk_gb"),
    "image": ("os", "min_disk_gb", "visibility"),
    "instance": ("flavor", "image", "datacenter", "addresses"),
    "volume": ("size_gb", "datacenter", "attached_to", "device"),
    "snapshot": ("volume", "size_gb"),
    "subnet": ("cidr", "datacenter"),
    "keypair": ("fingerprint",),
    "security_group": ("description",),
}

TIME_FIELDS = frozenset({"created_at", "updated_at", "expires_at", "last_success_at", "last_attempt_at"})


class Output(StrEnum):
    TABLE = "table"
    JSON = "json"
    YAML = "yaml"


def stdout_console() -> Console:
    # Piped output gets a wide fixed width, so ids are not cut for the next program.
    return Console(width=None if sys.stdout.isatty() else 200, highlight=False)


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False)


def show(data: Any, output: Output, table: Callable[[Any], RenderableType] | None = None) -> None:
    """Print `data` as JSON or YAML, or as the table `table` builds from it (a key/value table by default)."""
    if output is Output.JSON:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    elif output is Output.YAML:
        typer.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True).rstrip("\n"))
    else:
        stdout_console().print((table or key_value_table)(data))


def cell(key: str, value: Any) -> str:
    """One value as table text: times readable, nested values as compact JSON, nothing as ''."""
    if value is None:
        return ""
    if key in TIME_FIELDS and isinstance(value, int | float):
        return datetime.fromtimestamp(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def text(key: str, value: Any) -> Text:
    """A table cell: plain text, so that brackets in names are not read as rich markup."""
    return Text(cell(key, value))


def key_value_table(data: Any) -> RenderableType:
    if not isinstance(data, Mapping):
        return text("", data)
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in data.items():
        table.add_row(Text(key), text(key, value))
    return table


def rows_table(items: Sequence[Mapping[str, Any]], columns: Iterable[str]) -> Table:
    """A table of `items` with one column per key in `columns`."""
    table = Table(box=None, pad_edge=False, header_style="bold")
    columns = list(columns)
    for column in columns:
        table.add_column(column.upper().replace("_", " "), overflow="fold")
    for item in items:
        table.add_row(*(text(column, item.get(column)) for column in columns))
    return table


def flatten_resource(record: Mapping[str, Any]) -> dict[str, Any]:
    """A resource record with its generic attributes lifted beside the record fields (record fields win);
    a public resource's account is its scope, which names the cloud endpoint that publishes it."""
    flat = {**record.get("attrs", {}), **{k: v for k, v in record.items() if k != "attrs"}}
    flat["account"] = record.get("account") or record.get("scope")
    return flat


def resources_table(kind: str, items: Sequence[Mapping[str, Any]]) -> Table:
    flat = [flatten_resource(item) for item in items]
    extra = [c for c in KIND_COLUMNS.get(kind, ()) if any(row.get(c) not in (None, "", []) for row in flat)]
    return rows_table(flat, ["id", "name", "state", *extra, "cloud", "account"])


def resource_table(record: Mapping[str, Any]) -> Table:
    """One resource: record fields, then each attribute and tag on its own line."""
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in record.items():
        if key in ("attrs", "cloud_attrs", "tags") and isinstance(value, Mapping):
            for sub_key, sub_value in value.items():
                table.add_row(Text(f"{key}.{sub_key}"), text(sub_key, sub_value))
        else:
            table.add_row(Text(key), text(key, value))
    return table
