"""Summaries of timing samples."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100), interpolated between the two nearest ranks."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def distribution(samples: Sequence[float], digits: int = 3) -> dict[str, float | int]:
    """Count, p50, p99, max and mean of `samples`, rounded."""
    return {
        "n": len(samples),
        "p50": round(percentile(samples, 50), digits),
        "p99": round(percentile(samples, 99), digits),
        "max": round(max(samples), digits),
        "mean": round(statistics.fmean(samples), digits),
    }
