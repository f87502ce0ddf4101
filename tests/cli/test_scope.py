"""Scope with the CLI against a real `cloudgate serve --demo`, each command in its own process: the demo's two
clouds aliased CloudOne (alpha-demo) and CloudTwo (beta-demo); `--scope` (or CLOUDGATE_SCOPE) makes a listing
read the cloud it names and a create boot from another cloud's image, `--wait` showing the copy in bytes;
`credential create --scope` gives a key its scope; refusals say why, the same for a cloud that is someone
else's and one that does not exist."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudgate.cli.failures import EXIT_API_ERROR
from tests.cli.conftest import Served, cli, cli_json, demo_account, listed

pytestmark = pytest.mark.slow

IN_CLOUD_TWO = '{"image": "CloudTwo"}'
NO_SUCH_ACCOUNT = "acc-0123456789abcdef"


@pytest.fixture(scope="module")
def aliased(gateway: Served) -> dict[str, str]:
    """The demo's accounts by alias, aliased with the CLI."""
    ids = {}
    for account, alias in (("alpha-demo", "CloudOne"), ("beta-demo", "CloudTwo")):
        shown = cli_json(gateway, "account", "alias", account, alias)
        assert shown["alias"] == alias
        ids[alias] = shown["id"]
    return ids


def images_of(served: Served, account_id: str) -> set[str]:
    """The images an account can use (its own and its endpoint's public ones), by id."""
    return {i["id"] for i in listed(served, "image", "--account", account_id)}


def test_an_alias_shows_in_account_list_and_a_scope_makes_a_listing_read_its_cloud(gateway, aliased):
    table = cli(gateway, "account", "list", env={"COLUMNS": "200"})
    [beta] = [line.split() for line in table.stdout.splitlines() if "beta-demo" in line]
    assert beta[1:3] == ["beta-demo", "CloudTwo"], table.stdout  # id, name, alias, …
    twos = images_of(gateway, aliased["CloudTwo"])
    assert {i["id"] for i in listed(gateway, "image", "--scope", IN_CLOUD_TWO)} == twos
    from_env = cli_json(gateway, "image", "list", "--all", env={"CLOUDGATE_SCOPE": IN_CLOUD_TWO})["items"]
    assert {i["id"] for i in from_env} == twos
    assert twos < {i["id"] for i in listed(gateway, "image")}  # unscoped: alpha's as well
    assert demo_account(gateway, "alpha-demo")["alias"] == "CloudOne"


def test_a_create_under_a_scope_boots_from_the_other_clouds_image_showing_the_copy_in_bytes(gateway, aliased):
    done = cli(gateway, "--scope", IN_CLOUD_TWO, "instance", "create", "--account", "CloudOne", "--name", "from-two",
               "--flavor", "s1.small", "--image", "debian-12", "--datacenter", "sim-east-a", "--wait",
               "--timeout", "120", "-f", "json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    made = json.loads(done.stdout)
    assert (made["account"], made["state"]) == (aliased["CloudOne"], "running")
    copied = [line for line in done.stderr.splitlines() if ": replicating image img-" in line and "B of " in line]
    assert copied and copied[-1].endswith("(100%)"), done.stderr  # the copy in bytes, to the last one
    [replica] = [i for i in listed(gateway, "image", "--account", "CloudOne", "--name", "debian-12") if not i["public"]]
    assert made["attrs"]["image"] == replica["cloud_id"]


def test_refusals_say_why(gateway, aliased):
    def refused(*args: str, profile: str | None = None) -> str:
        done = cli(gateway, *(("--profile", profile) if profile else ()), *args)
        assert done.returncode == EXIT_API_ERROR, done
        return done.stderr

    assert refused("--scope", '{"image": ', "image", "list").startswith(
        'error: invalid_scope: a scope is a JSON object such as {"image": "CloudTwo"}'
    )
    assert refused("--scope", '{"disk": "CloudTwo"}', "image", "list").startswith(
        "error: invalid_scope: a scope has no service 'disk'"
    )
    far = cli_json(gateway, "subnet", "create", "--account", "CloudTwo", "--name", "far", "--cidr", "10.9.0.0/24",
                   "--datacenter", "sim-east-a", "--wait")  # fmt: skip
    crossing = refused("--scope", '{"image": "CloudTwo", "network": "CloudTwo"}', "instance", "create",
                       "--account", "CloudOne", "--name", "crossing", "--flavor", "s1.small", "--image", "debian-12",
                       "--datacenter", "sim-east-a", "--subnet", far["id"])  # fmt: skip
    assert crossing.startswith("error: cross_cloud_reference: subnet: ") and "does not reach across clouds" in crossing

    # a client that is no admin names only clouds it proved: another's and none are refused alike
    client = cli_json(gateway, "client", "create", "alice")
    login = cli(gateway, "login", "--profile", "alice", "--url", gateway.url, "--client-id", client["id"],
                "--secret", client["secret"])  # fmt: skip
    assert login.returncode == 0, login.stderr
    mine = cli_json(gateway, "--profile", "alice", "account", "add", "--cloud", "sim", "--endpoint", "sim://alpha",
                    "--alias", "Mine", "--credential", "access_key=team-b", "--credential", "secret_key=team-b-secret")  # fmt: skip
    assert mine["alias"] == "Mine"

    def unproven(account: str, *command: str) -> str:
        text = refused("--scope", json.dumps({"image": account}), *command, profile="alice")
        assert text.startswith("error: invalid_scope: scope: image cloud "), text
        return text.replace(account, "<cloud>")

    others = unproven(aliased["CloudTwo"], "image", "list")
    assert others == unproven(NO_SUCH_ACCOUNT, "image", "list")
    assert unproven(aliased["CloudTwo"], "credential", "create", "--account", "Mine") == others


def test_a_key_is_issued_with_its_scope(gateway, aliased):
    issued = cli_json(gateway, "--scope", IN_CLOUD_TWO, "credential", "create", "--account", "CloudOne")
    assert (issued["account"], issued["scope"]) == (aliased["CloudOne"], {"image": aliased["CloudTwo"]})
    rows = cli(gateway, "credential", "list", "-c", "id", "-c", "scope", "-f", "value").stdout.splitlines()
    assert f'{issued["id"]} {{"image":"beta-demo"}}' in rows, rows  # accounts shown by name

    removed: dict[str, Any] = cli_json(gateway, "account", "alias", "CloudTwo", "--remove")
    assert removed["alias"] is None
    gone = cli(gateway, "--scope", IN_CLOUD_TWO, "image", "list")
    assert gone.returncode == EXIT_API_ERROR and "'CloudTwo' is none of your accounts" in gone.stderr
    assert cli_json(gateway, "account", "alias", "beta-demo", "CloudTwo")["alias"] == "CloudTwo"
