"""The benchmark command runs and writes sane figures: a smoke test, not a timed one (figures are not judged)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench import poll
from bench.children import ROOT
from bench.delivery import QUICK


def test_the_command_writes_the_figures_of_a_part(tmp_path: Path) -> None:
    output = tmp_path / "figures.json"
    command = [sys.executable, "-m", "bench", "--quick", "--only", "events", "--output", str(output)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    document = json.loads(output.read_text())
    assert document["run"]["mode"] == "quick"
    assert document["run"]["machine"]["cores"] >= 1 and len(document["run"]["load_average_before"]) == 3
    events = document["parts"]["events"]
    assert events["events"] >= QUICK["events"]
    assert events["long_poll_per_s"] > 0 and events["sse_per_s"] > 0
    assert {goal["met"] for goal in document["goals"]} == {None}  # only the events part ran: no goal measured


async def test_poll_and_diff_figures_of_a_small_store() -> None:
    figures = await poll.measure(2_000, accounts=2, cycles=1)
    assert 1_900 <= figures["resources"] <= 2_000  # churn deletes a few
    for key in ("first_cycle_s", "cycle_s", "resources_per_s", "per_resource_us", "listing_only_s",
                "diff_overhead_ratio", "peak_rss_mb"):  # fmt: skip
        assert figures[key] > 0, key
