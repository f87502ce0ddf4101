"""The machine figures ran on: cores, CPU model, memory, Python, and how loaded it was."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any


def _proc_field(path: str, name: str) -> str | None:
    """The value of the first `name: value` line of a /proc file, if there is one."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        key, _, value = line.partition(":")
        if key.strip() == name:
            return value.strip()
    return None


def load_average() -> list[float]:
    """The 1, 5 and 15-minute load averages."""
    return [round(value, 2) for value in os.getloadavg()]


def cloudgate_variables() -> list[str]:
    """Names of the CLOUDGATE_* environment variables set: they change the settings of in-process gateways."""
    return sorted(name for name in os.environ if name.startswith("CLOUDGATE_"))


def describe() -> dict[str, Any]:
    memory_kb = _proc_field("/proc/meminfo", "MemTotal")
    return {
        "cores": len(os.sched_getaffinity(0)),
        "cpu_model": _proc_field("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
        "memory_gb": round(int(memory_kb.split()[0]) / 1024**2, 1) if memory_kb else None,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }
