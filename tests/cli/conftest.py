"""A real `cloudgate serve --demo` for the CLI's end-to-end tests, and the CLI run in subprocesses against
it as a user runs it. `served` is a fresh gateway per test; `gateway` is one per module, logged in as
admin, for the many checks that only read (or change what no other test of the module looks at)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from tests.services.served import CLOUDGATE, START_SECONDS, Served, serving, wait_for

COMMAND_SECONDS = 90.0

__all__ = ["CLOUDGATE", "START_SECONDS", "Served", "wait_for"]  # what the CLI tests take from here


@pytest.fixture
def served(tmp_path) -> Iterator[Served]:
    with serving(tmp_path, "--demo") as server:
        yield server


@pytest.fixture(scope="module")
def gateway(tmp_path_factory) -> Iterator[Served]:
    """One gateway for the module, the CLI logged in to it as admin."""
    with serving(tmp_path_factory.mktemp("gateway"), "--demo") as server:
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
