"""The CLI against a real `cloudgate serve --demo`, each command in its own process, as a user runs them."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from cloudgate.cli.failures import EXIT_API_ERROR

CLOUDGATE = str(Path(sys.executable).parent / "cloudgate")
START_SECONDS = 60.0
COMMAND_SECONDS = 90.0

T = TypeVar("T")

pytestmark = pytest.mark.slow


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


@pytest.fixture
def served(tmp_path) -> Iterator[Served]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDGATE_")}
    env["CLOUDGATE_CONFIG_DIR"] = str(tmp_path / "config")
    port = free_port()
    out, err = tmp_path / "serve.out", tmp_path / "serve.err"
    with out.open("w") as out_file, err.open("w") as err_file:
        process = subprocess.Popen(
            [CLOUDGATE, "serve", "--demo", "--port", str(port), "--data-dir", str(tmp_path / "data")],
            stdout=out_file, stderr=err_file, env=env, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    server = Served(process, f"http://127.0.0.1:{port}", out, err, env)
    try:
        wait_for(server.ready, START_SECONDS, "/readyz")
        yield server
    finally:
        server.stop()


def cli(server: Served, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLOUDGATE, *args], env=server.env, capture_output=True, text=True, timeout=COMMAND_SECONDS,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def cli_json(server: Served, *args: str) -> Any:
    done = cli(server, *args, "--output", "json")
    assert done.returncode == 0, f"{args}: {done.stderr}"
    return json.loads(done.stdout)


def test_login_add_an_account_create_an_instance_and_follow_its_events(served):
    secret = wait_for(served.admin_secret, START_SECONDS, "the admin secret in serve's output")
    banner = served.out.read_text()
    assert f"cloudgate listening on {served.url}" in banner
    assert "alpha-demo" in banner and "beta-demo" in banner

    login = cli(served, "login", "--url", served.url, "--client-id", "admin", "--secret", secret)
    assert login.returncode == 0, login.stderr
    saved = Path(served.env["CLOUDGATE_CONFIG_DIR"]) / "config.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert cli_json(served, "whoami")["client_id"] == "admin"

    refused = cli(served, "account", "add", "--cloud", "sim", "--endpoint", "sim://alpha",
                  "--credential", "access_key=team-b", "--credential", "secret_key=wrong")  # fmt: skip
    assert refused.returncode == EXIT_API_ERROR
    assert refused.stderr.startswith("error: cloud_auth_failed: "), refused.stderr
    assert "Traceback" not in refused.stderr

    account = cli_json(served, "account", "add", "--cloud", "sim", "--endpoint", "sim://alpha", "--name", "team-b",
                       "--credential", "access_key=team-b", "--credential", "secret_key=team-b-secret")  # fmt: skip
    assert account["identity"] == "team-b"
    assert account["id"] in {a["id"] for a in cli_json(served, "account", "list")["items"]}

    def listed(kind: str, **filters: str) -> Callable[[], list[dict[str, Any]]]:
        args = [arg for key, value in filters.items() for arg in (f"--{key}", value)]
        return lambda: cli_json(served, kind, "list", "--all", *args)["items"]

    flavors = wait_for(listed("flavor", account=account["id"], name="s1.small"), 30, "the account's flavors")
    zones = wait_for(listed("datacenter", account=account["id"], name="sim-east-a"), 30, "the account's zones")
    images = wait_for(listed("image", name="ubuntu-24.04", cloud="sim"), 30, "the public images")
    image = next(i for i in images if i["scope"] == f"public:sim:sim://alpha:{account['region']}")

    created = cli_json(served, "instance", "create", "--account", account["id"], "--name", "e2e-web",
                       "--flavor", flavors[0]["id"], "--image", image["id"], "--datacenter", zones[0]["id"],
                       "--tag", "test=e2e", "--wait", "--timeout", "60")  # fmt: skip
    assert created["state"] == "running"
    assert created["name"] == "e2e-web" and created["account"] == account["id"]

    events = [json.loads(line) for line in cli(served, "events", "tail", "--output", "json").stdout.splitlines()]
    mine = [(e["type"], e["resource"]["state"]) for e in events if e["resource_id"] == created["id"]]
    assert mine[0] == ("created", "pending")
    assert ("updated", "running") in mine
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs)

    table = cli(served, "events", "tail", "--after", str(seqs[-2]))
    assert table.returncode == 0 and len(table.stdout.splitlines()) == 1

    assert served.stop() == 0
    assert "Finished server process" in served.err.read_text()


def test_access_keys_are_issued_listed_and_revoked(served):
    secret = wait_for(served.admin_secret, START_SECONDS, "the admin secret in serve's output")
    assert cli(served, "login", "--url", served.url, "--client-id", "admin", "--secret", secret).returncode == 0
    account = next(a for a in cli_json(served, "account", "list")["items"] if a["name"] == "alpha-demo")

    issued = cli_json(served, "credential", "create", "--account", account["id"], "--name", "ci")
    assert issued["id"].startswith("CG") and issued["account"] == account["id"] and issued["secret"]
    shown = cli(served, "credential", "create", "--account", account["id"])
    assert shown.returncode == 0 and "shown only this once" in shown.stderr
    listed = cli(served, "credential", "list", "--account", account["id"], "--output", "json")
    assert issued["secret"] not in listed.stdout  # shown once: at its creation
    keys = {key["id"]: key for key in json.loads(listed.stdout)["items"]}
    assert issued["id"] in keys and keys[issued["id"]]["revoked_at"] is None and keys[issued["id"]]["name"] == "ci"

    assert cli(served, "credential", "revoke", issued["id"]).returncode == 0
    keys = {key["id"]: key for key in cli_json(served, "credential", "list")["items"]}
    assert keys[issued["id"]]["revoked_at"] is not None
    again = cli(served, "credential", "revoke", "CGNOTAKEYOFANYONE000")
    assert again.returncode == EXIT_API_ERROR and again.stderr.startswith("error: not_found: ")
    refused = cli(served, "credential", "create", "--account", "acc-0000000000000000")
    assert refused.returncode == EXIT_API_ERROR and refused.stderr.startswith("error: not_found: ")
