"""What change hints cost and save in cloud API calls an hour, from what a run counted: the same reckoning for
the sim and for the real OpenStack.

Steady state for one account: each kind listed at its interval (lengthened `hinted_poll_interval_factor`
times for the kinds the hints cover), each listing as many calls as its listings took in the run; plus, with
hints, the single reads each change cost in the run, at the run's rate of changes (a stress rate, far above
most accounts'). Hence the rate of changes below which hints cost fewer calls in all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cloudgate.model import Kind
from cloudgate.settings import Settings

HOUR = 3600.0


def calls_per_hour(
    settings: Settings,
    per_listing: Mapping[Kind, float],
    hinted: frozenset[Kind],
    reads_in_run: float,
    changes: int,
    window: float,
) -> dict[str, Any]:
    """Calls an hour for an account polling the kinds of `per_listing` (calls one listing of each takes), the
    `hinted` ones polled less often; `reads_in_run` single reads were spent on `changes` changes made over
    `window` seconds."""
    factor = settings.hinted_poll_interval_factor
    listing_calls = sum(
        calls * HOUR / (settings.poll_interval(kind) * (factor if kind in hinted else 1.0))
        for kind, calls in per_listing.items()
    )
    changes_per_hour = changes / window * HOUR
    reads_per_change = reads_in_run / changes if changes else 0.0
    reads = reads_per_change * changes_per_hour
    return {"listing_pages": round(listing_calls), "reads": round(reads), "total": round(listing_calls + reads),
            "changes_per_hour": round(changes_per_hour), "reads_per_change": round(reads_per_change, 2)}  # fmt: skip


def compared(without: dict[str, Any], with_hints: dict[str, Any]) -> dict[str, Any]:
    """Both halves of a run, and what hints save and cost against polling alone (`cloud_calls_per_hour` of each)."""
    off, on = without["cloud_calls_per_hour"], with_hints["cloud_calls_per_hour"]
    saved = off["listing_pages"] - on["listing_pages"]
    return {
        "without": without,
        "with": with_hints,
        # Listing calls alone: what lengthening the hinted kinds' intervals saves, whatever the rate of changes.
        "listing_calls_per_hour_ratio": round(on["listing_pages"] / off["listing_pages"], 3),
        # Each change costs reads with hints: below this many changes an hour hints cost fewer calls in all.
        "break_even_changes_per_hour": round(saved / on["reads_per_change"]) if on["reads_per_change"] else None,
        "calls_per_hour_ratio_at_run_rate": round(on["total"] / off["total"], 3),
    }
