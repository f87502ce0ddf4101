"""Running a measurement in a process of its own, so that its peak RSS and its event loop are its own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent  # the repository: `tests.services` is imported from there


class ChildFailed(RuntimeError):
    pass


def run_json(module: str, args: list[str]) -> dict[str, Any]:
    """Run `python -m module *args` and return the JSON object its stdout ends with (its stderr passes through)."""
    done = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise ChildFailed(f"python -m {module} {' '.join(args)} exited with {done.returncode}")
    return json.loads(lines[-1])
