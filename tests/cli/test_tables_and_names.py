"""The CLI as people expect it, against one `cloudgate serve --demo` for the module: tables that fit the
terminal, names wherever an id is asked, filters by name, references shown by name, columns and bare
values, hints that say what to do next, operations and resync."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from cloudgate.cli.failures import EXIT_API_ERROR, EXIT_OPERATION_FAILED, EXIT_USAGE
from cloudgate.cli.tables import ID_PATTERN
from tests.cli.conftest import cli, cli_json, demo_account, listed

pytestmark = pytest.mark.slow


def by_name(items: list[dict]) -> dict[str, dict]:
    return {item["name"]: item for item in items}


@pytest.mark.parametrize("width", [60, 80, 100])
def test_tables_fit_the_terminal_and_never_cut_an_id(gateway, width):
    for kind in ("instance", "volume", "image"):
        ids = {item["id"] for item in listed(gateway, kind)}
        done = cli(gateway, kind, "list", env={"COLUMNS": str(width)})
        assert done.returncode == 0, done.stderr
        header, *rows = done.stdout.splitlines()
        assert header.startswith("ID") and len(rows) == len(ids)
        assert {row.split()[0] for row in rows} == ids  # each line starts with a whole id
        assert all(len(line) <= width for line in done.stdout.splitlines()), done.stdout
        assert not any(line.endswith(" ") for line in done.stdout.splitlines())


def test_piped_tables_are_whole_without_padding_and_wide_shows_every_column(gateway):
    instances = listed(gateway, "instance")
    piped = cli(gateway, "instance", "list")  # no terminal, no COLUMNS: nothing to fit
    lines = piped.stdout.splitlines()
    assert lines[0].split() == ["ID", "NAME", "STATE", "FLAVOR", "IMAGE", "DATACENTER", "ADDRESSES", "CLOUD",
                                "ACCOUNT"]  # fmt: skip
    assert not any(line.endswith(" ") for line in lines) and "…" not in piped.stdout
    assert len({len(line) for line in lines}) > 1  # lines end with their text, not at a fixed width
    wide = cli(gateway, "instance", "list", "--wide", env={"COLUMNS": "40"})
    assert wide.stdout == piped.stdout
    narrow = cli(gateway, "instance", "list", env={"COLUMNS": "40"})
    assert "left out to fit 40 columns" in narrow.stderr
    for instance in instances:
        assert any(line.startswith(instance["id"]) for line in narrow.stdout.splitlines())


def test_names_wherever_an_id_is_asked(gateway):
    instances = by_name(listed(gateway, "instance"))
    web_1 = instances["web-1"]
    assert cli_json(gateway, "instance", "show", "web-1")["id"] == web_1["id"]
    assert cli_json(gateway, "instance", "show", web_1["cloud_id"], "--account", "alpha-demo")["id"] == web_1["id"]
    assert cli_json(gateway, "volume", "show", "db-data")["name"] == "db-data"
    alpha = demo_account(gateway, "alpha-demo")
    assert cli_json(gateway, "account", "show", "alpha-demo")["id"] == alpha["id"]
    assert cli_json(gateway, "account", "show", alpha["id"])["name"] == "alpha-demo"

    ambiguous = cli(gateway, "flavor", "show", "s1.small")  # one in each demo account
    flavors = [f["id"] for f in listed(gateway, "flavor", "--name", "s1.small")]
    assert ambiguous.returncode == EXIT_USAGE and len(flavors) == 2
    assert ambiguous.stderr.startswith("error: ambiguous: 's1.small' names more than one flavor: ")
    assert all(flavor in ambiguous.stderr for flavor in flavors)
    narrowed = cli_json(gateway, "flavor", "show", "s1.small", "--account", "alpha-demo")
    assert narrowed["id"] in flavors and narrowed["account"] == alpha["id"]

    missing = cli(gateway, "instance", "show", "no-such-instance")
    assert missing.returncode == EXIT_API_ERROR
    assert missing.stderr.startswith("error: not_found: no instance 'no-such-instance': see `cloudgate instance list`")


def test_filters_take_names_and_several_values(gateway):
    alpha = {i["name"] for i in listed(gateway, "instance", "--account", demo_account(gateway, "alpha-demo")["id"])}
    assert {i["name"] for i in listed(gateway, "instance", "--account", "alpha-demo")} == alpha == {
        "web-1", "web-2", "db-1"}  # fmt: skip
    both = listed(gateway, "instance", "--account", "alpha-demo", "--account", "beta-demo")
    assert {i["name"] for i in both} == alpha | {"batch-1"}
    assert {i["name"] for i in listed(gateway, "instance", "--name", "web-1", "--name", "db-1")} == {"web-1", "db-1"}
    east_b = listed(gateway, "instance", "--account", "alpha-demo", "--datacenter", "sim-east-b")
    assert [i["name"] for i in east_b] == ["web-2"]
    states = listed(gateway, "volume", "--state", "available", "--state", "in_use", "--account", "beta-demo")
    assert [v["name"] for v in states] == ["scratch"]

    unknown_state = cli(gateway, "instance", "list", "--state", "runing")
    assert unknown_state.returncode == EXIT_API_ERROR and unknown_state.stdout == ""
    assert unknown_state.stderr.startswith("error: invalid_request: an instance has no state 'runing'")
    assert '"field": "state"' in unknown_state.stderr
    unknown_account = cli(gateway, "volume", "list", "--account", "nobody")
    assert unknown_account.returncode == EXIT_API_ERROR and unknown_account.stdout == ""
    assert unknown_account.stderr.startswith("error: not_found: account nobody")


def test_columns_bare_values_and_csv(gateway):
    instances = listed(gateway, "instance")
    values = cli(gateway, "instance", "list", "-c", "id", "-c", "name", "-f", "value")
    assert sorted(values.stdout.splitlines()) == sorted(f"{i['id']} {i['name']}" for i in instances)
    as_csv = list(csv.reader(io.StringIO(cli(gateway, "instance", "list", "-f", "csv", "-c", "name,state").stdout)))
    assert as_csv[0] == ["name", "state"] and sorted(as_csv[1:]) == sorted([i["name"], i["state"]] for i in instances)
    assert cli(gateway, "instance", "show", "web-1", "-f", "value", "-c", "state").stdout == "running\n"
    assert json.loads(cli(gateway, "-o", "json", "instance", "show", "web-1").stdout)["name"] == "web-1"
    unknown = cli(gateway, "instance", "list", "-c", "colour")
    assert unknown.returncode == EXIT_USAGE and unknown.stderr.startswith("error: unknown_column: no column 'colour'")


def test_references_are_shown_by_name_and_a_refused_change_says_what_to_do(gateway):
    images = {i["cloud_id"]: i["name"] for i in listed(gateway, "image", "--account", "alpha-demo")}
    table = cli(gateway, "instance", "list", "--account", "alpha-demo", "-c", "name", "-c", "image", "-c", "flavor")
    for line in table.stdout.splitlines()[1:]:
        name, image, flavor = line.split()
        instance = cli_json(gateway, "instance", "show", name)
        assert image == images[instance["attrs"]["image"]] and not image.startswith("img-")
        assert flavor == instance["attrs"]["flavor"]  # the demo's flavors are named as their cloud ids

    attached = cli_json(gateway, "volume", "attach", "db-data", "--instance", "web-1", "--wait", "--timeout", "60")
    web_1 = cli_json(gateway, "instance", "show", "web-1")
    assert attached["attrs"]["attached_to"] == web_1["cloud_id"]  # JSON: what the gateway sent
    shown = cli(gateway, "volume", "list", "--name", "db-data", "-c", "attached_to", "-f", "value")
    assert shown.stdout == "web-1\n"
    assert f"attrs.attached_to  web-1 ({web_1['id']})" in cli(gateway, "volume", "show", "db-data").stdout

    refused = cli(gateway, "volume", "delete", "db-data", "--wait", "--timeout", "60")
    assert refused.returncode == EXIT_OPERATION_FAILED
    message = next(line for line in refused.stderr.splitlines() if line.startswith("error: conflict: "))
    assert message.endswith(f"detach it first: cloudgate volume detach {attached['id']}"), refused.stderr
    assert attached["cloud_id"] not in message and attached["id"] in message.split("failed: ")[1]


def test_operations_are_listed_newest_first_and_resync_shows_its_progress(gateway):
    stopped = cli(gateway, "instance", "stop", "batch-1", "--wait", "--timeout", "60")
    assert stopped.returncode == 0, stopped.stderr
    operations = cli_json(gateway, "operation", "list")["items"]
    assert operations[0]["action"] == "stop" and operations[0]["state"] == "succeeded"
    assert [op["created_at"] for op in operations] == sorted((op["created_at"] for op in operations), reverse=True)
    beta = cli_json(gateway, "operation", "list", "--account", "beta-demo", "--state", "succeeded")["items"]
    assert beta and {op["account"] for op in beta} == {demo_account(gateway, "beta-demo")["id"]}
    bad = cli(gateway, "operation", "list", "--state", "finished")
    assert bad.returncode == EXIT_API_ERROR and bad.stderr.startswith("error: invalid_request: ")

    resync = cli(gateway, "resync", "--account", "alpha-demo", "--rebuild", "--wait", "--timeout", "60")
    assert resync.returncode == 0, resync.stderr
    progress = re.findall(r"resync account (acc-\w+): (\d+)/(\d+) listings", resync.stderr)
    assert progress and progress[-1][1] == progress[-1][2]
    assert progress[-1][0] == demo_account(gateway, "alpha-demo")["id"]
    assert "succeeded" in resync.stdout
    listed_ops = cli(gateway, "operation", "list", "-c", "action", "-c", "progress", "-f", "value", "--limit", "1")
    assert listed_ops.stdout == f"resync {progress[-1][1]}/{progress[-1][2]} listings\n"


def test_ids_and_names_complete_in_the_shell(gateway):
    done = cli(gateway, env={"_CLOUDGATE_COMPLETE": "complete_bash", "COMP_WORDS": "cloudgate instance show we",
                             "COMP_CWORD": "3"})  # fmt: skip
    assert sorted(done.stdout.split()) == ["web-1", "web-2"]
    ids = cli(gateway, env={"_CLOUDGATE_COMPLETE": "complete_bash", "COMP_WORDS": "cloudgate volume show vol-",
                            "COMP_CWORD": "3"})  # fmt: skip
    assert ids.stdout.split() and all(ID_PATTERN.fullmatch(value) for value in ids.stdout.split())


def test_a_simulated_cloud_s_faults_are_shown_and_set(gateway):
    shown = cli_json(gateway, "cloud-settings", "sim", "--endpoint", "sim://beta")
    assert shown["latency"] == 0 and shown["outage"] is False
    try:
        changed = cli_json(gateway, "cloud-settings", "sim", "--endpoint", "sim://beta", "--set", "latency=0.01",
                           "--set", "throttle_rate=0.1")  # fmt: skip
        assert (changed["latency"], changed["throttle_rate"]) == (0.01, 0.1)
        assert cli_json(gateway, "cloud-settings", "sim", "--endpoint", "sim://beta")["latency"] == 0.01
    finally:
        cli(gateway, "cloud-settings", "sim", "--endpoint", "sim://beta", "--set", "latency=0", "--set", "throttle_rate=0")
    unknown = cli(gateway, "cloud-settings", "sim", "--endpoint", "sim://beta", "--set", "gremlins=1")
    assert unknown.returncode == EXIT_API_ERROR and "no fault 'gremlins'" in unknown.stderr
    malformed = cli(gateway, "cloud-settings", "sim", "--endpoint", "sim://beta", "--set", "latency")
    assert malformed.returncode == EXIT_USAGE and "name=value" in malformed.stderr
