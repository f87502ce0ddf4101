"""`cloudgate serve` in a process of its own on 127.0.0.1, as a user runs it: started, waited for until
/readyz answers, stopped by its process id."""

from __future__ import annotations

import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

CLOUDGATE = str(Path(sys.executable).parent / "cloudgate")
START_SECONDS = 60.0

T = TypeVar("T")


def wait_for(check: Callable[[], T | None], seconds: float, what: str) -> T:
    """Poll `check` until it returns something truthy; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds:g} s waiting for {what}")
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
    env: dict[str, str]
    command: list[str]  # what started it, so that it can start again
    verify: ssl.SSLContext | bool = True  # how /readyz is reached over HTTPS

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def restart(self) -> None:
        """Stop the process (by its pid) and serve again on the same port and data directory, once ready."""
        self.stop()
        self.start()

    def start(self) -> None:
        """Serve again (after `stop`) on the same port and data directory, once ready."""
        self.process = _start(self.command, self.env, self.out, self.err)
        wait_for(self.ready, START_SECONDS, "/readyz after the restart")

    def stop(self) -> int:
        """SIGTERM, then SIGKILL if it has not exited within its graceful shutdown; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            pytest.fail(f"cloudgate serve exited with {self.process.returncode}:\n{self.err.read_text()[-3000:]}")

    def admin_secret(self) -> str | None:
        self.check_alive()
        found = re.search(r"^admin secret: (\S+)$", self.out.read_text(), re.MULTILINE)
        return found.group(1) if found else None

    def ready(self) -> bool:
        self.check_alive()
        try:
            return httpx.get(f"{self.url}/readyz", timeout=2.0, verify=self.verify).status_code == 200
        except httpx.HTTPError:
            return False


def clean_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment without the caller's CLOUDGATE_* variables, with a config dir of the test's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDGATE_") and k != "COLUMNS"}
    env["CLOUDGATE_CONFIG_DIR"] = str(tmp_path / "config")
    env.update({f"CLOUDGATE_{name.upper()}": value for name, value in settings.items()})
    return env


def serve(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None, scheme: str = "http",
    verify: ssl.SSLContext | bool = True, port: int | None = None, tag: str = "serve",
) -> Served:  # fmt: skip
    """`cloudgate serve --port <free, or port> --data-dir <tmp>/data *args`, once ready (stopped if it never is).
    The caller stops it; `tag` names its output files, so a restart on the same data dir keeps both."""
    env = env if env is not None else clean_env(tmp_path)
    port = port or free_port()
    out, err = tmp_path / f"{tag}.out", tmp_path / f"{tag}.err"
    command = [CLOUDGATE, "serve", "--port", str(port), "--data-dir", str(tmp_path / "data"), *args]
    server = Served(_start(command, env, out, err), f"{scheme}://127.0.0.1:{port}", out, err, env, command, verify)
    try:
        wait_for(server.ready, START_SECONDS, "/readyz")
    except BaseException:
        server.stop()
        raise
    return server


def _start(command: list[str], env: dict[str, str], out: Path, err: Path) -> subprocess.Popen:
    with out.open("w") as out_file, err.open("w") as err_file:
        return subprocess.Popen(command, stdout=out_file, stderr=err_file, env=env, stdin=subprocess.DEVNULL)


@contextmanager
def serving(tmp_path: Path, *args: str, **options: Any) -> Iterator[Served]:
    """`serve` until the block ends."""
    server = serve(tmp_path, *args, **options)
    try:
        yield server
    finally:
        server.stop()
