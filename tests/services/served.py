"""`cloudgate serve` as a user runs it: a subprocess on 127.0.0.1 on a data dir of the test's, stopped by pid."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx

CLOUDGATE = str(Path(sys.executable).parent / "cloudgate")
START_SECONDS = 60.0
T = TypeVar("T")


def wait_for(check: Callable[[], T | None], seconds: float, what: str) -> T:
    """Poll `check` until it returns something truthy; AssertionError after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds:g} s waiting for {what}")
        time.sleep(0.1)  # the pace of polling, not a guess at how long something takes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Served:
    process: subprocess.Popen
    url: str
    out: Path
    err: Path

    def stop(self) -> int:
        """SIGTERM, then SIGKILL if it has not exited within its graceful shutdown; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def alive(self) -> None:
        if self.process.poll() is not None:
            raise AssertionError(f"cloudgate serve exited with {self.process.returncode}:\n{self.err.read_text()[-3000:]}")

    def admin_secret(self) -> str | None:
        self.alive()
        found = re.search(r"^admin secret: (\S+)$", self.out.read_text(), re.MULTILINE)
        return found.group(1) if found else None

    def ready(self) -> bool:
        self.alive()
        try:
            return httpx.get(f"{self.url}/readyz", timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False


def serve(workdir: Path, *args: str, port: int | None = None, env: dict[str, str] | None = None, tag: str = "serve") -> Served:
    """Start `cloudgate serve --demo` on `workdir/data` and wait until it is ready."""
    port = port or free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDGATE_")} | (env or {})
    out, err = workdir / f"{tag}.out", workdir / f"{tag}.err"
    with out.open("w") as out_file, err.open("w") as err_file:
        process = subprocess.Popen(
            [CLOUDGATE, "serve", "--demo", "--port", str(port), "--data-dir", str(workdir / "data"), *args],
            stdout=out_file, stderr=err_file, env=environ, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    served = Served(process, f"http://127.0.0.1:{port}", out, err)
    try:
        wait_for(served.ready, START_SECONDS, "/readyz")
    except BaseException:
        served.stop()
        raise
    return served
