from __future__ import annotations

import io

from rich.console import Console

from cloudgate.cli.events import event_line
from cloudgate.cli.render import cell, resources_table


def rendered(table) -> str:
    console = Console(file=io.StringIO(), width=200)
    console.print(table)
    return console.file.getvalue()


def test_cells_are_plain_text():
    assert cell("name", None) == ""
    assert cell("public", True) == "yes"
    assert cell("addresses", ["10.0.0.1", "10.0.0.2"]) == "10.0.0.1, 10.0.0.2"
    assert cell("tags", {"env": "prod"}) == '{"env":"prod"}'
    assert cell("created_at", 0.0).count(":") == 2  # a local date and time, not a float


def test_resource_listing_shows_the_kind_columns_that_have_values():
    items = [
        {"id": "i-1", "name": "web", "state": "running", "cloud": "sim", "account": "acc-1",
         "attrs": {"flavor": "s1.small", "image": "img-6", "datacenter": "sim-east-a", "addresses": ["172.16.0.2"]}},
    ]  # fmt: skip
    text = rendered(resources_table("instance", items))
    header = text.splitlines()[0].split()
    assert header == ["ID", "NAME", "STATE", "FLAVOR", "IMAGE", "DATACENTER", "ADDRESSES", "CLOUD", "ACCOUNT"]
    assert "172.16.0.2" in text
    assert "KEYPAIR" not in text  # no row has one


def test_event_line_holds_seq_type_kind_id_and_state():
    event = {"seq": 42, "type": "updated", "kind": "instance", "resource_id": "i-abc",
             "resource": {"state": "running", "name": "web"}}  # fmt: skip
    assert event_line(event).split() == ["42", "updated", "instance", "i-abc", "running", "web"]


def test_brackets_in_names_are_shown_as_they_are():
    items = [{"id": "vol-1", "name": "[bold]data[/]", "state": "available", "cloud": "sim", "account": "acc-1"}]
    assert "[bold]data[/]" in rendered(resources_table("volume", items))
