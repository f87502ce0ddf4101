"""The figures of a run as tables: one per part, then the goals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.table import Table

TITLES = {
    "poll": "Poll + diff (sim clouds, 10 accounts, 1% churn per cycle; peer: the same listings without the diff)",
    "latency": "Change → event latency (seconds)",
    "hints": "Out-of-band change → event at a long-poll reader (seconds), without and with change hints (sim)",
    "openstack_hints": "A security group renamed behind the gateway's back on the real OpenStack → event at a "
    "long-poll reader (seconds), without and with neutron's notifications as hints",
    "reads": "Reads over HTTP from cloudgate serve (peers: the same 1,000 instances listed straight from moto)",
    "events": "Events delivered per second, one reader catching up on a backlog",
    "amqp": "AMQP (RabbitMQ on 127.0.0.1)",
    "openstack": "nova's servers of one project through cloudgate's /openstack (peer: the same call to the real nova)",
    "replicate": "An image replicated sim → the real OpenStack under scope (peer: openstacksdk uploads the same bytes to glance)",
    "dashboard": "The dashboard's pages over 10,000 sim instances (peer: /v1's listing of the same first page)",
}


def _poll(figures: dict[str, Any]) -> Table:
    table = Table(title=TITLES["poll"], title_justify="left")
    for column in ("resources", "first cycle s", "cycle s", "listing only s", "cycle ÷ listing", "resources/s",
                   "µs/resource", "peak RSS MB", "RSS before poll MB"):  # fmt: skip
        table.add_column(column, justify="right")
    for point in figures["curve"]:
        table.add_row(f"{point['resources']:,}", f"{point['first_cycle_s']:.2f}", f"{point['cycle_s']:.3f}",
                      f"{point['listing_only_s']:.3f}", f"{point['diff_overhead_ratio']:.2f}",
                      f"{point['resources_per_s']:,}", f"{point['per_resource_us']:.1f}", f"{point['peak_rss_mb']:.0f}",
                      f"{point['rss_before_poll_mb']:.0f}")  # fmt: skip
    ratio = figures["cost_ratio"]
    table.caption = (f"per-resource cycle cost at {ratio['sizes'][1]:,} over {ratio['sizes'][0]:,}: "
                     f"{ratio['per_resource']:.2f}× (1 = linear)")  # fmt: skip
    return table


def _distribution_row(table: Table, label: str, spread: dict[str, Any], note: str = "") -> None:
    table.add_row(label, str(spread["n"]), f"{spread['p50']:.3f}", f"{spread['p99']:.3f}", f"{spread['max']:.3f}", note)


def _latency(figures: dict[str, Any]) -> Table:
    table = Table(title=TITLES["latency"], title_justify="left")
    for column, justify in (("change → event", "left"), ("n", "right"), ("p50", "right"), ("p99", "right"),
                            ("max", "right"), ("", "left")):  # fmt: skip
        table.add_column(column, justify=justify)
    own, oob = figures["own"], figures["oob"]
    span = f"transitions {own['transition_s'][0]}–{own['transition_s'][1]} s, fast poll {own['fast_poll_interval_s']} s"
    _distribution_row(table, "own mutation → committed (at)", own["to_commit_s"], span)
    _distribution_row(table, "own mutation → long-poll reader", own["to_arrival_s"])
    interval = f"interval {oob['interval_s']:g} s"
    beyond = f"p99 − interval = {oob['changes']['p99_over_interval_s']:+.3f} s"
    _distribution_row(table, "out-of-band change → committed", oob["changes"]["to_commit_s"], interval)
    _distribution_row(table, "out-of-band change → long-poll reader", oob["changes"]["to_arrival_s"], beyond)
    _distribution_row(table, "out-of-band deletion → long-poll reader", oob["deletions"]["to_arrival_s"],
                      f"p99 = {oob['deletions']['in_intervals_p99']:.2f} intervals (deleted after 2 listings)")
    return table


def _hint_table(title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column, justify in (("change → event", "left"), ("n", "right"), ("p50", "right"), ("p99", "right"),
                            ("max", "right"), ("", "left")):  # fmt: skip
        table.add_column(column, justify=justify)
    return table


def _calls_note(interval: str, calls: dict[str, Any]) -> str:
    return (f"{interval}; {calls['total']:,} cloud calls/h ({calls['listing_pages']:,} listing calls + "
            f"{calls['reads']:,} reads)")  # fmt: skip


def _costs_caption(figures: dict[str, Any]) -> str:
    """What hints save and cost in calls (bench.hint_costs.compared)."""
    rate = figures["with"]["cloud_calls_per_hour"]
    return (f"listing calls an hour with hints ÷ without: {figures['listing_calls_per_hour_ratio']}; "
            f"{rate['reads_per_change']} reads per hinted change, so hints cost fewer calls in all below "
            f"{figures['break_even_changes_per_hour']:,} changes an hour (all calls at the run's "
            f"{rate['changes_per_hour']:,}/h: {figures['calls_per_hour_ratio_at_run_rate']}×)")  # fmt: skip


def _hints(figures: dict[str, Any]) -> Group:
    table = _hint_table(TITLES["hints"])
    for label, half in (("without hints", figures["without"]), ("with hints", figures["with"])):
        note = _calls_note(f"instance interval {half['instance_interval_s']:g} s", half["cloud_calls_per_hour"])
        _distribution_row(table, f"{label}: change", half["changes"]["to_arrival_s"], note)
        _distribution_row(table, f"{label}: deletion", half["deletions"]["to_arrival_s"])
    table.caption = _costs_caption(figures)
    return Group(table, _openstack_hints(figures["openstack"]))


def _openstack_hints(figures: dict[str, Any]) -> Table:
    table = _hint_table(TITLES["openstack_hints"])
    for label, half in (("without hints", figures["without"]), ("with hints", figures["with"])):
        interval = f"security groups every {half['security_group_interval_s']:g} s"
        _distribution_row(table, f"{label}: rename", half["renames"]["to_arrival_s"],
                          _calls_note(interval, half["cloud_calls_per_hour"]))  # fmt: skip
    heard = figures["with"]
    table.caption = (f"{_costs_caption(figures)}; with hints, per rename: {heard['hints_per_rename']} hints, "
                     f"{heard['reads_per_rename']} reads of {heard['requests_per_read']} requests; "
                     f"bring-up: {figures['bring_up']}")  # fmt: skip
    return table


def _reads(figures: dict[str, Any]) -> Table:
    table = Table(title=TITLES["reads"], title_justify="left")
    table.add_column("read")
    table.add_column("figure", justify="right")
    table.add_column("", justify="left")
    store, peers, get = figures["list_store"], figures["peers"], figures["get"]
    table.add_row(f"list {store['instances']:,} instances from the store", f"{store['median_s']:.3f} s",
                  f"median; best {store['best_s']:.3f} s; pages of {store['page']:,}")  # fmt: skip
    table.add_row(f"list {peers['instances']:,} moto instances: gateway (store)", f"{peers['gateway_s']:.3f} s",
                  "median")  # fmt: skip
    table.add_row("  the same, boto3 straight from moto", f"{peers['boto3_s']:.3f} s",
                  f"{peers['boto3_over_gateway']:.1f}× the gateway's time")  # fmt: skip
    table.add_row("  the same, libcloud straight from moto", f"{peers['libcloud_s']:.3f} s",
                  f"{peers['libcloud_over_gateway']:.1f}× the gateway's time")  # fmt: skip
    ec2 = figures["ec2_front_end"]
    table.add_row("  the same, boto3 through the gateway's /ec2", f"{ec2['boto3_via_ec2_s']:.3f} s",
                  f"{ec2['via_ec2_over_v1']:.1f}× the /v1 listing; boto3 straight from moto takes "
                  f"{ec2['boto3_direct_over_via_ec2']:.1f}× as long")  # fmt: skip
    table.add_row("    of which /ec2's answer (sent → read)", f"{ec2['answer_s']:.3f} s",
                  f"{ec2['answer_over_v1']:.1f}× the /v1 listing; boto3 parses the XML for {ec2['boto3_parse_s']:.3f} s")  # fmt: skip
    table.add_row(f"single GET, {get['concurrency']} in flight", f"{get['requests_per_s']:,.0f} req/s",
                  f"{get['requests']:,} requests")  # fmt: skip
    table.add_row("  the same server's /healthz (no token, no store)", f"{get['healthz_requests_per_s']:,.0f} req/s",
                  f"a GET runs at {get['of_healthz']:.0%} of it")  # fmt: skip
    sequential = get["sequential_ms"]
    table.add_row("single GET, one at a time", f"{sequential['p50']:.2f} ms",
                  f"p50; p99 {sequential['p99']:.2f} ms")  # fmt: skip
    return table


def _events(figures: dict[str, Any]) -> Table:
    table = Table(title=TITLES["events"], title_justify="left")
    table.add_column("transport")
    table.add_column("events/s", justify="right")
    table.add_row(f"long-poll /v1/events (pages of {figures['page']:,})", f"{figures['long_poll_per_s']:,}")
    table.add_row("Server-Sent Events /v1/events/stream", f"{figures['sse_per_s']:,}")
    table.caption = f"backlog of {figures['events']:,} events, best of {figures['repeats']}"
    return table


def _amqp(figures: dict[str, Any]) -> Table:
    table = Table(title=TITLES["amqp"], title_justify="left")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_row(f"events published by the relay (confirmed, batches of {figures['relay_batch']})",
                  f"{figures['events_published_per_second']:,.0f}/s")  # fmt: skip
    table.add_row(f"API round-trips over AMQP, {figures['rpc_concurrency']} in flight",
                  f"{figures['rpc_round_trips_per_second']:,.0f}/s")  # fmt: skip
    table.add_row("  the same requests to the app in process (no transport)",
                  f"{figures['in_process_requests_per_second']:,.0f}/s")  # fmt: skip
    table.add_row("one round-trip at a time (median)", f"{figures['rpc_round_trip_ms_median_one_at_a_time']:.2f} ms")
    return table


def _openstack(figures: dict[str, Any]) -> Table:
    table = Table(title=TITLES["openstack"], title_justify="left")
    for column, justify in (("listing", "left"), ("through cloudgate", "right"), ("straight from nova", "right"),
                            ("nova ÷ cloudgate", "right")):  # fmt: skip
        table.add_column(column, justify=justify)
    sdk, answer, cli = figures["sdk"], figures["answer"], figures["cli"]
    rows = ((f"openstacksdk compute.servers(), {sdk['microversions']['gateway']} / {sdk['microversions']['nova']}", sdk),
            ("  their answers (GET /servers/detail, JSON parsed)", answer), (cli["command"], cli))  # fmt: skip
    for label, row in rows:
        if "skipped" in row:
            table.add_row(label, row["skipped"], "", "")
        else:
            table.add_row(f"{label} (median of {row['repeats']})", f"{row['gateway_s']:.3f} s",
                          f"{row['nova_s']:.3f} s", f"{row['nova_over_gateway']:.1f}×")  # fmt: skip
    table.add_row(f"  nova's answer at {sdk['microversions']['gateway']}", "",
                  f"{answer['nova_at_gateway_microversion_s']:.3f} s",
                  f"{answer['nova_at_gateway_microversion_over_gateway']:.1f}×")  # fmt: skip
    held = figures["nova_servers"]
    table.caption = (f"{held['servers']:,} ACTIVE servers (fake driver), {held['launched']:,} launched in "
                     f"{held['launch_s']:.0f} s ({held['launched_per_s']:.1f}/s, batches of {held['batch']}); "
                     f"polled into the store in {figures['poll_s']:.1f} s; bring-up: {figures['bring_up']}")  # fmt: skip
    return table


def _replicate(figures: dict[str, Any]) -> Table:
    table = Table(title=TITLES["replicate"], title_justify="left")
    for column in ("upload", "seconds", "MB/s", "process CPU s", "peak RSS over before, MB", "RSS before, MB"):
        table.add_column(column, justify="left" if column == "upload" else "right")
    size = f"{figures['bytes'] / (1 << 20):,.0f} MiB"
    for label, way in ((f"{size} through cloudgate (sha512 verified on the way)", figures["gateway"]),
                       (f"{size} with openstacksdk straight to glance", figures["plain"])):  # fmt: skip
        table.add_row(f"{label}, median of {len(way['runs'])}", f"{way['median_s']:.2f}", f"{way['mb_per_s']:.0f}",
                      f"{way['cpu_s']:.2f}", f"{way['rss_extra_mb']:.0f}",
                      f"{max(run['rss_before_mb'] for run in way['runs']):.0f}")  # fmt: skip
    operations = ", ".join(f"{run['operation_s']:.1f}" for run in figures["gateway"]["runs"])
    table.caption = (f"plain time ÷ gateway time: {figures['plain_over_gateway']:.2f}×; the create operations took "
                     f"{operations} s with the server's boot; the sim's first read of an image (hashing it) "
                     f"{figures['sim_first_read_s']:.1f} s; bring-up: {figures['bring_up']}")  # fmt: skip
    return table


def _dashboard(figures: dict[str, Any]) -> Table:
    table = Table(title=TITLES["dashboard"], title_justify="left")
    for column in ("page", "p50 ms", "p99 ms", "max ms", "p50 ÷ /v1's"):
        table.add_column(column, justify="left" if column == "page" else "right")
    for key, label in (("instances_first_page", f"instances list, first page ({figures['page']} rows)"),
                       ("overview", "overview"), ("filtered_list", f"instances list filtered by name, state, account ({figures['filtered_total']:,} match)"),
                       ("v1_first_page", f"/v1/instances?limit={figures['page']} (the peer)")):  # fmt: skip
        spread = figures[key]
        table.add_row(label, f"{spread['p50']:.1f}", f"{spread['p99']:.1f}", f"{spread['max']:.1f}",
                      f"{spread['over_v1']:.1f}×" if "over_v1" in spread else "")  # fmt: skip
    table.caption = (f"{figures['repeats']} turns of each, in turn, request sent → answer read on 127.0.0.1; "
                     f"{figures['listed_total']:,} instances listed, stored in {figures['store_s']:.1f} s")  # fmt: skip
    return table


RENDERERS: dict[str, Callable[[dict[str, Any]], RenderableType]] = {
    "poll": _poll, "latency": _latency, "hints": _hints, "reads": _reads, "events": _events, "amqp": _amqp, "openstack": _openstack,
    "replicate": _replicate, "dashboard": _dashboard,
}  # fmt: skip


def _figure(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _goals(goals: list[dict[str, Any]]) -> Table:
    table = Table(title="Goals", title_justify="left")
    for column, justify in (("goal", "left"), ("figure", "right"), ("target", "right"), ("", "left")):
        table.add_column(column, justify=justify)
    for goal in goals:
        mark = {True: "[green]met[/]", False: "[red]missed[/]", None: "[dim]not measured[/]"}[goal["met"]]
        figure = "" if goal["figure"] is None else _figure(goal["figure"])
        table.add_row(goal["goal"], figure, goal["target"], mark)
    return table


def render(document: dict[str, Any], console: Console) -> None:
    run, machine = document["run"], document["run"]["machine"]
    console.print(
        f"[bold]cloudgate benchmarks[/] ({run['mode']}, {run['started_at']}, {run['duration_s']:.0f} s) on "
        f"{machine['cores']} cores {machine['cpu_model']}, {machine['memory_gb']} GB, Python {machine['python']}; "
        f"load average {run['load_average_before']} before, {run['load_average_after']} after"
    )
    if run["cloudgate_variables"]:
        console.print(f"[yellow]settings changed by the environment:[/] {', '.join(run['cloudgate_variables'])}")
    for name, figures in document["parts"].items():
        problem = figures.get("error") or figures.get("skipped")
        if problem:
            console.print(f"[bold]{TITLES[name]}[/]: {problem}")
        else:
            console.print(RENDERERS[name](figures))
    console.print(_goals(document["goals"]))
