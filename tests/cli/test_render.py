from __future__ import annotations

import time

import httpx
import pytest

from cloudgate.cli.events import EventText, change_text, event_line
from cloudgate.cli.render import Look, Output, Rows, cell, show
from cloudgate.cli.resource_views import ResourceViews
from cloudgate.cli.session import Session, Target
from cloudgate.cli.waiting import progress_milestone

ACCOUNT = {"id": "acc-0123456789abcdef", "name": "alpha", "cloud": "sim", "endpoint": "sim://a", "region": None}


def gateway_with(resources: dict[str, list[dict]]) -> Session:
    """A fake gateway: the account above, and `resources` by collection, filtered by cloud id as asked."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/accounts":
            return httpx.Response(200, json={"items": [ACCOUNT]})
        wanted = request.url.params.get_list("cloud_id")
        items = [r for r in resources.get(request.url.path.removeprefix("/v1/"), []) if r["cloud_id"] in wanted]
        return httpx.Response(200, json={"items": items, "next_cursor": None})

    return Session(Target("http://gateway", "cgt_x"), transport=httpx.MockTransport(answer))


def table_text(kind: str, items: list[dict], capsys: pytest.CaptureFixture[str], **resources: list[dict]) -> str:
    with gateway_with(resources) as session:
        show({"items": items}, Look(), lambda data: ResourceViews(session, kind, data["items"]).rows(data["items"]))
    return capsys.readouterr().out


def test_cells_are_plain_text():
    assert cell("name", None) == ""
    assert cell("public", True) == "yes"
    assert cell("addresses", ["10.0.0.1", "10.0.0.2"]) == "10.0.0.1, 10.0.0.2"
    assert cell("tags", {"env": "prod"}) == '{"env":"prod"}'
    assert cell("created_at", 0.0).count(":") == 2  # a local date and time, not a float
    assert cell("progress", {"done": 3, "total": 18, "unit": "listings"}) == "3/18 listings"
    assert cell("name", "two\nlines") == "two lines"


def test_a_copys_progress_reads_in_bytes_with_its_step_and_gets_a_line_every_tenth():
    def copy(done: int) -> dict:
        return {"done": done, "total": 12 * 2**20, "unit": "bytes", "step": "replicating image img-1"}

    assert cell("progress", copy(3 * 2**20)) == "replicating image img-1: 3.0 MiB of 12.0 MiB (25%)"
    assert cell("progress", {"done": 512, "total": None, "unit": "bytes"}) == "512 B"
    assert cell("progress", {"done": 2, "total": 9, "unit": "listings"}) == "2/9 listings"
    assert progress_milestone(copy(int(1.3 * 2**20))) == progress_milestone(copy(int(2.3 * 2**20)))  # 10%, 19%
    assert progress_milestone(copy(int(2.3 * 2**20))) != progress_milestone(copy(int(2.5 * 2**20)))  # 19%, 20%


def test_resource_listing_shows_the_kind_columns_that_have_values(capsys):
    items = [
        {"id": "i-1", "name": "web", "state": "running", "cloud": "sim", "account": ACCOUNT["id"],
         "scope": ACCOUNT["id"], "attrs": {"flavor": "s1.small", "image": "img-6", "datacenter": "sim-east-a",
                                           "addresses": ["172.16.0.2"]}},
    ]  # fmt: skip
    text = table_text("instance", items, capsys)
    header = text.splitlines()[0].split()
    assert header == ["ID", "NAME", "STATE", "FLAVOR", "IMAGE", "DATACENTER", "ADDRESSES", "CLOUD", "ACCOUNT"]
    assert "172.16.0.2" in text
    assert "KEYPAIR" not in text  # no row has one


def test_references_are_shown_by_name_in_the_account_or_its_endpoint(capsys):
    scope, public = ACCOUNT["id"], "public:sim:sim://a:"
    items = [{"id": "vol-1", "name": "data", "state": "in_use", "cloud": "sim", "account": scope, "scope": scope,
              "attrs": {"datacenter": "zone-a", "attached_to": "srv-9"}}]  # fmt: skip
    text = table_text(
        "volume", items, capsys,
        instances=[{"id": "i-0123456789abcdef0123", "cloud_id": "srv-9", "scope": scope, "name": "web-1"},
                   {"id": "i-99", "cloud_id": "srv-9", "scope": "acc-other", "name": "another's"}],
        datacenters=[{"id": "dc-1", "cloud_id": "zone-a", "scope": public, "name": "east"}],
    )  # fmt: skip
    row = text.splitlines()[1].split()
    assert row[:5] == ["vol-1", "data", "in_use", "east", "web-1"]
    assert row[-1] == "alpha"  # the account by its name
    assert "srv-9" not in text and "zone-a" not in text


def test_a_reference_the_gateway_does_not_hold_shows_the_clouds_id_in_parentheses(capsys):
    items = [{"id": "snap-1", "name": "s", "state": "available", "cloud": "sim", "account": ACCOUNT["id"],
              "scope": ACCOUNT["id"], "attrs": {"volume": "vol-000123"}}]  # fmt: skip
    assert "(vol-000123)" in table_text("snapshot", items, capsys)


def test_an_event_line_holds_seq_time_account_kind_name_and_change():
    event = {"seq": 42, "at": time.time(), "type": "updated", "kind": "instance", "resource_id": "i-abc",
             "account": ACCOUNT["id"], "changed": ["state", "attrs.addresses"],
             "resource": {"state": "running", "name": "web"}}  # fmt: skip
    cells = EventText(lambda: gateway_with({})).cells(event, short=True)
    line = event_line(cells, ["seq", "time", "account", "kind", "name", "change"], None)
    seq, at, account, kind, name, *change = line.split()
    assert (seq, account, kind, name) == ("42", "alpha", "instance", "web")
    assert at.count(":") == 2
    assert " ".join(change) == "updated state=running, addresses"
    assert event_line(cells, ["id", "change"], 20).split()[0] == "i-abc"


def test_brackets_in_names_are_shown_as_they_are(capsys):
    items = [{"id": "vol-1", "name": "[bold]data[/]", "state": "available", "cloud": "sim", "account": "acc-1",
              "scope": "acc-1"}]  # fmt: skip
    assert "[bold]data[/]" in table_text("volume", items, capsys)


@pytest.mark.parametrize(
    ("output", "expected"),
    [(Output.VALUE, "i-1 web\ni-2 db\n"), (Output.CSV, "id,name\ni-1,web\ni-2,db\n")],
)
def test_value_and_csv_print_the_columns_asked_for(capsys, output, expected):
    items = [{"id": "i-1", "name": "web", "state": "running"}, {"id": "i-2", "name": "db", "state": "stopped"}]
    show({"items": items}, Look(output, ("ID", "name")), lambda data: Rows(data["items"], ["id", "state"]))
    assert capsys.readouterr().out == expected


def test_a_change_names_what_changed_leaving_the_clouds_raw_fields_out_unless_alone():
    def change(*changed: str) -> str:
        return change_text({"type": "updated", "changed": list(changed), "resource": {"state": "running"}})

    assert change("state", "cloud_state", "cloud_attrs", "attrs.addresses") == "updated state=running, addresses"
    assert change("cloud_attrs") == "updated cloud_attrs"
    assert change_text({"type": "created", "resource": {"state": "pending"}}) == "created state=pending"
