"""`--wait` against a real `cloudgate serve --demo`, the CLI in subprocesses: it follows an operation until it
succeeds (showing the resource's states), fails (the cloud's refusal, with its code and exit code 4) or the
timeout passes (exit code 5, saying how to follow it further). Progress and the next step after a refusal
are shown by the resync and volume tests of test_tables_and_names.py."""

from __future__ import annotations

import re

from cloudgate.cli.failures import EXIT_OPERATION_FAILED, EXIT_WAIT_TIMEOUT
from tests.cli.conftest import cli, cli_json

CREATE = ("instance", "create", "--account", "alpha-demo", "--datacenter", "sim-east-a")


def test_follow_shows_the_states_until_the_operation_succeeded(gateway):
    done = cli(gateway, *CREATE, "--name", "waited-1", "--flavor", "s1.small", "--image", "debian-12", "--wait",
               "--timeout", "120", "-f", "json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    resource = re.search(r"instance (i-\w+): pending", done.stderr)
    assert resource is not None, done.stderr
    assert f"instance {resource.group(1)}: running" in done.stderr
    assert cli_json(gateway, "instance", "show", "waited-1")["state"] == "running"


def test_a_failed_operation_ends_the_wait_with_its_error_code(gateway):
    # The cloud refuses an image bigger than the flavor's disk once it has the request: the operation fails.
    done = cli(gateway, *CREATE, "--name", "too-big", "--flavor", "s1.tiny", "--image", "windows-2022", "--wait",
               "--timeout", "120")  # fmt: skip
    assert done.returncode == EXIT_OPERATION_FAILED, done.stderr
    assert "error: invalid_request: operation op-" in done.stderr
    # named as the command named the image, not by the cloud's id for it
    assert "image windows-2022 needs 40 GB of disk, s1.tiny has 10" in done.stderr, done.stderr
    assert all(i["name"] != "too-big" for i in cli_json(gateway, "instance", "list", "--all")["items"])


def test_waiting_gives_up_at_the_timeout_and_says_how_to_follow_on(gateway):
    done = cli(gateway, *CREATE, "--name", "not-waited", "--flavor", "s1.small", "--image", "debian-12", "--wait",
               "--timeout", "0")  # fmt: skip
    assert done.returncode == EXIT_WAIT_TIMEOUT, done.stderr
    operation = re.search(r"follow it with `cloudgate operation show (op-\w+) --wait`", done.stderr)
    assert operation is not None, done.stderr
    followed = cli(gateway, "operation", "show", operation.group(1), "--wait", "--timeout", "120", "-f", "json")
    assert followed.returncode == 0, followed.stderr
