"""Secrets that never go on the command line (stdin, the environment, a prompt that does not echo), named
profiles for several gateways, a login by the client's name, and the old single-login file."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import time
from pathlib import Path

import pytest

from cloudgate.cli.failures import EXIT_API_ERROR, EXIT_USAGE
from tests.cli.conftest import CLOUDGATE, COMMAND_SECONDS, Served, cli, cli_json

pytestmark = pytest.mark.slow

SECRET = "team-b-secret"  # the demo cloud's secret for the unregistered project team-b
ADD = ["account", "add", "--cloud", "sim", "--endpoint", "sim://alpha", "--name", "team-b"]


def in_a_terminal(server: Served, args: list[str], answer: str) -> tuple[int, str]:
    """Run the CLI on a terminal of its own (a pseudo-terminal), type `answer` at its prompt; its exit
    code and everything the terminal showed."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [CLOUDGATE, *args], stdin=terminal, stdout=terminal, stderr=terminal, env=server.env,
        start_new_session=True,  # no controlling terminal but this one
    )  # fmt: skip
    os.close(terminal)
    shown, answered = b"", False
    deadline = time.monotonic() + COMMAND_SECONDS
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(controller, 4096)
                except OSError:  # the terminal's other end closed: the command is done
                    break
                if not chunk:
                    break
                shown += chunk
            # click prints the prompt, then getpass turns echo off (flushing what was typed) and writes
            # a space: only then is it time to type.
            if not answered and b"secret_key: " in shown:
                os.write(controller, answer.encode() + b"\n")
                answered = True
        return process.wait(timeout=COMMAND_SECONDS), shown.decode(errors="replace")
    finally:
        os.close(controller)
        if process.poll() is None:
            process.kill()
            process.wait()


def test_cloud_secrets_come_from_stdin_the_environment_or_a_prompt(gateway):
    from_stdin = [*ADD, "--credential", "access_key=team-b", "--credential", "secret_key=-", "-o", "json"]
    added = cli(gateway, *from_stdin, input=f"{SECRET}\n")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["identity"] == "team-b" and SECRET not in added.stdout + added.stderr
    wrong = cli(gateway, *from_stdin, input="not-the-secret\n")
    assert wrong.returncode == EXIT_API_ERROR and wrong.stderr.startswith("error: cloud_auth_failed: ")

    environment = {"CLOUDGATE_CREDENTIAL_ACCESS_KEY": "team-b", "CLOUDGATE_CREDENTIAL_SECRET_KEY": SECRET}
    rotated = cli(gateway, "account", "rotate", "team-b", "-o", "json", env=environment)
    assert rotated.returncode == 0, rotated.stderr
    assert json.loads(rotated.stdout)["identity"] == "team-b"

    prompted = ["account", "rotate", "team-b", "--credential", "access_key=team-b", "--credential", "secret_key"]
    code, shown = in_a_terminal(gateway, prompted, SECRET)
    assert code == 0, shown
    assert "secret_key:" in shown and SECRET not in shown  # asked for, and not echoed

    nobody_to_ask = cli(gateway, *prompted)  # stdin is not a terminal
    assert nobody_to_ask.returncode == EXIT_USAGE
    assert "secret_key=-" in nobody_to_ask.stderr and "CLOUDGATE_CREDENTIAL_SECRET_KEY" in nobody_to_ask.stderr


def test_profiles_keep_a_login_per_gateway(gateway):
    secret = gateway.admin_secret()
    assert secret is not None
    second = cli(gateway, "login", "--profile", "second", "--url", gateway.url, "--secret", "-", input=f"{secret}\n")
    assert second.returncode == 0 and "profile second" in second.stderr
    profiles = {p["profile"]: p for p in cli_json(gateway, "profile", "list")["items"]}
    assert set(profiles) >= {"default", "second"} and profiles["default"]["current"]
    assert all(p["url"] == gateway.url and p["logged_in"] for p in profiles.values())
    assert "cgt_" not in cli(gateway, "profile", "list", "-o", "json").stdout  # tokens are never shown

    config = json.loads((Path(gateway.env["CLOUDGATE_CONFIG_DIR"]) / "config.json").read_text())
    assert config["profiles"]["second"]["token"] != config["profiles"]["default"]["token"]
    assert cli_json(gateway, "--profile", "second", "whoami")["client_id"] == "admin"
    assert cli_json(gateway, "whoami", env={"CLOUDGATE_PROFILE": "second"})["client_id"] == "admin"
    assert cli(gateway, "logout", "--profile", "second").returncode == 0
    assert cli_json(gateway, "whoami")["client_id"] == "admin"  # the default profile is still logged in
    gone = cli(gateway, "--profile", "second", "whoami")
    assert gone.returncode == EXIT_API_ERROR and "cloudgate login" in gone.stderr


def test_a_client_logs_in_by_name_and_the_old_login_file_still_works(gateway, tmp_path):
    created = cli_json(gateway, "client", "create", "ci-bot")
    bot = cli(gateway, "login", "--profile", "bot", "--url", gateway.url, "--client-id", "ci-bot", "--secret", "-",
              input=created["secret"] + "\n")  # fmt: skip
    assert bot.returncode == 0, bot.stderr
    assert cli_json(gateway, "--profile", "bot", "whoami") == {"client_id": created["id"], "name": "ci-bot",
                                                                "is_admin": False}  # fmt: skip

    default = json.loads((Path(gateway.env["CLOUDGATE_CONFIG_DIR"]) / "config.json").read_text())["profiles"]
    old = tmp_path / "old-config"
    old.mkdir()
    (old / "config.json").write_text(json.dumps(default["default"]))  # the shape before profiles
    assert cli_json(gateway, "whoami", env={"CLOUDGATE_CONFIG_DIR": str(old)})["client_id"] == "admin"
