"""py-spy attached to a process while a block runs, and what its samples say: the functions the process
spends its Python time in (only samples holding the GIL count), inclusive and self."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PY_SPY = Path(sys.executable).with_name("py-spy")
ATTACH_SECONDS = 1.0  # py-spy takes a moment to attach: samples start after it
_PREFIXES = re.compile(r"\((?:/[^()]*/site-packages/|/[^()]*/python3\.\d+/|" + re.escape(str(Path.cwd())) + r"/)")


@contextmanager
def recording(pid: int, output: Path, rate: int = 250) -> Iterator[None]:
    """Sample `pid` into `output` (py-spy's raw, collapsed-stack format) until the block ends."""
    if not PY_SPY.exists():
        raise RuntimeError(f"py-spy is not installed: {Path(sys.executable).with_name('pip')} install py-spy")
    command = [str(PY_SPY), "record", "--pid", str(pid), "--output", str(output), "--format", "raw",
               "--rate", str(rate), "--gil", "--nonblocking"]  # fmt: skip
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(ATTACH_SECONDS)
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)  # py-spy writes what it has and exits
        spy.wait(timeout=60)


def _frame(text: str) -> str:
    """`function (package/module.py)`: no line number, no directory before the package."""
    return re.sub(r":\d+\)$", ")", _PREFIXES.sub("(", text))


def _package(frame: str) -> str:
    """The top-level package (or module) a frame's code is in: `sqlalchemy`, `asyncio`, `cloudgate`…"""
    module = frame.rpartition(" (")[2].rstrip(")")
    return re.split(r"[/.]", module.strip("<>").removeprefix("frozen "), maxsplit=1)[0]


def summarize(raw: Path, top: int = 25) -> dict[str, Any]:
    """Shares of samples: self time by package and by function, and inclusive time of the project's functions.

    Code that SQLAlchemy runs inside a greenlet is sampled as a stack of its own, so a project function's
    inclusive share leaves out the SQLAlchemy work done under it; self shares are exact.
    """
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [_frame(frame) for frame in stack.split(";")
                  if frame and not frame.startswith(("thread ", "process "))]  # fmt: skip
        if not frames:
            continue
        samples = int(count)
        total += samples
        own[frames[-1]] += samples
        packages[_package(frames[-1])] += samples
        inclusive.update(dict.fromkeys((frame for frame in frames if "(cloudgate/" in frame), samples))
    if not total:
        raise RuntimeError(f"py-spy took no samples into {raw}")

    def shares(counter: Counter[str]) -> list[tuple[float, str]]:
        return [(round(count / total, 3), name) for name, count in counter.most_common(top)]

    return {"samples": total, "self_by_package": shares(packages), "self": shares(own),
            "inclusive_cloudgate": shares(inclusive)}  # fmt: skip
