"""`python -m bench [--quick] [--only PART ...] [--output FILE]`: the benchmark figures.

Each part runs in a process of its own (the poll sizes each in one more), so that one part's memory
and event loop never colour another's figures. Prints the tables, writes every figure as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from bench.children import ChildFailed, run_json
from bench.goals import judge
from bench.machine import cloudgate_variables, describe, load_average
from bench.parts import PARTS
from bench.report import render

LATEST = Path(__file__).parent / "results" / "latest.json"


def run_parts(names: list[str], quick: bool, console: Console) -> tuple[dict[str, Any], dict[str, Any]]:
    """(figures by part, how long each took and how loaded the machine was as it began)."""
    parts: dict[str, Any] = {}
    timings: dict[str, Any] = {}
    for name in names:
        load = load_average()
        console.print(f"[bold]▶ {name}[/] (load average {load})")
        began = time.monotonic()
        try:
            parts[name] = run_json("bench.part", [name, *(["--quick"] if quick else [])])
        except ChildFailed as exc:
            parts[name] = {"error": str(exc)}
        timings[name] = {"seconds": round(time.monotonic() - began, 1), "load_average_at_start": load}
    return parts, timings


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repetitions (about 2–3 minutes)")
    parser.add_argument("--only", nargs="+", choices=list(PARTS), metavar="PART",
                        help=f"run only these parts ({', '.join(PARTS)})")  # fmt: skip
    parser.add_argument("--output", type=Path, default=LATEST, help=f"where the JSON goes (default {LATEST})")
    args = parser.parse_args()
    console = Console(width=None if sys.stdout.isatty() else 150)  # piped: wide enough for every column
    started = datetime.now(UTC)
    run: dict[str, Any] = {
        "mode": "quick" if args.quick else "full", "started_at": started.isoformat(timespec="seconds"),
        "machine": describe(), "load_average_before": load_average(), "cloudgate_variables": cloudgate_variables(),
    }  # fmt: skip
    parts, run["parts"] = run_parts(args.only or list(PARTS), args.quick, console)
    run["duration_s"] = round((datetime.now(UTC) - started).total_seconds(), 1)
    run["load_average_after"] = load_average()
    document = {"run": run, "parts": parts, "goals": judge(parts, args.quick)}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(document, indent=2) + "\n")
    render(document, console)
    console.print(f"figures written to {args.output}")
    return 1 if any("error" in figures for figures in parts.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
