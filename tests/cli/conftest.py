"""A real `cloudgate serve --demo` for the CLI's end-to-end tests, and the CLI run in subprocesses against
it as a user runs it. `served` is a fresh gateway per test; `gateway` is one per module, logged in as
admin, for the many checks that only read (or change what no other test of the module looks at)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
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
COMMAND_SECONDS = 90.0

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
    data_dir: Path

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
            return httpx.get(f"{self.url}/readyz", timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False

    def restart(self) -> None:
        """Stop the process (by its pid) and serve again on the same port and data directory."""
        self.stop()
        port = int(self.url.rsplit(":", 1)[1])
        self.process = serve(self.out.parent, self.env, port=port, data_dir=self.data_dir).process
        wait_for(self.ready, START_SECONDS, "/readyz after the restart")


def serve(directory: Path, env: dict[str, str], *, port: int, data_dir: Path) -> Served:
    """Start `cloudgate serve --demo` (its output in `directory`), not waiting for it to be ready."""
    out, err = directory / "serve.out", directory / "serve.err"
    with out.open("w") as out_file, err.open("w") as err_file:
        process = subprocess.Popen(
            [CLOUDGATE, "serve", "--demo", "--port", str(port), "--data-dir", str(data_dir)],
            stdout=out_file, stderr=err_file, env=env, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    return Served(process, f"http://127.0.0.1:{port}", out, err, env, data_dir)


def cli_env(config_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDGATE_") and k != "COLUMNS"}
    env["CLOUDGATE_CONFIG_DIR"] = str(config_dir)
    return env


@contextmanager
def start_gateway(directory: Path) -> Iterator[Served]:
    server = serve(directory, cli_env(directory / "config"), port=free_port(), data_dir=directory / "data")
    try:
        wait_for(server.ready, START_SECONDS, "/readyz")
        yield server
    finally:
        server.stop()


@pytest.fixture
def served(tmp_path) -> Iterator[Served]:
    with start_gateway(tmp_path) as server:
        yield server


@pytest.fixture(scope="module")
def gateway(tmp_path_factory) -> Iterator[Served]:
    """One gateway for the module, the CLI logged in to it as admin."""
    with start_gateway(tmp_path_factory.mktemp("gateway")) as server:
        login(server)
        yield server


def login(server: Served, *args: str) -> None:
    secret = wait_for(server.admin_secret, START_SECONDS, "the admin secret in serve's output")
    done = cli(server, "login", "--url", server.url, "--client-id", "admin", "--secret", secret, *args)
    assert done.returncode == 0, done.stderr


def cli(
    server: Served, *args: str, env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """One `cloudgate` command in its own process, its output piped (no terminal: COLUMNS only if given)."""
    return subprocess.run(
        [CLOUDGATE, *args], env={**server.env, **(env or {})}, capture_output=True, text=True,
        timeout=COMMAND_SECONDS, input=input, stdin=None if input is not None else subprocess.DEVNULL,
    )  # fmt: skip


def cli_json(server: Served, *args: str, env: dict[str, str] | None = None) -> Any:
    done = cli(server, *args, "--output", "json", env=env)
    assert done.returncode == 0, f"{args}: {done.stderr}"
    return json.loads(done.stdout)


def listed(server: Served, kind: str, *args: str) -> list[dict[str, Any]]:
    return cli_json(server, kind, "list", "--all", *args)["items"]


def demo_account(server: Served, name: str) -> dict[str, Any]:
    return next(a for a in cli_json(server, "account", "list")["items"] if a["name"] == name)
