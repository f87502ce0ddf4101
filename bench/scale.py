"""The poll + diff part: one `bench.poll` process per size, the headline size, and how cost grows with size."""

from __future__ import annotations

import logging
from typing import Any

from bench.children import run_json

log = logging.getLogger("bench.scale")

HEADLINE = 100_000  # the size the goals are stated for
FULL = {"sizes": (10_000, 50_000, 100_000, 250_000), "cycles": 3}
QUICK = {"sizes": (10_000, 100_000), "cycles": 1}


def measure(sizes: tuple[int, ...], cycles: int) -> dict[str, Any]:
    """Each size in a process of its own; per-resource cost at each, and the largest's over the smallest's."""
    curve = []
    for size in sizes:
        log.info("poll + diff: %d resources", size)
        curve.append(run_json("bench.poll", ["--resources", str(size), "--cycles", str(cycles)]))
    smallest, largest = curve[0], curve[-1]
    headline = next((point for point in curve if point["resources"] >= HEADLINE * 0.99), largest)
    return {
        "curve": curve,
        "headline": headline,
        "cost_ratio": {
            "sizes": [smallest["resources"], largest["resources"]],
            "per_resource": round(largest["per_resource_us"] / smallest["per_resource_us"], 2),
        },
    }


def run(quick: bool) -> dict[str, Any]:
    return measure(**(QUICK if quick else FULL))
