"""Showing results: JSON and YAML exactly as the gateway gave them; for people, tables that fit the
terminal; for scripts, bare values (`-f value`) or CSV. `-c NAME` picks the columns of the last three."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import typer
import yaml
from rich.console import Console

from cloudgate.cli.failures import UsageFailure
from cloudgate.cli.tables import GAP, pairs_lines, table_lines, terminal_width

TIME_FIELDS = frozenset({"at", "created_at", "updated_at", "expires_at", "revoked_at", "last_success_at",
                         "last_attempt_at"})  # fmt: skip


class Output(StrEnum):
    TABLE = "table"
    VALUE = "value"
    JSON = "json"
    YAML = "yaml"
    CSV = "csv"


@dataclass(frozen=True, slots=True)
class Look:
    """How a command shows its result: the format, the columns asked for (-c), and --wide."""

    output: Output = Output.TABLE
    columns: tuple[str, ...] = ()
    wide: bool = False


@dataclass(frozen=True, slots=True)
class Rows:
    """Items in rows; `columns` are shown unless -c names others (any key of the items)."""

    items: Sequence[Mapping[str, Any]]
    columns: Sequence[str]


@dataclass(frozen=True, slots=True)
class Record:
    """One thing as key/value lines; `hidden` keys are shown only with --wide or when -c names them."""

    fields: Mapping[str, Any]
    hidden: frozenset[str] = field(default_factory=frozenset)


View = Rows | Record


def stderr_console() -> Console:
    # Not wrapped here: a terminal wraps long lines itself, and a log file keeps them whole.
    return Console(stderr=True, highlight=False, soft_wrap=True)


def show(data: Any, look: Look, view: Callable[[Any], View | Sequence[View]] | None = None) -> None:
    """Print `data` as JSON or YAML, or as the views `view` makes of it (a Record of it by default):
    tables one after the other; values and CSV of the first view only."""
    if look.output is Output.JSON:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if look.output is Output.YAML:
        typer.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True).rstrip("\n"))
        return
    made = view(data) if view is not None else Record(data if isinstance(data, Mapping) else {"value": data})
    views = [made] if isinstance(made, Rows | Record) else list(made)
    if look.output is Output.TABLE:
        for index, one in enumerate(views):
            if index:
                typer.echo("")
            TABLES[type(one)](one, look)
    else:
        PRINTERS[look.output](views[0], look)


def _progress(value: Mapping[str, Any]) -> str:
    """`3/9 listings`, or for bytes `replicating image img-…: 12.0 MiB of 48.0 MiB (25%)`."""
    done, total, unit = value.get("done"), value.get("total"), value.get("unit") or ""
    if unit == "bytes" and isinstance(done, int):
        text = size_text(done)
        if isinstance(total, int) and total > 0:
            text += f" of {size_text(total)} ({percent(done, total)}%)"
    else:
        text = f"{done}/{total} {unit}".rstrip()
    step = value.get("step")
    return f"{step}: {text}" if step else text


def percent(done: int, total: int) -> int:
    return min(done * 100 // total, 100) if total > 0 else 0


def size_text(count: int) -> str:
    """A number of bytes as people read it: 512 B, 1.5 KiB, 12.0 MiB."""
    value, unit = float(count), "B"
    for bigger in ("KiB", "MiB", "GiB", "TiB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{count} B" if unit == "B" else f"{value:.1f} {unit}"


# Values that read better in a form of their own than as JSON, by key.
CELL_FORMATS: dict[str, Callable[[Any], str]] = {"progress": _progress}


def cell(key: str, value: Any) -> str:
    """One value as table text: times readable, nested values as compact JSON, nothing as '', one line."""
    if value is None:
        return ""
    if key in CELL_FORMATS and isinstance(value, Mapping):
        return CELL_FORMATS[key](value)
    if key in TIME_FIELDS and isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return " ".join(str(value).splitlines())  # a line break would split the row


def label(column: str) -> str:
    return column.upper().replace("_", " ")


def _normal(name: str) -> str:
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def chosen_columns(default: Sequence[str], available: Sequence[str], asked: Sequence[str]) -> list[str]:
    """The columns -c names (by key or header, several at once with commas), else the default ones."""
    if not asked:
        return list(default)
    known = {_normal(column): column for column in available}
    by_last_part = {_normal(column.rsplit(".", 1)[-1]): column for column in reversed(available)}
    picked = []
    for name in (part for text in asked for part in text.split(",") if part.strip()):
        column = known.get(_normal(name)) or by_last_part.get(_normal(name))
        if column is None:
            raise UsageFailure("unknown_column", f"no column {name!r} here; columns: {', '.join(available)}")
        picked.append(column)
    return picked or list(default)


def _row_columns(rows: Rows, look: Look) -> list[str]:
    available = list(dict.fromkeys([*rows.columns, *(key for item in rows.items for key in item)]))
    return chosen_columns(rows.columns, available, look.columns)


def _record_keys(record: Record, look: Look) -> list[str]:
    keys = list(record.fields)
    shown = keys if look.wide else [key for key in keys if key not in record.hidden]
    return chosen_columns(shown, keys, look.columns)


def print_rows_table(rows: Rows, look: Look) -> None:
    columns = _row_columns(rows, look)
    body = [[cell(column, item.get(column)) for column in columns] for item in rows.items]
    width = None if look.wide else terminal_width()
    # Columns named with -c are all shown; of the default ones, the last give way to a narrow terminal.
    laid = table_lines([label(column) for column in columns], body, width, may_leave_out=not look.columns)
    header, *lines = laid.lines
    typer.echo(typer.style(header, bold=True))
    for line in lines:
        typer.echo(line)
    if laid.left_out:
        stderr_console().print(
            f"({', '.join(laid.left_out)} left out to fit {width} columns: --wide or -c shows them)", markup=False
        )


def print_record_table(record: Record, look: Look) -> None:
    pairs = [(key, cell(key, record.fields[key])) for key in _record_keys(record, look)]
    for key, value in pairs_lines(pairs, None if look.wide else terminal_width()):
        name = key.rstrip()
        typer.echo(typer.style(name, bold=True) + (key[len(name) :] + GAP + value).rstrip())


def print_values(view: View, look: Look) -> None:
    if isinstance(view, Record):
        for key in _record_keys(view, look):
            typer.echo(cell(key, view.fields[key]))
        return
    columns = _row_columns(view, look)
    for item in view.items:
        typer.echo(" ".join(cell(column, item.get(column)) for column in columns))


def print_csv(view: View, look: Look) -> None:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    if isinstance(view, Record):
        keys = _record_keys(view, look)
        writer.writerows([keys, [cell(key, view.fields[key]) for key in keys]])
    else:
        columns = _row_columns(view, look)
        writer.writerow(columns)
        writer.writerows([cell(column, item.get(column)) for column in columns] for item in view.items)
    typer.echo(text.getvalue(), nl=False)


TABLES: dict[type, Callable[[Any, Look], None]] = {Rows: print_rows_table, Record: print_record_table}
PRINTERS: dict[Output, Callable[[View, Look], None]] = {Output.VALUE: print_values, Output.CSV: print_csv}
