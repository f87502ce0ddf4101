"""The CLI against a real `cloudgate serve --demo`, each command in its own process, as a user runs them."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cloudgate.cli.failures import EXIT_API_ERROR
from tests.cli.conftest import START_SECONDS, cli, cli_json, wait_for

pytestmark = pytest.mark.slow


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
                       "--credential", "access_key=team-b", "--credential", "secret_key=team-b-secret",
                       "--option", "page_size=50", "--option", 'zones=["a"]')  # fmt: skip
    assert account["identity"] == "team-b"
    assert account["options"] == {"page_size": 50, "zones": ["a"]}
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

    history = cli(served, "events", "tail", "--no-follow", "--output", "json").stdout
    events = [json.loads(line) for line in history.splitlines()]
    mine = [(e["type"], e["resource"]["state"]) for e in events if e["resource_id"] == created["id"]]
    assert mine[0] == ("created", "pending")
    assert ("updated", "running") in mine
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs)

    table = cli(served, "events", "tail", "--no-follow", "--after", str(seqs[-2]))
    assert table.returncode == 0 and len(table.stdout.splitlines()) == 2  # the header and the last event

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
