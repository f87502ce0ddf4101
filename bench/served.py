"""`cloudgate serve` in a process of its own over a store prepared beforehand, so that the server and
the benchmark's HTTP client do not share one interpreter."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.children import ROOT
from bench.gateways import ADMIN_SECRET

READY_SECONDS = 60.0
STOP_SECONDS = 20.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"cloudgate serve did not become ready:\n{log.read_text()[-2000:]}")
        time.sleep(0.1)  # the pace of probing readiness against its deadline


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass(frozen=True)
class Served:
    url: str
    pid: int


@contextmanager
def served(data_dir: Path) -> Iterator[Served]:
    """Serve the store in `data_dir` (poller off: it only answers) on 127.0.0.1 until the block ends."""
    port = free_port()
    # The server answers on the default settings, whatever the caller's environment says.
    env = {key: value for key, value in os.environ.items() if not key.startswith("CLOUDGATE_")}
    env.update({"CLOUDGATE_RUN_POLLER": "false", "CLOUDGATE_ADMIN_SECRET": ADMIN_SECRET})
    command = [sys.executable, "-m", "cloudgate.cli", "serve", "--no-demo", "--host", "127.0.0.1", "--port",
               str(port), "--data-dir", str(data_dir), "--log-level", "warning"]  # fmt: skip
    with tempfile.NamedTemporaryFile("w", prefix="cloudgate-bench-serve-", suffix=".log", delete=False) as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    log_path = Path(log.name)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process, log_path)
        yield Served(url, process.pid)
    finally:
        _stop(process)
        log_path.unlink(missing_ok=True)
